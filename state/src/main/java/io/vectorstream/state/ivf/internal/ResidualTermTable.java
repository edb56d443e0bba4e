package io.vectorstream.state.ivf.internal;

import io.vectorstream.state.pq.ProductQuantizer;

/**
 * The query-independent part of IVF-PQ squared L2 distances, precomputed per list: for list {@code
 * l} with centroid {@code c} and every sub-centroid {@code y}, {@code |y|^2 + 2<c, y>} (FAISS's
 * {@code precomputed_table}, see {@link ProductQuantizer#residualTerms}).
 *
 * <p>With it a search needs one inner-product table per query and per list only {@code m * 256}
 * multiply-adds to combine them, instead of a fresh {@code 256 * dim} distance table per list. It
 * holds {@code nlist * m * 256} floats, so it is only built when that fits {@link #MAX_BYTES}.
 * Derived from the centroids and codebooks, never stored. Immutable after construction.
 */
public final class ResidualTermTable {

    /** Largest table worth its memory; FAISS's default cap is much larger (2 GiB). */
    public static final long MAX_BYTES = 32L << 20;

    private final int tableSize;
    private final float[] terms;

    private ResidualTermTable(int tableSize, float[] terms) {
        this.tableSize = tableSize;
        this.terms = terms;
    }

    /** Builds the table, or returns null when it would exceed {@link #MAX_BYTES}. */
    public static ResidualTermTable buildIfSmall(CoarseQuantizer quantizer, ProductQuantizer pq) {
        int tableSize = pq.m() * ProductQuantizer.CENTROIDS;
        long bytes = (long) quantizer.nlist() * tableSize * Float.BYTES;
        if (bytes > MAX_BYTES) {
            return null;
        }
        float[] terms = new float[quantizer.nlist() * tableSize];
        int dim = quantizer.dimension();
        for (int l = 0; l < quantizer.nlist(); l++) {
            pq.residualTerms(quantizer.centroids(), l * dim, terms, l * tableSize);
        }
        return new ResidualTermTable(tableSize, terms);
    }

    /**
     * Writes the ADC distance table of {@code list} to {@code out}: its precomputed terms minus
     * twice {@code innerProducts} (the query's table from {@link
     * ProductQuantizer#innerProductTable}). Summing a code's entries then gives {@code |q - c -
     * y|^2 - |q - c|^2}.
     */
    public void listTable(int list, float[] innerProducts, float[] out) {
        int base = list * tableSize;
        for (int i = 0; i < tableSize; i++) {
            out[i] = Math.fma(-2f, innerProducts[i], terms[base + i]);
        }
    }

    public long memoryBytes() {
        return (long) terms.length * Float.BYTES;
    }
}
