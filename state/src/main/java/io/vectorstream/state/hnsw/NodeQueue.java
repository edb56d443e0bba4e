package io.vectorstream.state.hnsw;

import io.vectorstream.state.search.LongHeap;
import io.vectorstream.state.search.TopK;
import java.util.Arrays;

/**
 * A growable primitive binary heap of (score, node) pairs packed into {@code long}s, with either
 * the best or the worst pair on top.
 *
 * <p>A pair packs the order-preserving bits of its score high and the inverted node low (as {@code
 * search.TopK} does), so comparing two longs compares scores and breaks ties towards the lower
 * node. A best-on-top queue stores the bitwise complement of each key, which reverses signed order,
 * so one min-heap serves both directions. No boxing, no per-pair objects. Not thread-safe; reuse
 * with {@link #clear}.
 */
final class NodeQueue {

    /** XOR mask applied to every key: 0 keeps the worst pair on top, -1 the best. */
    private final long order;

    private long[] heap;
    private int size;

    private NodeQueue(int initialCapacity, boolean bestOnTop) {
        this.heap = new long[Math.max(initialCapacity, 8)];
        this.order = bestOnTop ? -1L : 0L;
    }

    /** A queue whose top is the best pair: the candidate frontier of a beam search. */
    static NodeQueue bestOnTop(int initialCapacity) {
        return new NodeQueue(initialCapacity, true);
    }

    /** A queue whose top is the worst pair: the bounded result set of a beam search. */
    static NodeQueue worstOnTop(int initialCapacity) {
        return new NodeQueue(initialCapacity, false);
    }

    static long pack(float score, int node) {
        return TopK.pack(score, node);
    }

    static float unpackScore(long packed) {
        return TopK.unpackScore(packed);
    }

    static int unpackNode(long packed) {
        return TopK.unpackNode(packed);
    }

    int size() {
        return size;
    }

    void clear() {
        size = 0;
    }

    void push(float score, int node) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size + (size >> 1));
        }
        heap[size] = pack(score, node) ^ order;
        siftUp(size++);
    }

    /**
     * Keeps the {@code max} best pairs of a worst-on-top queue: adds the pair while there is room,
     * otherwise replaces the top if the pair is better. Returns whether the pair was kept.
     */
    boolean offer(float score, int node, int max) {
        assert order == 0 : "offer bounds a worst-on-top queue";
        if (size < max) {
            push(score, node);
            return true;
        }
        long key = pack(score, node);
        if (key <= heap[0]) {
            return false;
        }
        heap[0] = key;
        siftDown(0);
        return true;
    }

    float topScore() {
        assert size > 0 : "empty queue";
        return unpackScore(heap[0] ^ order);
    }

    /** Removes the top pair; returns it packed (see {@link #unpackScore}, {@link #unpackNode}). */
    long pop() {
        assert size > 0 : "empty queue";
        long top = heap[0] ^ order;
        heap[0] = heap[--size];
        if (size > 0) {
            siftDown(0);
        }
        return top;
    }

    private void siftUp(int i) {
        LongHeap.siftUp(heap, i);
    }

    private void siftDown(int i) {
        LongHeap.siftDown(heap, size, i);
    }
}
