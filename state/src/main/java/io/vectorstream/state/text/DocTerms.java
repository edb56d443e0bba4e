package io.vectorstream.state.text;

import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The bag of words of one stored text: its distinct terms (sorted), how often each occurs, and its
 * length in terms (BM25's document length). What a growing segment keeps per vector and what a seal
 * turns into postings. Immutable.
 */
public record DocTerms(String[] terms, int[] freqs, int length) {

    /** A vector without text: no terms, length 0. */
    public static final DocTerms NONE = new DocTerms(new String[0], new int[0], 0);

    public DocTerms {
        if (terms.length != freqs.length) {
            throw new IllegalArgumentException(
                    terms.length + " terms but " + freqs.length + " frequencies");
        }
    }

    /**
     * The keyword index reads at most this many characters of a text: tokenizing and holding the
     * terms of a whole megabyte record on the index's task thread would cost one record too much
     * (Lucene's LimitTokenCountAnalyzer bounds the same). The whole text is still stored.
     */
    public static final int MAX_INDEXED_CHARS = 65_536;

    /**
     * The terms of the first {@value #MAX_INDEXED_CHARS} characters of {@code text} ({@link
     * Tokenizer}); {@link #NONE} for null or no words.
     */
    public static DocTerms of(String text) {
        if (text != null && text.length() > MAX_INDEXED_CHARS) {
            text = text.substring(0, MAX_INDEXED_CHARS);
        }
        List<String> all = Tokenizer.terms(text);
        if (all.isEmpty()) {
            return NONE;
        }
        TreeMap<String, int[]> counts = new TreeMap<>();
        for (String t : all) {
            counts.computeIfAbsent(t, x -> new int[1])[0]++;
        }
        String[] terms = new String[counts.size()];
        int[] freqs = new int[counts.size()];
        int i = 0;
        for (var e : counts.entrySet()) {
            terms[i] = e.getKey();
            freqs[i++] = e.getValue()[0];
        }
        return new DocTerms(terms, freqs, all.size());
    }

    /** How often {@code term} occurs, 0 if not at all. */
    public int freq(String term) {
        int i = Arrays.binarySearch(terms, term);
        return i < 0 ? 0 : freqs[i];
    }

    /** Estimated heap bytes (the term strings are counted, though a seal shares them). */
    public long memoryBytes() {
        long bytes = 16 + 16 + 16 + 4L * terms.length + 4L * freqs.length;
        for (String t : terms) {
            bytes += 40 + t.length();
        }
        return bytes;
    }
}
