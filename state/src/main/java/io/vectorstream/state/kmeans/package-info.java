/**
 * k-means clustering of flat row-major vectors, used to train the coarse quantiser of the IVF index
 * and the sub-quantisers of the product quantiser.
 *
 * <p>The algorithm, in {@link io.vectorstream.state.kmeans.KMeans}:
 *
 * <ol>
 *   <li><b>Sample.</b> At most {@code 256 * k} points are used (FAISS's {@code
 *       max_points_per_centroid}); more move the centroids very little and cost linear time.
 *   <li><b>Seed with k-means++</b> (D. Arthur and S. Vassilvitskii, "k-means++: The Advantages of
 *       Careful Seeding", SODA 2007): the first centroid is a uniformly random point, each next one
 *       a point drawn with probability proportional to its squared distance to the nearest centroid
 *       so far. This spreads the seeds over the data and is {@code O(log k)}-competitive with the
 *       optimal clustering in expectation, where uniform seeding can be arbitrarily bad.
 *   <li><b>Lloyd iterations.</b> Assign every point to its nearest centroid (squared L2), move
 *       every centroid to the mean of its points. The objective (sum of squared distances) never
 *       increases; iteration stops after {@code maxIterations} or once an iteration lowers it by
 *       less than {@code 1e-4} of its value.
 *   <li><b>Empty-cluster repair.</b> A centroid left without points would be wasted, so, as FAISS
 *       does, a large cluster is chosen with probability proportional to its size, its centroid is
 *       copied into the empty slot and the two copies are nudged apart symmetrically; the next
 *       assignment splits the large cluster between them.
 *   <li><b>Spherical variant.</b> For cosine data the centroids are renormalised to unit length
 *       after every update, so that the largest inner product picks the nearest centroid.
 * </ol>
 *
 * <p>Every random choice comes from one {@link java.util.SplittableRandom} seeded by the caller, so
 * training is reproducible.
 */
package io.vectorstream.state.kmeans;
