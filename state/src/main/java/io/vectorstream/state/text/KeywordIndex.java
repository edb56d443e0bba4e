package io.vectorstream.state.text;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The inverted index of one sealed segment's texts: per term the ascending ordinals of the texts
 * that hold it with the term's frequency in each, and per ordinal the text's length in terms. With
 * the segment's tombstones these give every BM25 statistic exactly (live document count, total
 * length, document frequencies), so nothing is stored per shard and nothing goes stale on delete.
 *
 * <p>Immutable, like the vector index beside it: built once by a seal ({@link #of}), carried into a
 * compaction by remapping postings ({@link #merge}, Lucene's postings merge: no text is tokenized
 * again), and written into the segment's blob ({@link #write}) so that a restore reads it back
 * ({@link #read}) instead of rebuilding it. Terms are sorted and found by binary search, so the
 * index holds no hash table.
 */
public final class KeywordIndex {

    /** Longest term accepted on read (UTF-8 bytes): a term is at most 64 chars. */
    private static final int MAX_TERM_BYTES = 4 * Tokenizer.MAX_TERM_CHARS;

    private final String[] terms;
    private final int[] starts;
    private final int[] docs;
    private final int[] freqs;
    private final int[] lengths;
    private final long totalLength;
    private final int textCount;

    private KeywordIndex(String[] terms, int[] starts, int[] docs, int[] freqs, int[] lengths) {
        this.terms = terms;
        this.starts = starts;
        this.docs = docs;
        this.freqs = freqs;
        this.lengths = lengths;
        long total = 0;
        int texts = 0;
        for (int l : lengths) {
            total += l;
            texts += l > 0 ? 1 : 0;
        }
        this.totalLength = total;
        this.textCount = texts;
    }

    /** An index of {@code size} vectors none of which has text (a segment written before text). */
    public static KeywordIndex empty(int size) {
        return new KeywordIndex(new String[0], new int[1], new int[0], new int[0], new int[size]);
    }

    /** The index of {@code texts}, one per ordinal (null entries for none). */
    public static KeywordIndex of(List<DocTerms> texts) {
        int n = texts.size();
        int[] lengths = new int[n];
        Map<String, int[]> df = new HashMap<>();
        long postings = 0;
        for (int ordinal = 0; ordinal < n; ordinal++) {
            DocTerms d = texts.get(ordinal);
            if (d == null) {
                continue;
            }
            lengths[ordinal] = d.length();
            for (String t : d.terms()) {
                df.computeIfAbsent(t, x -> new int[1])[0]++;
            }
            postings += d.terms().length;
        }
        String[] terms = df.keySet().toArray(new String[0]);
        Arrays.sort(terms);
        int[] starts = new int[terms.length + 1];
        Map<String, Integer> next = new HashMap<>(terms.length * 2);
        for (int i = 0; i < terms.length; i++) {
            starts[i + 1] = starts[i] + df.get(terms[i])[0];
            next.put(terms[i], starts[i]);
        }
        int[] docs = new int[Math.toIntExact(postings)];
        int[] freqs = new int[docs.length];
        for (int ordinal = 0; ordinal < n; ordinal++) {
            DocTerms d = texts.get(ordinal);
            if (d == null) {
                continue;
            }
            for (int i = 0; i < d.terms().length; i++) {
                int at = next.merge(d.terms()[i], 1, Integer::sum) - 1;
                docs[at] = ordinal;
                freqs[at] = d.freqs()[i];
            }
        }
        return new KeywordIndex(terms, starts, docs, freqs, lengths);
    }

    /**
     * The index of a compaction: new ordinal {@code o} is ordinal {@code (int) origins[o]} of
     * {@code sources.get((int) (origins[o] >>> 32))}, as the compaction collected them (source by
     * source, ascending ordinals within each). Postings of ordinals left behind are dropped.
     */
    public static KeywordIndex merge(List<KeywordIndex> sources, long[] origins) {
        int[][] renumber = new int[sources.size()][];
        for (int s = 0; s < renumber.length; s++) {
            renumber[s] = new int[sources.get(s).lengths.length];
            Arrays.fill(renumber[s], -1);
        }
        int[] lengths = new int[origins.length];
        for (int o = 0; o < origins.length; o++) {
            int s = (int) (origins[o] >>> 32);
            int old = (int) origins[o];
            renumber[s][old] = o;
            lengths[o] = sources.get(s).lengths[old];
        }
        // Each term's postings, source by source: ascending, since the new ordinals are.
        TreeMap<String, List<int[]>> byTerm = new TreeMap<>();
        for (int s = 0; s < renumber.length; s++) {
            KeywordIndex source = sources.get(s);
            for (int t = 0; t < source.terms.length; t++) {
                byTerm.computeIfAbsent(source.terms[t], x -> new ArrayList<>())
                        .add(new int[] {s, t});
            }
        }
        List<String> terms = new ArrayList<>(byTerm.size());
        int[] starts = new int[byTerm.size() + 1];
        int[] docs = new int[16];
        int[] freqs = new int[16];
        int size = 0;
        for (var e : byTerm.entrySet()) {
            int before = size;
            for (int[] st : e.getValue()) {
                KeywordIndex source = sources.get(st[0]);
                for (int p = source.starts[st[1]]; p < source.starts[st[1] + 1]; p++) {
                    int o = renumber[st[0]][source.docs[p]];
                    if (o < 0) {
                        continue;
                    }
                    if (size == docs.length) {
                        docs = Arrays.copyOf(docs, size * 2);
                        freqs = Arrays.copyOf(freqs, size * 2);
                    }
                    assert size == before || docs[size - 1] < o : "postings ascend";
                    docs[size] = o;
                    freqs[size++] = source.freqs[p];
                }
            }
            if (size > before) {
                terms.add(e.getKey());
                starts[terms.size()] = size;
            }
        }
        return new KeywordIndex(
                terms.toArray(new String[0]),
                Arrays.copyOf(starts, terms.size() + 1),
                Arrays.copyOf(docs, size),
                Arrays.copyOf(freqs, size),
                lengths);
    }

    /** Ordinals covered (the segment's size). */
    public int size() {
        return lengths.length;
    }

    /** Length in terms of the text at {@code ordinal}; 0 for none. */
    public int length(int ordinal) {
        return lengths[ordinal];
    }

    /** Sum of all lengths, dead ordinals included. */
    public long totalLength() {
        return totalLength;
    }

    /** Ordinals with a text (length above 0), dead ones included. */
    public int textCount() {
        return textCount;
    }

    /** The position of {@code term} among the terms, or -1: the handle of {@link #postings}. */
    public int termIndex(String term) {
        int i = Arrays.binarySearch(terms, term);
        return i < 0 ? -1 : i;
    }

    /** Start (inclusive) of term {@code t}'s postings in {@link #docAt} / {@link #freqAt}. */
    public int postingsStart(int t) {
        return starts[t];
    }

    /** End (exclusive) of term {@code t}'s postings. */
    public int postingsEnd(int t) {
        return starts[t + 1];
    }

    public int docAt(int posting) {
        return docs[posting];
    }

    public int freqAt(int posting) {
        return freqs[posting];
    }

    /** Distinct terms. */
    public int termCount() {
        return terms.length;
    }

    /** Estimated heap bytes. */
    public long memoryBytes() {
        long bytes = 64 + 16L * 5 + 4L * (starts.length + docs.length * 2L + lengths.length);
        for (String t : terms) {
            bytes += 4 + 40 + t.length();
        }
        return bytes;
    }

    /**
     * Writes: int term count; per term int UTF-8 length, the bytes, int posting count, then per
     * posting int ordinal-delta and int frequency; then int size and per ordinal int length.
     */
    public void write(DataOutput out) throws IOException {
        out.writeInt(terms.length);
        for (int t = 0; t < terms.length; t++) {
            byte[] utf8 = terms[t].getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
            out.writeInt(starts[t + 1] - starts[t]);
            int previous = -1;
            for (int p = starts[t]; p < starts[t + 1]; p++) {
                out.writeInt(docs[p] - previous);
                out.writeInt(freqs[p]);
                previous = docs[p];
            }
        }
        out.writeInt(lengths.length);
        for (int l : lengths) {
            out.writeInt(l);
        }
    }

    /**
     * Reads what {@link #write} wrote for a segment of {@code size} ordinals, checking every count
     * against it: postings ascend within [0, size), terms ascend, frequencies and lengths are
     * positive where present; anything else is a {@link CorruptIndexException}.
     */
    public static KeywordIndex read(DataInput in, int size) throws IOException {
        int termCount = in.readInt();
        if (termCount < 0) {
            throw new CorruptIndexException("corrupt keyword index: " + termCount + " terms");
        }
        List<String> terms = new ArrayList<>(Math.min(termCount, 1 << 16));
        int[] starts = new int[1];
        int[] docs = new int[16];
        int[] freqs = new int[16];
        int total = 0;
        String previousTerm = null;
        for (int t = 0; t < termCount; t++) {
            int bytes = in.readInt();
            if (bytes < 1 || bytes > MAX_TERM_BYTES) {
                throw new CorruptIndexException("corrupt keyword index: a term of " + bytes);
            }
            byte[] utf8 = new byte[bytes];
            in.readFully(utf8);
            String term = new String(utf8, StandardCharsets.UTF_8);
            if (previousTerm != null && previousTerm.compareTo(term) >= 0) {
                throw new CorruptIndexException("corrupt keyword index: terms out of order");
            }
            previousTerm = term;
            int count = in.readInt();
            if (count < 1 || count > size) {
                throw new CorruptIndexException(
                        "corrupt keyword index: term '" + term + "' in " + count + " texts");
            }
            int doc = -1;
            for (int p = 0; p < count; p++) {
                int delta = in.readInt();
                int freq = in.readInt();
                if (delta < 1 || (long) doc + delta >= size || freq < 1) {
                    throw new CorruptIndexException(
                            "corrupt keyword index: a posting of '" + term + "'");
                }
                doc += delta;
                if (total == docs.length) {
                    docs = Arrays.copyOf(docs, total * 2);
                    freqs = Arrays.copyOf(freqs, total * 2);
                }
                docs[total] = doc;
                freqs[total++] = freq;
            }
            terms.add(term);
            if (starts.length == terms.size()) {
                starts = Arrays.copyOf(starts, starts.length * 2);
            }
            starts[terms.size()] = total;
        }
        int lengthCount = in.readInt();
        if (lengthCount != size) {
            throw new CorruptIndexException(
                    "corrupt keyword index: lengths of " + lengthCount + " of " + size + " texts");
        }
        int[] lengths = new int[size];
        for (int i = 0; i < size; i++) {
            lengths[i] = in.readInt();
            if (lengths[i] < 0) {
                throw new CorruptIndexException("corrupt keyword index: a negative length");
            }
        }
        return new KeywordIndex(
                terms.toArray(new String[0]),
                Arrays.copyOf(starts, terms.size() + 1),
                Arrays.copyOf(docs, total),
                Arrays.copyOf(freqs, total),
                lengths);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeywordIndex k
                && Arrays.equals(terms, k.terms)
                && Arrays.equals(starts, k.starts)
                && Arrays.equals(docs, k.docs)
                && Arrays.equals(freqs, k.freqs)
                && Arrays.equals(lengths, k.lengths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(docs) * 31 + Arrays.hashCode(lengths);
    }
}
