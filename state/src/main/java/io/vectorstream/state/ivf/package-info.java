/**
 * An inverted-file (IVF) vector index, flat or with product-quantised codes (IVFADC), after H.
 * Jégou, M. Douze and C. Schmid, "Product Quantization for Nearest Neighbor Search", IEEE TPAMI
 * 33(1), 2011, §IV, and FAISS's {@code IndexIVFFlat} and {@code IndexIVFPQ}.
 *
 * <p><b>Training.</b> k-means ({@link io.vectorstream.state.kmeans}) on a sample finds {@code
 * nlist} coarse centroids; for cosine they are kept at unit length. With PQ, every sample vector's
 * residual to its nearest centroid is computed and a product quantiser ({@link
 * io.vectorstream.state.pq}) is trained on those residuals.
 *
 * <p><b>Adding.</b> A vector goes to the list of its closest centroid (largest inner product for
 * cosine and dot, smallest distance for euclidean). The list records its node ordinal and, with PQ,
 * the {@code m}-byte code of its residual; the full vector is kept in one flat array in node order.
 *
 * <p><b>Searching.</b>
 *
 * <ol>
 *   <li>Score the query against all centroids and keep the {@code nprobe} closest lists.
 *   <li>IVF-Flat scores every node of those lists exactly with its full vector.
 *   <li>IVF-PQ scores codes with ADC. For inner product, {@code q.x ~ q.c + q.r} where {@code r} is
 *       the reconstructed residual, so one table of {@code q} against the sub-centroids serves all
 *       lists and each list only adds its {@code q.c}. For squared L2, {@code |q - x|^2 ~ |(q - c)
 *       - r|^2}, so each probed list gets its own table built from {@code q - c} ({@code 256 * d}
 *       multiply-adds, small next to scanning a list).
 *   <li>Optionally the best {@code rerank} ADC candidates are rescored exactly with their full
 *       vectors, which recovers most of the recall PQ loses.
 * </ol>
 *
 * <p><b>Deletes and filters.</b> Deletes are tombstones skipped by every scan. A filter is applied
 * while scanning; when it accepts no more nodes than the probed lists would hold, the accepted
 * nodes are scanned exactly instead, which is cheaper and avoids missing accepted neighbours that
 * live in unprobed lists.
 */
package io.vectorstream.state.ivf;
