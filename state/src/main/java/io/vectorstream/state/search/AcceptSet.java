package io.vectorstream.state.search;

import java.util.BitSet;

/**
 * The nodes a filtered search may return. Its {@link #count()} lets a search choose between walking
 * the graph with the filter and scanning just the accepted nodes exactly.
 */
public interface AcceptSet {

    boolean accepts(int node);

    /** How many nodes are accepted. */
    int count();

    /**
     * The first accepted node at or after {@code from}, or -1 if there is none below {@code end}:
     * lets an exact scan of a small accept set visit only its nodes instead of testing all of them.
     */
    default int nextAccepted(int from, int end) {
        for (int node = from; node < end; node++) {
            if (accepts(node)) {
                return node;
            }
        }
        return -1;
    }

    /** Accepts the set bits of {@code bits}; the set must not change while in use. */
    static AcceptSet of(BitSet bits) {
        int count = bits.cardinality();
        return new AcceptSet() {
            @Override
            public boolean accepts(int node) {
                return bits.get(node);
            }

            @Override
            public int count() {
                return count;
            }

            @Override
            public int nextAccepted(int from, int end) {
                int node = bits.nextSetBit(from);
                return node >= 0 && node < end ? node : -1;
            }

            @Override
            public String toString() {
                return "AcceptSet(" + count + " nodes)";
            }
        };
    }
}
