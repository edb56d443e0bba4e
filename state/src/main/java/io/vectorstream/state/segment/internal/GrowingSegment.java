package io.vectorstream.state.segment.internal;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.text.DocTerms;
import io.vectorstream.state.vector.Metric;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The mutable, exactly searched segment of a shard: vectors with their ids, metadata and write
 * sequence numbers in dense slots. A filtered search tests each slot's metadata during the scan.
 *
 * <p>Vectors live in one flat {@code float[]} ({@code slot * dim} is a vector's offset) and a
 * removed slot is filled with the last one, so a scan walks memory sequentially and never skips
 * holes (slots are in no particular order). It hands out copies of its contents for a seal and
 * keeps each vector's sequence number, which tells a seal's installer whether the copy it sealed is
 * still the current one. Not thread-safe.
 */
public final class GrowingSegment {

    private static final int INITIAL_CAPACITY = 16;

    private final int dim;
    private final Metric metric;
    private float[] vectors;
    private String[] ids;
    private long[] seqs;
    private Map<String, String>[] metadata;
    private DocTerms[] texts;
    private final Map<String, Integer> slotOf = new HashMap<>();
    private int size;

    /** Estimated heap bytes of the ids and metadata held, kept as they change. */
    private long contentBytes;

    /** Slots with a text, and the sum of their lengths in terms: BM25's N and avgdl here. */
    private int textCount;

    private long totalLength;

    public GrowingSegment(int dim, Metric metric) {
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        this.dim = dim;
        this.metric = metric;
        this.vectors = new float[INITIAL_CAPACITY * dim];
        this.ids = new String[INITIAL_CAPACITY];
        this.seqs = new long[INITIAL_CAPACITY];
        this.metadata = newMetadataArray(INITIAL_CAPACITY);
        this.texts = new DocTerms[INITIAL_CAPACITY];
    }

    public int size() {
        return size;
    }

    public boolean contains(String id) {
        return slotOf.containsKey(id);
    }

    /** The sequence number {@code id} was last written under, or -1 if it is not here. */
    public long seqOf(String id) {
        Integer slot = slotOf.get(id);
        return slot == null ? -1 : seqs[slot];
    }

    /** {@link #upsert(String, float[], Map, DocTerms, long)} without text. */
    public void upsert(String id, float[] vector, Map<String, String> metadata, long seq) {
        upsert(id, vector, metadata, DocTerms.NONE, seq);
    }

    /**
     * Inserts {@code id} or replaces its vector, metadata, text terms and sequence number; the
     * vector is copied, the metadata must be immutable.
     */
    public void upsert(
            String id, float[] vector, Map<String, String> metadata, DocTerms text, long seq) {
        assert vector.length == dim : "vector of " + id + " has dimension " + vector.length;
        Integer slot = slotOf.get(id);
        if (slot == null) {
            ensureCapacity(size + 1);
            slot = size++;
            ids[slot] = id;
            slotOf.put(id, slot);
            contentBytes += MemoryEstimates.stringBytes(id);
        } else {
            contentBytes -= metadataBytes(this.metadata[slot]);
            forgetText(slot);
        }
        contentBytes += metadataBytes(metadata);
        texts[slot] = text;
        textCount += text.length() > 0 ? 1 : 0;
        totalLength += text.length();
        contentBytes += text.memoryBytes();
        System.arraycopy(vector, 0, vectors, slot * dim, dim);
        seqs[slot] = seq;
        this.metadata[slot] = metadata;
    }

    /** Removes {@code id}; returns whether it was here. */
    public boolean remove(String id) {
        Integer slot = slotOf.get(id);
        if (slot == null) {
            return false;
        }
        removeSlot(id, slot, true);
        return true;
    }

    private void forgetText(int slot) {
        DocTerms old = texts[slot];
        textCount -= old.length() > 0 ? 1 : 0;
        totalLength -= old.length();
        contentBytes -= old.memoryBytes();
    }

    /** Removes {@code id} from {@code slot}, filling the hole with the last slot. */
    private void removeSlot(String id, int slot, boolean shrink) {
        slotOf.remove(id);
        contentBytes -= MemoryEstimates.stringBytes(id) + metadataBytes(metadata[slot]);
        forgetText(slot);
        int last = --size;
        if (slot != last) {
            System.arraycopy(vectors, last * dim, vectors, slot * dim, dim);
            ids[slot] = ids[last];
            seqs[slot] = seqs[last];
            metadata[slot] = metadata[last];
            texts[slot] = texts[last];
            slotOf.put(ids[slot], slot);
        }
        ids[last] = null;
        metadata[last] = null;
        texts[last] = null;
        if (shrink) {
            shrinkIfSparse();
        }
    }

    /**
     * Removes every {@code ids[i]} that is still here under sequence number {@code seqs[i]}: the
     * copies a seal took of this segment, at its install. An id written again or removed since is
     * left as it is.
     *
     * <p>Costs the ids removed, not the segment: a seal takes the oldest seal size of a growing
     * segment that a burst may have made far larger, and this runs on the task thread inside the
     * atomic install of a seal. (Compacting the slots instead moved every vector left, 250-600 ms
     * per seal under a 1M burst.) Each hole takes the last slot's vector, as {@link #remove} does.
     *
     * @return per index of {@code ids}, whether it was removed
     */
    public boolean[] removeSealed(String[] ids, long[] seqs) {
        assert ids.length == seqs.length : ids.length + " ids, " + seqs.length + " seqs";
        boolean[] removed = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            Integer slot = slotOf.get(ids[i]);
            if (slot != null && this.seqs[slot] == seqs[i]) {
                removeSlot(ids[i], slot, false);
                removed[i] = true;
            }
        }
        shrinkIfSparse();
        return removed;
    }

    /** The id in {@code slot}; slots change on every {@link #remove}. */
    public String idAt(int slot) {
        assert slot >= 0 && slot < size : "slot " + slot + " out of [0, " + size + ")";
        return ids[slot];
    }

    /** A copy of the vector in {@code slot}. */
    public float[] vectorAt(int slot) {
        assert slot >= 0 && slot < size : "slot " + slot + " out of [0, " + size + ")";
        return Arrays.copyOfRange(vectors, slot * dim, (slot + 1) * dim);
    }

    /** The metadata of the vector in {@code slot}. */
    public Map<String, String> metadataAt(int slot) {
        assert slot >= 0 && slot < size : "slot " + slot + " out of [0, " + size + ")";
        return metadata[slot];
    }

    /** The text terms of the vector in {@code slot} ({@link DocTerms#NONE} for none). */
    public DocTerms textAt(int slot) {
        assert slot >= 0 && slot < size : "slot " + slot + " out of [0, " + size + ")";
        return texts[slot];
    }

    /** Vectors with a text here. */
    public int textCount() {
        return textCount;
    }

    /** The lengths of those texts, summed. */
    public long totalTextLength() {
        return totalLength;
    }

    /**
     * The k best vectors for {@code query} whose metadata match {@code filter} (null for all), by
     * exact internal score, best first, as slots.
     */
    public ScoredNodes search(float[] query, int k, Filter filter) {
        if (size == 0) {
            return ScoredNodes.empty();
        }
        TopK top = new TopK(Math.min(k, size));
        for (int slot = 0; slot < size; slot++) {
            if (filter == null || filter.matches(metadata[slot])) {
                top.offer(metric.score(query, vectors, slot * dim, dim), slot);
            }
        }
        return ScoredNodes.of(top);
    }

    /**
     * Copies of at most {@code max} oldest vectors (smallest sequence numbers), with their ids,
     * metadata and sequence numbers, in slot order: what a bounded seal takes. Every vector here
     * with a smaller sequence number than the largest taken is taken too, so "sealed below seq s"
     * stays a complete description of what left (see {@code SegmentManifest#growingFromSeq}).
     *
     * <p>Runs on the task thread, over a growing segment that a burst of writes may have made many
     * times {@code max}, once per seal: so it takes the vectors below the smallest seq plus {@code
     * max} (at most {@code max}, since seqs are unique; all of them when the seqs are dense, as
     * under a stream of new ids) in two linear passes, and selects the {@code max}-th smallest seq
     * only when rewrites and deletes have left fewer than half that many below that bound.
     */
    public Oldest copyOldest(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, got " + max);
        }
        if (size <= max) {
            return new Oldest(
                    copyIds(),
                    copyVectors(),
                    copyMetadata(),
                    List.of(Arrays.copyOf(texts, size)),
                    copySeqs());
        }
        long min = Long.MAX_VALUE;
        for (int slot = 0; slot < size; slot++) {
            min = Math.min(min, seqs[slot]);
        }
        long bound = min + max;
        int taken = 0;
        for (int slot = 0; slot < size; slot++) {
            taken += seqs[slot] < bound ? 1 : 0;
        }
        if (taken < max / 2) {
            bound = select(Arrays.copyOf(seqs, size), max);
            taken = max;
        }
        String[] takenIds = new String[taken];
        float[] takenVectors = new float[taken * dim];
        long[] takenSeqs = new long[taken];
        Map<String, String>[] takenMetadata = newMetadataArray(taken);
        DocTerms[] takenTexts = new DocTerms[taken];
        int n = 0;
        for (int slot = 0; slot < size; slot++) {
            if (seqs[slot] < bound) {
                takenIds[n] = ids[slot];
                System.arraycopy(vectors, slot * dim, takenVectors, n * dim, dim);
                takenSeqs[n] = seqs[slot];
                takenMetadata[n] = metadata[slot];
                takenTexts[n] = texts[slot];
                n++;
            }
        }
        assert n == taken : n + " taken, " + taken + " counted";
        return new Oldest(
                takenIds, takenVectors, List.of(takenMetadata), List.of(takenTexts), takenSeqs);
    }

    /** The {@code rank}-th smallest of {@code values} (from 0), reordering them: Hoare's select. */
    static long select(long[] values, int rank) {
        int lo = 0;
        int hi = values.length - 1;
        while (lo < hi) {
            long pivot = medianOfThree(values[lo], values[(lo + hi) >>> 1], values[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (values[i] < pivot) {
                    i++;
                }
                while (values[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = values[i];
                    values[i++] = values[j];
                    values[j--] = t;
                }
            }
            if (rank <= j) {
                hi = j;
            } else if (rank >= i) {
                lo = i;
            } else {
                return values[rank];
            }
        }
        return values[rank];
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** What {@link #copyOldest} took, each array in the same order. */
    public record Oldest(
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            List<DocTerms> texts,
            long[] seqs) {}

    /** A copy of the ids, in slot order. */
    public String[] copyIds() {
        return Arrays.copyOf(ids, size);
    }

    /** A copy of the vectors, {@code size * dim} floats in slot order. */
    public float[] copyVectors() {
        return Arrays.copyOf(vectors, size * dim);
    }

    /** A copy of the sequence numbers, in slot order. */
    public long[] copySeqs() {
        return Arrays.copyOf(seqs, size);
    }

    /** The metadata, in slot order (the maps are immutable and shared). */
    public List<Map<String, String>> copyMetadata() {
        return List.of(Arrays.copyOf(metadata, size));
    }

    /**
     * Estimated heap bytes of the ids and metadata held (without the vectors), kept up to date on
     * every write: so a size check per write costs nothing.
     */
    public long contentBytes() {
        return contentBytes;
    }

    private static long metadataBytes(Map<String, String> metadata) {
        long bytes = 0;
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                // The key and value strings and a slot of the immutable map.
                bytes +=
                        MemoryEstimates.stringBytes(e.getKey())
                                + MemoryEstimates.stringBytes(e.getValue())
                                + 8;
            }
        }
        return bytes;
    }

    /** Heap bytes of the arrays (with spare capacity) and an estimate for ids and their lookup. */
    public long memoryBytes() {
        long arrays = (long) vectors.length * Float.BYTES + (long) seqs.length * Long.BYTES;
        return arrays + (long) ids.length * 4 + contentBytes + MemoryEstimates.hashMapBytes(size);
    }

    /**
     * Halves the arrays, as often as needed, while they are less than a quarter full: after a burst
     * the seals empty the growing segment, and its arrays would otherwise keep the size of the
     * largest backlog ever held.
     */
    private void shrinkIfSparse() {
        int cap = ids.length;
        int smaller = cap;
        while (smaller > INITIAL_CAPACITY && size < smaller / 4) {
            smaller = Math.max(INITIAL_CAPACITY, smaller / 2);
        }
        if (smaller < cap) {
            ids = Arrays.copyOf(ids, smaller);
            seqs = Arrays.copyOf(seqs, smaller);
            metadata = Arrays.copyOf(metadata, smaller);
            texts = Arrays.copyOf(texts, smaller);
            vectors = Arrays.copyOf(vectors, smaller * dim);
        }
    }

    private void ensureCapacity(int needed) {
        if (needed <= ids.length) {
            return;
        }
        int cap = Math.max(needed, ids.length + (ids.length >> 1));
        ids = Arrays.copyOf(ids, cap);
        seqs = Arrays.copyOf(seqs, cap);
        metadata = Arrays.copyOf(metadata, cap);
        texts = Arrays.copyOf(texts, cap);
        vectors = Arrays.copyOf(vectors, cap * dim);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String>[] newMetadataArray(int capacity) {
        return (Map<String, String>[]) new Map<?, ?>[capacity];
    }
}
