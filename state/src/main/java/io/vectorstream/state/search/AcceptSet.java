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
            public String toString() {
                return "AcceptSet(" + count + " nodes)";
            }
        };
    }
}
