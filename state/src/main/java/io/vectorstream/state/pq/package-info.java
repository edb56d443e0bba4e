/**
 * Product quantisation (PQ) with asymmetric distance computation (ADC), after H. Jégou, M. Douze
 * and C. Schmid, "Product Quantization for Nearest Neighbor Search", IEEE TPAMI 33(1), 2011, and
 * FAISS's {@code ProductQuantizer}.
 *
 * <p><b>Encoding.</b> A {@code d}-dimensional vector is cut into {@code m} sub-vectors of {@code
 * d/m} components. Each sub-space has its own codebook of 256 centroids, trained by k-means on the
 * training sub-vectors, and a sub-vector is replaced by the one-byte index of its nearest centroid:
 * a vector becomes {@code m} bytes (for 64-d floats and {@code m=16}, 16 bytes instead of 256), and
 * the {@code 256^m} reconstructions are the Cartesian product of the codebooks.
 *
 * <p><b>Asymmetric distance.</b> The query is not quantised. Per query a table of {@code m * 256}
 * floats holds, for every sub-space and centroid, the query sub-vector's squared L2 distance (or
 * inner product) to that centroid. Both measures are sums over sub-spaces, so the distance from the
 * query to a code's reconstruction is the sum of {@code m} table lookups — no floating point work
 * per component. Jégou et al. show this asymmetric estimate has lower error than quantising the
 * query as well.
 *
 * <p><b>With an inverted file (IVFADC).</b> The paper's IVFADC, FAISS's {@code IndexIVFPQ} with
 * {@code by_residual}, encodes the residual {@code x - c} of a vector to its coarse centroid {@code
 * c}; residuals are smaller and more alike than raw vectors, so the same 8 bits per sub-space buy a
 * finer quantisation. How the index scores residual codes is described in {@link
 * io.vectorstream.state.ivf}.
 */
package io.vectorstream.state.pq;
