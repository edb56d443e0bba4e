package io.vectorstream.state.hnsw;

import java.util.Arrays;

/**
 * The neighbour lists of one HNSW layer in one flat {@code int[]}: every node on the layer owns a
 * fixed block of {@code maxConn + 1} ints, its neighbour count followed by the neighbour ordinals.
 *
 * <p>Layer 0 holds every node, so a node's block is at {@code node * stride}. An upper layer holds
 * the few nodes whose level reaches it; {@code nodes} maps a block (slot) to its node and, since
 * nodes are added in ordinal order, is sorted, so a node finds its slot by binary search. Not
 * thread-safe for writes.
 */
final class NeighborLayer {

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final int maxConn;
    private final int stride;

    /** Slot to node for an upper layer (ascending); null on layer 0, where slot == node. */
    private int[] nodes;

    private int[] links;
    private int size;

    private NeighborLayer(int maxConn, int[] nodes, int[] links, int size) {
        this.maxConn = maxConn;
        this.stride = maxConn + 1;
        this.nodes = nodes;
        this.links = links;
        this.size = size;
    }

    /** The bottom layer, holding every node. */
    static NeighborLayer bottom(int maxConn, int capacity) {
        long ints = Math.min(Math.max(capacity, 1) * (maxConn + 1L), MAX_ARRAY);
        return new NeighborLayer(maxConn, null, new int[(int) ints], 0);
    }

    /** An upper layer, holding only the nodes added to it. */
    static NeighborLayer upper(int maxConn, int capacity) {
        int cap = Math.max(capacity, 4);
        return new NeighborLayer(maxConn, new int[cap], new int[cap * (maxConn + 1)], 0);
    }

    /** A layer read from storage; the arrays are exactly {@code size} slots long. */
    static NeighborLayer of(int maxConn, int[] nodes, int[] links, int size) {
        return new NeighborLayer(maxConn, nodes, links, size);
    }

    /** An independent copy of the layer's {@code size} slots; {@code add} grows it. */
    NeighborLayer copy() {
        return new NeighborLayer(
                maxConn,
                nodes == null ? null : Arrays.copyOf(nodes, size),
                Arrays.copyOf(links, size * stride),
                size);
    }

    int maxConn() {
        return maxConn;
    }

    /** Number of nodes on this layer. */
    int size() {
        return size;
    }

    /** The flat blocks: {@code links[offset(n)]} is n's count, its neighbours follow. */
    int[] links() {
        return links;
    }

    /** Offset of {@code node}'s block, which must be on this layer. */
    int offset(int node) {
        if (nodes == null) {
            return node * stride;
        }
        int slot = Arrays.binarySearch(nodes, 0, size, node);
        assert slot >= 0 : "node " + node + " is not on this layer";
        return slot * stride;
    }

    /**
     * Adds {@code node}, which must be greater than every node already here, with no neighbours.
     */
    void add(int node) {
        assert nodes != null ? size == 0 || node > nodes[size - 1] : node == size
                : "nodes join a layer in ordinal order";
        if ((size + 1) * (long) stride > links.length) {
            long cap = Math.min(Math.max(size + 1L, size + (size >> 1)), MAX_ARRAY / stride);
            if (cap <= size) {
                throw new IllegalStateException(
                        "a layer with "
                                + maxConn
                                + " neighbours per node holds at most "
                                + size
                                + " nodes; use more segments");
            }
            links = Arrays.copyOf(links, (int) cap * stride);
            if (nodes != null) {
                nodes = Arrays.copyOf(nodes, (int) cap);
            }
        }
        if (nodes != null) {
            nodes[size] = node;
        }
        links[size * stride] = 0;
        size++;
    }

    /** Replaces {@code node}'s neighbours by the first {@code count} of {@code neighbours}. */
    void setNeighbours(int node, int[] neighbours, int count) {
        assert count <= maxConn : count + " neighbours exceed the layer's " + maxConn;
        int base = offset(node);
        links[base] = count;
        System.arraycopy(neighbours, 0, links, base + 1, count);
    }

    long memoryBytes() {
        return 32L
                + (long) links.length * Integer.BYTES
                + (nodes == null ? 0 : (long) nodes.length * Integer.BYTES);
    }
}
