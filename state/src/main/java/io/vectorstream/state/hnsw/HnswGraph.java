package io.vectorstream.state.hnsw;

import java.util.Arrays;

/**
 * The HNSW graph: one {@link NeighborLayer} per level, every node's level, and the entry point (a
 * node on the top layer). It holds neighbours only; vectors live in {@link VectorStore}.
 *
 * <p>Invariants once an insert has finished: layer {@code l} holds exactly the nodes whose level is
 * at least {@code l}; the entry point's level is the maximum level, and there are {@code maxLevel +
 * 1} layers. Not thread-safe for writes.
 */
final class HnswGraph {

    /**
     * Levels are capped so a read can bound them; with M=2 a level of 16 has odds of 1 in 60000.
     */
    static final int MAX_LEVEL = 16;

    private final int m;
    private byte[] levels;
    private int size;
    private NeighborLayer[] layers;
    private int entryPoint = -1;
    private int maxLevel = -1;

    HnswGraph(int m, int capacity) {
        this.m = m;
        this.levels = new byte[Math.max(capacity, 16)];
        this.layers = new NeighborLayer[] {NeighborLayer.bottom(maxConn(0), capacity)};
    }

    /** A graph read from storage, checked by the reader. */
    HnswGraph(
            int m, byte[] levels, int size, NeighborLayer[] layers, int entryPoint, int maxLevel) {
        this.m = m;
        this.levels = levels;
        this.size = size;
        this.layers = layers;
        this.entryPoint = entryPoint;
        this.maxLevel = maxLevel;
    }

    /** An independent copy with the same nodes, levels, links and entry point. */
    HnswGraph copy() {
        NeighborLayer[] copied = new NeighborLayer[layers.length];
        for (int l = 0; l < layers.length; l++) {
            copied[l] = layers[l].copy();
        }
        return new HnswGraph(m, Arrays.copyOf(levels, size), size, copied, entryPoint, maxLevel);
    }

    int m() {
        return m;
    }

    /** At most 2M neighbours on layer 0 and M above, as the paper recommends. */
    int maxConn(int level) {
        return level == 0 ? 2 * m : m;
    }

    int size() {
        return size;
    }

    /** The top layer's entry node, or -1 while the graph is empty. */
    int entryPoint() {
        return entryPoint;
    }

    int maxLevel() {
        return maxLevel;
    }

    NeighborLayer layer(int level) {
        return layers[level];
    }

    /** Adds {@code node} (the next ordinal) to layers 0..level without any neighbours. */
    void add(int node, int level) {
        assert node == size : "nodes are added in ordinal order";
        assert level >= 0 && level <= MAX_LEVEL : "level " + level;
        if (size == levels.length) {
            levels = Arrays.copyOf(levels, Math.max(size + 1, size + (size >> 1)));
        }
        levels[node] = (byte) level;
        if (level >= layers.length) {
            int old = layers.length;
            layers = Arrays.copyOf(layers, level + 1);
            for (int l = old; l <= level; l++) {
                layers[l] = NeighborLayer.upper(maxConn(l), 4);
            }
        }
        for (int l = 0; l <= level; l++) {
            layers[l].add(node);
        }
        size++;
    }

    /** Makes {@code node} the entry point; done once its links are in place. */
    void setEntryPoint(int node, int level) {
        assert level == levels[node] && level > maxLevel : "a new entry point tops the graph";
        entryPoint = node;
        maxLevel = level;
    }

    /** The levels array; only the first {@link #size} entries are nodes. */
    byte[] levels() {
        return levels;
    }

    long memoryBytes() {
        long bytes = 48L + levels.length;
        for (NeighborLayer layer : layers) {
            bytes += layer.memoryBytes();
        }
        return bytes;
    }
}
