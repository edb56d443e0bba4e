package io.vectorstream.operators.index;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.segment.CompactionPolicy;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.Tombstone;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A shard loaded on the task thread: its in-memory {@link ShardSegments}, a copy of its persisted
 * {@link SegmentManifest}, its build in flight and its retry back-off after failed builds.
 *
 * <p>Every change goes to the segments and, through {@link ShardStateStore}, to the shard's keyed
 * state, the manifest last; the segments are a cache of that state (see {@link
 * ShardIndexOperator}). Methods that touch state need the shard's key to be the operator's current
 * key. Builds run off the task thread ({@link Builds}); a finished one comes back to {@link
 * #install}. Task thread only.
 */
final class LoadedShard {
    // Logs under the operator's name, as before the shard had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger(ShardIndexOperator.class);

    /** Lloyd iterations of IVF training (FAISS uses 10 to 25). */
    private static final int TRAIN_ITERATIONS = 10;

    /** Base seed of segment builds; the shard number is added, the state mixes in segment ids. */
    private static final long BUILD_SEED = 0x5653_5345_474DL;

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
    private SegmentBuild building;
    private int failedBuilds;
    private int writesBeforeRetry;

    /** Processing time of the last upsert or delete, for sealing after idle. */
    long lastWriteMs;

    /**
     * @param key the shard's key in keyed state
     * @param number the shard's number in its collection
     * @param manifest what the shard's state holds, or a new shard's first manifest
     */
    LoadedShard(
            int key,
            int number,
            Collection collection,
            ShardSegments segments,
            SegmentManifest manifest,
            ShardIndexMetrics.ShardStats stats,
            Context ctx) {
        this.key = key;
        this.number = number;
        this.collection = collection;
        this.compaction = collection.index().compactionPolicy(ctx.maxSegmentBytes());
        this.segments = segments;
        this.manifest = manifest;
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

    void upsert(VectorOp op) throws Exception {
        SegmentManifest m = manifest;
        if (op.vector.length != m.dimension()) {
            // The validator fixes one dimension per collection, so this is a broken invariant.
            throw new IllegalStateException(
                    "vector "
                            + op.id
                            + " has dimension "
                            + op.vector.length
                            + " but shard "
                            + number
                            + " holds "
                            + m.dimension()
                            + "-d vectors");
        }
        ShardStateStore store = ctx.store();
        long seq = m.nextSeq();
        store.putTombstones(segments.upsert(op.id, op.vector, op.metadata, seq));
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
     * Starts a seal when the growing segment is full, else a compaction if the policy picks one,
     * unless a build of the shard is already in flight or backing off after failures (the first
     * retry comes with the next write, then after 1, 3, 7, ... up to 1023 writes, so a build that
     * always fails does not run and log once per record).
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
        if (segments.building()) {
            return false;
        }
        if (writesBeforeRetry > 0) {
            writesBeforeRetry--;
            return false;
        }
        SegmentManifest m = manifest;
        IndexSettings settings = collection.index();
        SegmentBuild build = null;
        // Sealed at the seal size, or earlier when large metadata would make the segment too big.
        if (segments.growingCount() >= settings.sealSize()
                || segments.growingSegmentBytes() >= ctx.maxSegmentBytes()
                || idle) {
            build = segments.startSeal(m.nextSegmentId());
        }
        if (build == null) {
            build =
                    segments.startCompaction(
                            m.nextSegmentId(),
                            compaction,
                            ctx.store().vectorSource(),
                            idle && segments.growingCount() == 0 ? quietPeriods : 0);
        }
        if (build == null) {
            return false;
        }
        // The id is spent even if the build fails or a restore forgets it: ids never repeat.
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId() + 1,
                        m.nextSeq(),
                        m.liveCount(),
                        m.growingFromSeq()));
        building = build;
        ctx.builds().submit(this, build);
        return true;
    }

    /** Whether failed builds hold the next one back (see {@link #startBuildIfDue()}). */
    boolean backingOff() {
        return writesBeforeRetry > 0;
    }

    /** Whether {@code build} is the shard's build in flight. */
    boolean awaits(SegmentBuild build) {
        return building == build;
    }

    /**
     * Installs the shard's build in flight, or on failure keeps the previous segments and backs
     * off; then starts the next build if one is due.
     */
    void install(SegmentBuildPool.Finished f) throws Exception {
        building = null;
        ShardIndexMetrics metrics = ctx.metrics();
        ShardStateStore store = ctx.store();
        long installStart = System.nanoTime();
        if (f.failure() != null) {
            LOG.error(
                    "Building segment {} of shard {} ({}) failed after {} ms; the shard keeps"
                            + " its previous segments and retries on a later write.",
                    f.build().segmentId(),
                    number,
                    f.build().isSeal() ? "seal" : "compaction",
                    f.millis(),
                    f.failure());
            segments.abort(f.build());
            metrics.buildFailures.inc();
            writesBeforeRetry = (1 << Math.min(failedBuilds++, 10)) - 1;
            return;
        }
        // 1. Swap the segment into the in-memory view; it reports what to persist.
        ShardSegments.Installed done = segments.install(f.build(), f.segment());
        SealedSegment segment = done.segment();
        // 2. Sealed vectors leave the growing map; replaced segments leave state entirely.
        for (String id : done.movedFromGrowing()) {
            store.removeGrowing(id);
        }
        SegmentManifest m = manifest;
        List<SegmentManifest.Entry> entries = new ArrayList<>(m.segments().size() + 1);
        for (SegmentManifest.Entry e : m.segments()) {
            if (done.removedSegments().contains(e.id())) {
                store.removeSegment(e);
            } else {
                entries.add(e);
            }
        }
        // 3. Persist the new blob and the copies in it that died during the build. A compaction
        // of dead vectors only yields an empty segment, which the view drops: so does the state.
        if (segment.size() > 0) {
            int chunks = store.putBlob(segment.id(), f.blob());
            store.putTombstones(done.tombstones());
            entries.add(
                    new SegmentManifest.Entry(
                            segment.id(), segment.type(), segment.size(), chunks, f.blob().length));
        }
        // 4. The manifest last: it names the segments a restore loads.
        writeManifest(
                new SegmentManifest(
                        m.dimension(),
                        entries,
                        m.nextSegmentId(),
                        m.nextSeq(),
                        segments.liveCount(),
                        m.growingFromSeq()));
        failedBuilds = 0;
        // The task thread's share of a build: the pause records and queries see.
        metrics.installMillis.update((System.nanoTime() - installStart) / 1_000_000);
        metrics.graphBuilds.inc();
        (f.build().isSeal() ? metrics.sealMillis : metrics.compactionMillis).update(f.millis());
        LOG.debug(
                "Installed segment {} of shard {} ({} vectors, {} bytes, {} ms).",
                segment.id(),
                number,
                segment.size(),
                f.blob().length,
                f.millis());
        startBuildIfDue();
        refreshStats();
    }

    /** Refreshes what the shard's gauges show; after every change. */
    void refreshStats() {
        stats.update(segments);
    }

    private void writeManifest(SegmentManifest m) throws Exception {
        ctx.store().putManifest(m);
        manifest = m;
    }
}
