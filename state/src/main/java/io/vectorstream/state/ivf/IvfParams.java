package io.vectorstream.state.ivf;

/**
 * How an {@link IvfIndex} is trained.
 *
 * @param nlist number of inverted lists (coarse centroids); about {@code sqrt(n)} to {@code
 *     4*sqrt(n)} for n vectors
 * @param pqM product-quantiser sub-spaces, each coded in one byte; 0 stores no codes and scans full
 *     vectors (IVF-Flat). Must divide the dimension.
 * @param seed seed of every random choice in training
 * @param trainIterations Lloyd iterations for the coarse quantiser and each sub-quantiser (FAISS
 *     uses 10 to 25)
 */
public record IvfParams(int nlist, int pqM, long seed, int trainIterations) {

    public IvfParams {
        if (nlist < 1) {
            throw new IllegalArgumentException("nlist must be at least 1, got " + nlist);
        }
        if (pqM < 0) {
            throw new IllegalArgumentException(
                    "pqM must be 0 (IVF-Flat) or the number of PQ sub-spaces, got " + pqM);
        }
        if (trainIterations < 0) {
            throw new IllegalArgumentException(
                    "trainIterations must not be negative, got " + trainIterations);
        }
    }

    /** Whether vectors are scored through product-quantised codes (IVF-PQ) rather than exactly. */
    public boolean usesPq() {
        return pqM > 0;
    }
}
