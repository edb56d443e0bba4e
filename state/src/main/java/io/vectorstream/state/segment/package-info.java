/**
 * Segments: how one shard keeps a stream of upserts and deletes searchable with immutable ANN
 * indices, the log-structured design of Lucene (segments, live docs, merge policies), Milvus
 * (growing and sealed segments, compaction) and Qdrant (appendable and immutable segments,
 * optimizers).
 *
 * <p><b>Why segments.</b> Graph and IVF indices are expensive to change in place and cheapest to
 * build in bulk. So writes go to a small <em>growing</em> segment that is searched exactly, and
 * whole batches of vectors are periodically frozen into <em>sealed</em> segments ({@link
 * io.vectorstream.state.segment.SealedSegment}: HNSW, IVF-Flat or IVF-PQ) that never change again
 * except for tombstones. A query searches every segment, each HNSW segment with the share of the
 * beam its size earns ({@link io.vectorstream.state.segment.CrossSegmentSearch}: Lucene's per-leaf
 * k with a second pass), and merges the hits on internal scores (higher is closer for every metric,
 * unlike euclidean external distances).
 *
 * <p><b>Life cycle</b> (all in {@link io.vectorstream.state.segment.ShardSegments}; per shard at
 * most one seal and one compaction in flight, side by side):
 *
 * <ol>
 *   <li><b>Write.</b> An upsert puts the vector in the growing segment under a fresh sequence
 *       number; if the id was live in a sealed segment, that copy is killed and its {@link
 *       io.vectorstream.state.segment.Tombstone} returned for the caller to persist. A delete
 *       removes the growing copy or kills the sealed one. So every live id is in exactly one place.
 *   <li><b>Seal.</b> {@code startSeal} copies the oldest growing ids, vectors, metadata and
 *       sequence numbers (at most as many as asked) into a {@link
 *       io.vectorstream.state.segment.SegmentBuild}; the growing vectors stay searchable. {@link
 *       io.vectorstream.state.segment.SegmentBuild#run} builds the index off the task thread (pure:
 *       it touches only the copies, and reads the frozen graph of a merge's base).
 *   <li><b>Install.</b> Back on the task thread, writes made during the build win: an id still
 *       growing under the copied sequence number moves to the new segment; any other copy in it
 *       (deleted, or upserted again) is killed at once and reported.
 *   <li><b>Compact.</b> {@link io.vectorstream.state.segment.CompactionPolicy} picks segments with
 *       too many tombstones, or a full size tier (every four segments of similar size merge into
 *       one of the next tier, as Lucene's log merge policy does), or the smallest past the backstop
 *       count, or, for a shard at rest, all of them once it has been quiet long enough ({@code
 *       pickAtRest}); their live vectors become one segment, which keeps a copy of the largest
 *       source graph without tombstones and inserts the rest (Lucene's incremental graph merge). At
 *       install, a copy stays live only if its id is still live in a source segment; then the
 *       sources are dropped. Segments with nothing live left are just dropped.
 * </ol>
 *
 * <p><b>Filters.</b> Every segment keeps its vectors' metadata in memory: the growing segment one
 * immutable map per vector, tested during its exact scan; a sealed segment dictionary-encoded
 * columns ({@link io.vectorstream.state.filter.Attributes}), stored in its blob. A filtered search
 * turns the filter into each sealed segment's exact set of matching live ordinals, whose size lets
 * the segment's index choose between a filtered index search and an exact scan of the set; no
 * candidate ever needs a read from the caller's store.
 *
 * <p><b>Persistence.</b> The view is a cache of persisted state. A sealed segment's blob ({@link
 * io.vectorstream.state.segment.SealedSegment#write}) is written once and never changes: the
 * wrapped index is frozen and tombstones live beside it (an accept set of live ordinals at search
 * time), so they are persisted separately, one record per kill. Restoring reads the blobs (a load,
 * never a rebuild), applies the tombstones, and puts the growing vectors back; the {@link
 * io.vectorstream.state.segment.SegmentManifest} lists the segments of a shard.
 *
 * <p><b>Memory tiers.</b> In {@link io.vectorstream.state.segment.MemoryTier#PQ_CODES} an IVF-PQ
 * segment keeps only centroids, codebooks, codes and ids on the heap (about {@code pqM} bytes per
 * vector instead of {@code 4 * dim}); in {@link io.vectorstream.state.segment.MemoryTier#BINARY} a
 * segment of any type keeps one-bit codes in k-means lists ({@link
 * io.vectorstream.state.quant.BinaryIvf}, about {@code dim / 8 + 16} bytes per vector) and no
 * graph. Both rank candidates by their codes, and each shard rescores its best ones with full
 * vectors read through a {@link io.vectorstream.state.segment.VectorSource} (the operator's vector
 * store). A memory budget moves full segments to the binary tier one at a time ({@link
 * io.vectorstream.state.segment.ShardSegments#startTierDown}: a compaction of one segment) and
 * makes seals and compactions build binary ({@link
 * io.vectorstream.state.segment.ShardSegments#buildIntoBinary}); a binary segment's blob holds its
 * codes, so a restore loads them as written. Ids of every sealed segment are kept in flat arrays
 * ({@code SegmentIds}), about 12 bytes plus the id's length each.
 *
 * <p>Pure JDK; the Flink operator that owns a shard's state lives in the operators module.
 */
package io.vectorstream.state.segment;
