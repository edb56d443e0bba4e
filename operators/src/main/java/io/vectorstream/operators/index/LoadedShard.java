package io.vectorstream.operators.index;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.segment.CompactionPolicy;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.Tombstone;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard loaded on the task thread: its in-memory {@link ShardSegments}, a copy of its persisted
 * {@link SegmentManifest}, its builds in flight (a seal and a compaction, side by side), the
 * installs and sweep of finished ones, and its retry back-off after failed builds.
 *
 * <p>Every change goes to the segments and, through {@link ShardStateStore}, to the shard's keyed
 * state, the manifest last; the segments are a cache of that state (see {@link
 * ShardIndexOperator}). Methods that touch state need the shard's key to be the operator's current
 * key. Builds run off the task thread ({@link Builds}); a finished one comes back to {@link
 * #finished} and is installed over several {@link #step}s, so that no step holds the task thread
 * long (see there). Task thread only.
 */
final class LoadedShard {
    // Logs under the operator's name, as before the shard had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger(ShardIndexOperator.class);

    /** Lloyd iterations of IVF training (FAISS uses 10 to 25). */
    private static final int TRAIN_ITERATIONS = 10;

    /** Base seed of segment builds; the shard number is added, the state mixes in segment ids. */
    private static final long BUILD_SEED = 0x5653_5345_474DL;

    /**
     * Blob chunks (1 MiB each) one {@link #step} writes, over all shards; the final swap of an
     * install counts as one. Writing a chunk to RocksDB takes about 1 ms (22 chunks of a 40,000 x
     * 128 segment in 18-34 ms, measured in a harness on RocksDB).
     */
    static final int CHUNKS_PER_STEP = 1;

    /**
     * Growing entries of sealed vectors one {@link #step} deletes, over all shards: about 1.3-2.5
     * µs each on RocksDB (measured as above), so about as long as a chunk.
     */
    static final int SWEEPS_PER_STEP = 1024;

    /** Where a shard hands a build to run off the task thread. */
    @FunctionalInterface
    interface Builds {
        void submit(LoadedShard shard, SegmentBuild build);
    }

    /**
     * What every shard of an operator instance shares.
     *
     * @param store the keyed state, read and written under the current key
     * @param metrics the instance's counters and histograms
     * @param builds runs seals and compactions
     * @param maxSegmentBytes seals earlier, and caps compactions, at this size
     */
    record Context(
            ShardStateStore store,
            ShardIndexMetrics metrics,
            Builds builds,
            long maxSegmentBytes) {}

    final int key;
    final int number;
    final Collection collection;
    final ShardSegments segments;
    final ShardIndexMetrics.ShardStats stats;
    private final CompactionPolicy compaction;
    private final Context ctx;
    private SegmentManifest manifest;

    /**
     * Finished builds whose blobs are being written, one at a time, in the order they came back
     * (but a seal before a merge that has not written a chunk yet).
     */
    private final ArrayDeque<Install> installs = new ArrayDeque<>();

    /** Ids whose growing entries in state a seal took, to delete: see {@link #step}. */
    private final ArrayDeque<String> sealedGrowing;

    /** Retry back-off of each lane after failed builds: see {@link #startBuildIfDue()}. */
    private final BackOff sealRetry = new BackOff();

    private final BackOff mergeRetry = new BackOff();

    /** Processing time of the last upsert or delete, for sealing after idle. */
    long lastWriteMs;

    /**
     * @param key the shard's key in keyed state
     * @param number the shard's number in its collection
     * @param manifest what the shard's state holds, or a new shard's first manifest
     * @param sealedGrowing ids of growing entries in state that a seal took ({@link
     *     ShardStateStore.Loaded#sealedGrowing}), for the sweep
     */
    LoadedShard(
            int key,
            int number,
            Collection collection,
            ShardSegments segments,
            SegmentManifest manifest,
            List<String> sealedGrowing,
            ShardIndexMetrics.ShardStats stats,
            Context ctx) {
        this.key = key;
        this.number = number;
        this.collection = collection;
        this.compaction = collection.index().compactionPolicy(ctx.maxSegmentBytes());
        this.segments = segments;
        this.manifest = manifest;
        this.sealedGrowing = new ArrayDeque<>(sealedGrowing);
        this.stats = stats;
        this.ctx = ctx;
    }

    /** How the segments of shard {@code shardNumber} of {@code c} are built. */
    static SegmentSpec spec(Collection c, int shardNumber, int dimension) {
        IndexSettings settings = c.index();
        return new SegmentSpec(
                settings.type(),
                c.metric(),
                dimension,
                settings.hnswM(),
                settings.hnswEfConstruction(),
                settings.ivfNlist(),
                settings.ivfPqM(),
                TRAIN_ITERATIONS,
                BUILD_SEED + shardNumber);
    }

    /** The dimension of the shard's vectors (0 for none yet). */
    int dimension() {
        return manifest.dimension();
    }

    /**
     * The reason this shard refuses {@code op}, or null: a vector of another dimension than the
     * shard's, which only a collection whose dimension comes from its first vector lets through the
     * decoders (each decoder checks the collections with a fixed one).
     */
    String refusal(VectorWrite op) {
        if (op.vector.length == manifest.dimension()) {
            return null;
        }
        return "vector has dimension "
                + op.vector.length
                + ", shard "
                + number
                + " of collection '"
                + collection.name()
                + "' took dimension "
                + manifest.dimension()
                + " from its first vector";
    }

    void upsert(VectorWrite op) throws Exception {
        SegmentManifest m = manifest;
        ShardStateStore store = ctx.store();
        long seq = m.nextSeq();
        store.putTombstones(segments.upsert(op.id, op.vector, op.metadata, op.text, seq));
        store.putVector(op.id, new StoredVector(op.vector, op.metadata, op.text));
        store.putGrowing(op.id, seq);
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId(),
                        seq + 1,
                        segments.liveCount(),
                        m.growingFromSeq()));
        ctx.metrics().vectorsIndexed.inc();
    }

    void delete(String id) throws Exception {
        if (!segments.contains(id)) {
            return;
        }
        ShardStateStore store = ctx.store();
        boolean growing = segments.isGrowing(id);
        List<Tombstone> dead = segments.delete(id);
        if (growing) {
            store.removeGrowing(id);
        }
        store.putTombstones(dead);
        store.removeVector(id);
        SegmentManifest m = manifest;
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId(),
                        m.nextSeq(),
                        segments.liveCount(),
                        m.growingFromSeq()));
        ctx.metrics().vectorsDeleted.inc();
    }

    /**
     * Starts a seal when the growing segment is full and no seal is in flight, and a compaction if
     * the policy picks one and none is in flight, unless failed builds of that lane hold it back
     * (the first retry comes with the next write, then after 1, 3, 7, ... up to 1023 writes, so a
     * build that always fails does not run and log once per record; a failing merge does not hold
     * back the seals, nor the other way round).
     */
    void startBuildIfDue() throws Exception {
        startBuildIfDue(0);
    }

    /**
     * As {@link #startBuildIfDue()}, for a shard without writes for {@code quietPeriods} times
     * {@code index.seal-after-idle} (at least 1; 0 for a shard just written to): a non-empty
     * growing segment is sealed below the seal size, and a shard with nothing growing merges its
     * segments as {@link CompactionPolicy#pickAtRest} says.
     *
     * @return whether a build started
     */
    boolean startBuildIfDue(double quietPeriods) throws Exception {
        boolean idle = quietPeriods >= 1;
        IndexSettings settings = collection.index();
        boolean started = false;
        // Sealed at the seal size, or earlier when large metadata would make the segment too big.
        if (!segments.sealing()
                && sealRetry.due()
                && (segments.growingCount() >= settings.sealSize()
                        || segments.growingSegmentBytes() >= ctx.maxSegmentBytes()
                        || idle)) {
            started =
                    submit(segments.startSeal(manifest.nextSegmentId(), maxSealVectors(settings)));
        }
        if (!segments.merging() && mergeRetry.due()) {
            started |=
                    submit(
                            segments.startCompaction(
                                    manifest.nextSegmentId(),
                                    compaction,
                                    ctx.store().vectorSource(),
                                    idle && segments.growingCount() == 0 ? quietPeriods : 0));
        }
        return started;
    }

    /**
     * Starts moving this shard's coldest full sealed segment to the binary tier (see {@link
     * ShardSegments#startTierDown}), unless a compaction is in flight or failed builds hold its
     * lane back. The current key must be this shard's.
     *
     * @return whether a tier-down started
     */
    boolean startTierDown() throws Exception {
        if (segments.merging() || segments.fullSegmentCount() == 0 || !mergeRetry.due()) {
            return false;
        }
        return submit(segments.startTierDown(manifest.nextSegmentId(), ctx.store().vectorSource()));
    }

    /**
     * The most vectors one seal takes: the seal size, or fewer if that would not fit a segment.
     * Bounded, a burst becomes several seals of the oldest vectors, each quick to build (small
     * graphs build fastest per vector), to install and to drop from the growing segment, instead of
     * one seal of everything that arrived meanwhile (which grew to 400,000 vectors under a 1M burst
     * and held the task thread 250-400 ms in its install).
     */
    private int maxSealVectors(IndexSettings settings) {
        long perVector =
                Math.max(1, segments.growingSegmentBytes() / Math.max(1, segments.growingCount()));
        long fits = Math.max(1, ctx.maxSegmentBytes() / perVector);
        return (int) Math.min(settings.sealSize(), fits);
    }

    /** Spends a segment id on {@code build}, if any, and hands it to the pool. */
    private boolean submit(SegmentBuild build) throws Exception {
        if (build == null) {
            return false;
        }
        SegmentManifest m = manifest;
        // The id is spent even if the build fails or a restore forgets it: ids never repeat.
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId() + 1,
                        m.nextSeq(),
                        m.liveCount(),
                        m.growingFromSeq()));
        ctx.builds().submit(this, build);
        return true;
    }

    /** Counts down the writes before a lane whose builds failed tries again. */
    private static final class BackOff {
        private int failures;
        private int writesLeft;

        /** Whether the lane may start a build now; counts one write off otherwise. */
        boolean due() {
            if (writesLeft == 0) {
                return true;
            }
            writesLeft--;
            return false;
        }

        void failed() {
            writesLeft = (1 << Math.min(failures++, 10)) - 1;
        }

        void succeeded() {
            failures = 0;
        }
    }

    /**
     * Whether {@code build} is one of the shard's builds in flight: running on the pool, or back
     * and being installed (the segments keep it in flight until its install).
     */
    boolean awaits(SegmentBuild build) {
        return segments.inFlight(build);
    }

    /**
     * Takes one of the shard's builds in flight back from the pool. A failed one is dropped at once
     * (the shard keeps its previous segments and backs off); a finished one is installed by the
     * next {@link #step}s, after any finished before it.
     */
    void finished(SegmentBuildPool.Finished f) {
        assert awaits(f.build()) : "segment " + f.build().segmentId() + " is not in flight";
        if (f.failure() == null) {
            Install head = installs.peek();
            if (f.build().isSeal() && head != null && head.nextChunk == 0) {
                // Seals first: the merge has not written a chunk yet, so no blob is half written
                // by the time the seal's starts (see ShardStateStore#load).
                installs.addFirst(new Install(f));
            } else {
                installs.add(new Install(f));
            }
            return;
        }
        LOG.error(
                "Building segment {} of shard {} ({}) failed after {} ms; the shard keeps"
                        + " its previous segments and retries on a later write.",
                f.build().segmentId(),
                number,
                f.build().isSeal() ? "seal" : "compaction",
                f.millis(),
                f.failure());
        segments.abort(f.build());
        ctx.metrics().buildFailures.inc();
        (f.build().isSeal() ? sealRetry : mergeRetry).failed();
    }

    /** Finished builds waiting for or in their install. */
    int installsQueued() {
        return installs.size();
    }

    /** Whether {@link #step} has work left: an install, or growing entries to sweep. */
    boolean hasWork() {
        return !installs.isEmpty() || !sealedGrowing.isEmpty();
    }

    /** Growing entries in state that the sweep has still to delete. */
    int sweepsLeft() {
        return sealedGrowing.size();
    }

    /**
     * Moves the install and the sweep forward within {@code budget}, which the shards of the
     * instance share in one step of the task thread. Installing a seal of 40,000 128-d vectors in
     * one go held the task thread for 100-250 ms in a harness on RocksDB (up to 425 ms in the job,
     * sharing two cores): 40-140 ms deleting the sealed ids' growing entries one by one, 20-90 ms
     * writing 22 MB of blob chunks, 15-50 ms swapping the in-memory view (now a few ms: {@link
     * ShardSegments#install}). Records and queries waited behind it, hence the freshness tail. So:
     *
     * <ol>
     *   <li>The blob chunks are written one per step (split on the build thread). Meanwhile nothing
     *       else changes: the build stays in flight, queries search the growing vectors, writes go
     *       to the growing segment, and a checkpoint holds the old manifest. A restore deletes the
     *       unnamed chunks and builds again ({@link ShardStateStore#load}).
     *   <li>With every chunk in, one step makes the segment visible atomically: the in-memory swap
     *       (which reconciles the writes made during the build and the install), the tombstones of
     *       stale copies, the deletion of replaced segments, and the manifest last, naming the
     *       segment and the seq below which the growing segment was sealed ({@link
     *       SegmentManifest#growingFromSeq}).
     *   <li>The sealed ids' growing entries are deleted a batch per step. Until then a checkpoint
     *       holds them, and a restore skips them by their seq, so it neither indexes a vector twice
     *       nor brings back one deleted or written again since. An id written again since is
     *       growing again, and its entry is that write's, so the sweep leaves it.
     * </ol>
     */
    void step(StepBudget budget) throws Exception {
        if (!installs.isEmpty()) {
            long start = System.nanoTime();
            Install i = installs.peek();
            long segmentId = i.finished.build().segmentId();
            byte[][] chunks = i.finished.blobChunks();
            while (i.nextChunk < chunks.length && budget.takeChunk()) {
                ctx.store().putBlobChunk(segmentId, i.nextChunk, chunks[i.nextChunk]);
                // In state now: the heap need not hold it too (the array is this install's).
                chunks[i.nextChunk++] = null;
            }
            boolean complete = i.nextChunk == chunks.length && budget.takeChunk();
            if (complete) {
                install(i);
                installs.poll();
            }
            i.steps++;
            i.longestStepNanos = Math.max(i.longestStepNanos, System.nanoTime() - start);
            if (complete) {
                recordInstall(i);
                startBuildIfDue();
                refreshStats();
                budget.spendAll(); // the swap ends the step: it is the longest part
                return;
            }
        }
        ShardStateStore store = ctx.store();
        while (!sealedGrowing.isEmpty() && budget.takeSweep()) {
            String id = sealedGrowing.poll();
            if (!segments.isGrowing(id)) {
                store.removeGrowing(id);
            }
        }
    }

    /** Step 2 of {@link #step}: makes the built segment the shard's, in memory and in state. */
    private void install(Install i) throws Exception {
        SegmentBuildPool.Finished f = i.finished;
        ShardStateStore store = ctx.store();
        ShardSegments.Installed done = segments.install(f.build(), f.segment());
        SealedSegment segment = done.segment();
        SegmentManifest m = manifest;
        List<SegmentManifest.Entry> entries = new ArrayList<>(m.segments().size() + 1);
        for (SegmentManifest.Entry e : m.segments()) {
            if (done.removedSegments().contains(e.id())) {
                store.removeSegment(e);
            } else {
                entries.add(e);
            }
        }
        // A compaction of dead vectors only yields an empty segment, which the view drops: so
        // does the state.
        if (segment.size() > 0) {
            store.putTombstones(done.tombstones());
            entries.add(
                    new SegmentManifest.Entry(
                            segment.id(),
                            segment.type(),
                            segment.size(),
                            f.blobChunks().length,
                            f.blobBytes()));
        }
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        entries,
                        m.nextSegmentId(),
                        m.nextSeq(),
                        segments.liveCount(),
                        f.build().isSeal()
                                ? Math.max(m.growingFromSeq(), sealedBelow(f.build()))
                                : m.growingFromSeq()));
        sealedGrowing.addAll(done.movedFromGrowing());
        (f.build().isSeal() ? sealRetry : mergeRetry).succeeded();
    }

    /**
     * The seq below which {@code seal} took every growing vector: it took the oldest, and every
     * write since has a larger seq. So a growing entry in state below it is a copy this seal or an
     * earlier one took (an id written again since has an entry with its newer seq, not below it).
     */
    private static long sealedBelow(SegmentBuild seal) {
        long max = -1;
        for (long seq : seal.seqs()) {
            max = Math.max(max, seq);
        }
        return max + 1;
    }

    private void recordInstall(Install i) {
        SegmentBuildPool.Finished f = i.finished;
        ShardIndexMetrics metrics = ctx.metrics();
        // The task thread's share of a build: the longest pause records and queries saw.
        metrics.installMillis.update(i.longestStepNanos / 1_000_000);
        metrics.graphBuilds.inc();
        (f.build().isSeal() ? metrics.sealMillis : metrics.compactionMillis).update(f.millis());
        LOG.debug(
                "Installed segment {} of shard {} ({} vectors, {} bytes, built in {} ms, installed"
                        + " in {} steps over {} ms, the longest {} µs).",
                f.build().segmentId(),
                number,
                f.segment().size(),
                f.blobBytes(),
                f.millis(),
                i.steps,
                (System.nanoTime() - i.startNanos) / 1_000_000,
                i.longestStepNanos / 1_000);
    }

    /** Refreshes what the shard's gauges show; after every change. */
    void refreshStats() {
        stats.update(segments);
    }

    private void writeManifest(SegmentManifest m) throws Exception {
        ctx.store().putManifest(m);
        manifest = m;
    }

    /**
     * What one step of the task thread may spend on installs and sweeps, over all shards of the
     * operator instance: {@link #CHUNKS_PER_STEP} and {@link #SWEEPS_PER_STEP}.
     */
    static final class StepBudget {
        private int chunks = CHUNKS_PER_STEP;
        private int sweeps = SWEEPS_PER_STEP;

        /** Takes one chunk write (or the final swap of an install) if some are left. */
        boolean takeChunk() {
            if (chunks == 0) {
                return false;
            }
            chunks--;
            return true;
        }

        /** Takes one growing-entry deletion if some are left. */
        boolean takeSweep() {
            if (sweeps == 0) {
                return false;
            }
            sweeps--;
            return true;
        }

        /** Whether nothing is left. */
        boolean spent() {
            return chunks == 0 && sweeps == 0;
        }

        void spendAll() {
            chunks = 0;
            sweeps = 0;
        }
    }

    /** A finished build on its way into state, and what its install cost the task thread. */
    private static final class Install {
        final SegmentBuildPool.Finished finished;
        final long startNanos = System.nanoTime();
        int nextChunk;
        int steps;
        long longestStepNanos;

        Install(SegmentBuildPool.Finished finished) {
            this.finished = finished;
        }
    }
}
