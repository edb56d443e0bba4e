package io.vectorstream.state.flat;

import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * An exact (brute-force) index: every search scores every live vector.
 *
 * <p>Vectors live in one flat {@code float[]} ({@code slot * dim} is a vector's offset) so a scan
 * walks memory sequentially. A delete moves the last slot into the hole, so slots stay dense and a
 * scan never skips tombstones. Vectors must already be prepared for the metric (unit length for
 * cosine); the index does not copy that check onto the hot path. Not thread-safe.
 */
public final class FlatIndex {

    private final int dim;
    private final Metric metric;
    private float[] vectors;
    private String[] ids;
    private final Map<String, Integer> slotOfId = new HashMap<>();
    private int size;

    public FlatIndex(int dim, Metric metric) {
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be at least 1, got " + dim);
        }
        this.dim = dim;
        this.metric = metric;
        this.vectors = new float[16 * dim];
        this.ids = new String[16];
    }

    public int dimension() {
        return dim;
    }

    public Metric metric() {
        return metric;
    }

    public int size() {
        return size;
    }

    public boolean contains(String id) {
        return slotOfId.containsKey(id);
    }

    /** Inserts {@code id} or replaces its vector. The array is copied. */
    public void upsert(String id, float[] vector) {
        if (vector.length != dim) {
            throw new IllegalArgumentException(
                    "vector of " + id + " has dimension " + vector.length + ", index has " + dim);
        }
        Integer slot = slotOfId.get(id);
        if (slot == null) {
            ensureCapacity(size + 1);
            slot = size++;
            ids[slot] = id;
            slotOfId.put(id, slot);
        }
        System.arraycopy(vector, 0, vectors, slot * dim, dim);
    }

    /** Removes {@code id}; returns whether it was present. */
    public boolean delete(String id) {
        Integer slot = slotOfId.remove(id);
        if (slot == null) {
            return false;
        }
        int last = --size;
        if (slot != last) {
            System.arraycopy(vectors, last * dim, vectors, slot * dim, dim);
            ids[slot] = ids[last];
            slotOfId.put(ids[slot], slot);
        }
        ids[last] = null;
        return true;
    }

    /** The k closest live vectors to {@code query}, best first. */
    public SearchHits search(float[] query, int k) {
        if (query.length != dim) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", index has " + dim);
        }
        if (size == 0) {
            return SearchHits.empty();
        }
        TopK top = new TopK(Math.min(k, size));
        for (int slot = 0; slot < size; slot++) {
            top.offer(metric.score(query, vectors, slot * dim, dim), slot);
        }
        long[] best = top.drainBestFirst();
        String[] outIds = new String[best.length];
        float[] outScores = new float[best.length];
        for (int i = 0; i < best.length; i++) {
            outIds[i] = ids[TopK.unpackNode(best[i])];
            outScores[i] = metric.externalScore(TopK.unpackScore(best[i]));
        }
        return new SearchHits(outIds, outScores);
    }

    private void ensureCapacity(int needed) {
        if (needed <= ids.length) {
            return;
        }
        int cap = Math.max(needed, ids.length + (ids.length >> 1));
        ids = Arrays.copyOf(ids, cap);
        vectors = Arrays.copyOf(vectors, cap * dim);
    }
}
