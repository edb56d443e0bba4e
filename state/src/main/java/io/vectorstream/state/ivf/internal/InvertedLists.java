package io.vectorstream.state.ivf.internal;

import java.util.Arrays;

/**
 * The inverted lists of an IVF index: per list a growable {@code int[]} of node ordinals and, when
 * vectors are product-quantised, a parallel contiguous {@code byte[]} of their codes ({@code
 * codeSize} bytes per node, entry {@code i}'s code at {@code i * codeSize}).
 *
 * <p>Lists only grow; deletes are tombstones kept by the index. Not thread-safe.
 */
public final class InvertedLists {

    private static final int INITIAL_CAPACITY = 8;

    private final int codeSize;
    private final int[][] nodes;
    private final byte[][] codes;
    private final int[] sizes;

    /**
     * @param codeSize bytes of code per node, 0 when the index keeps no codes
     */
    public InvertedLists(int nlist, int codeSize) {
        if (nlist < 1 || codeSize < 0) {
            throw new IllegalArgumentException(
                    "need nlist >= 1 and codeSize >= 0, got " + nlist + " and " + codeSize);
        }
        this.codeSize = codeSize;
        this.nodes = new int[nlist][];
        this.codes = new byte[nlist][];
        this.sizes = new int[nlist];
        Arrays.fill(nodes, new int[0]);
        Arrays.fill(codes, new byte[0]);
    }

    public int nlist() {
        return sizes.length;
    }

    public int codeSize() {
        return codeSize;
    }

    public int size(int list) {
        return sizes[list];
    }

    /** The node ordinals of {@code list}; only the first {@link #size} entries are valid. */
    public int[] nodes(int list) {
        return nodes[list];
    }

    /** The codes of {@code list}; only the first {@code size * codeSize} bytes are valid. */
    public byte[] codes(int list) {
        return codes[list];
    }

    /** Appends {@code node} with the code at {@code code[codeOff .. codeOff+codeSize)}. */
    public void add(int list, int node, byte[] code, int codeOff) {
        int n = sizes[list];
        if (n == nodes[list].length) {
            int cap = Math.max(INITIAL_CAPACITY, n + (n >> 1));
            nodes[list] = Arrays.copyOf(nodes[list], cap);
            codes[list] = Arrays.copyOf(codes[list], cap * codeSize);
        }
        nodes[list][n] = node;
        if (codeSize > 0) {
            System.arraycopy(code, codeOff, codes[list], n * codeSize, codeSize);
        }
        sizes[list] = n + 1;
    }

    /**
     * Installs a list read back from storage; the arrays are owned by this object afterwards.
     *
     * @throws IllegalArgumentException if the arrays are shorter than {@code size} entries need
     */
    public void set(int list, int[] listNodes, byte[] listCodes, int size) {
        if (listNodes.length < size || listCodes.length < (long) size * codeSize) {
            throw new IllegalArgumentException("list arrays are shorter than " + size + " entries");
        }
        nodes[list] = listNodes;
        codes[list] = listCodes;
        sizes[list] = size;
    }

    /** Bytes held by node ordinals and codes, counting spare capacity. */
    public long memoryBytes() {
        long bytes = 0;
        for (int l = 0; l < sizes.length; l++) {
            bytes += (long) nodes[l].length * Integer.BYTES + codes[l].length;
        }
        return bytes;
    }
}
