package io.vectorstream.state.search;

import java.util.Arrays;

/**
 * Keeps the k highest-scoring (score, node) pairs seen so far.
 *
 * <p>Each pair is packed into one {@code long} (order-preserving score bits high, node low) on a
 * primitive binary min-heap, so the worst kept pair sits at the root and a candidate costs one
 * compare to reject: no boxing, no per-candidate objects. Ties in score keep the lower node first.
 * Not thread-safe; reuse with {@link #clear}.
 */
public final class TopK {

    private final long[] heap;
    private int size;

    public TopK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        heap = new long[k];
    }

    public int capacity() {
        return heap.length;
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }

    /** Offers a candidate; returns whether it was kept. */
    public boolean offer(float score, int node) {
        long packed = pack(score, node);
        if (size < heap.length) {
            heap[size] = packed;
            siftUp(size++);
            return true;
        }
        if (packed <= heap[0]) {
            return false;
        }
        heap[0] = packed;
        siftDown(0);
        return true;
    }

    /** The lowest kept score, or negative infinity while fewer than k are kept. */
    public float threshold() {
        return size < heap.length ? Float.NEGATIVE_INFINITY : unpackScore(heap[0]);
    }

    /**
     * The kept pairs best first, as packed longs; see {@link #unpackScore} and {@link #unpackNode}.
     */
    public long[] drainBestFirst() {
        long[] out = Arrays.copyOf(heap, size);
        Arrays.sort(out);
        for (int i = 0, j = out.length - 1; i < j; i++, j--) {
            long t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        size = 0;
        return out;
    }

    /** Packs a pair so that comparing packed longs compares scores, ties towards the lower node. */
    public static long pack(float score, int node) {
        int bits = Float.floatToIntBits(score);
        // Flip the magnitude bits of negatives so signed int order equals float order.
        bits ^= (bits >> 31) & 0x7fffffff;
        // Invert the node so that, on equal scores, the lower node compares higher (is kept first).
        return ((long) bits << 32) | (~node & 0xffffffffL);
    }

    public static float unpackScore(long packed) {
        int bits = (int) (packed >> 32);
        bits ^= (bits >> 31) & 0x7fffffff;
        return Float.intBitsToFloat(bits);
    }

    public static int unpackNode(long packed) {
        return ~(int) packed;
    }

    private void siftUp(int i) {
        LongHeap.siftUp(heap, i);
    }

    private void siftDown(int i) {
        LongHeap.siftDown(heap, size, i);
    }
}
