package io.vectorstream.state.search;

/**
 * Sift operations of a binary min-heap of {@code long}s kept in an array prefix. Shared by the
 * top-k collector and the graph search queues, which pack (score, node) pairs into longs.
 */
public final class LongHeap {

    private LongHeap() {}

    /** Restores the heap order after {@code heap[i]} was set, moving it towards the root. */
    public static void siftUp(long[] heap, int i) {
        long x = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= x) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = x;
    }

    /** Restores the heap order of {@code heap[0, size)} after {@code heap[i]} was set. */
    public static void siftDown(long[] heap, int size, int i) {
        long x = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (x <= heap[child]) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = x;
    }
}
