package io.vectorstream.operators.index;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterException;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.CompactionPolicy;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.Tombstone;
import io.vectorstream.state.segment.VectorSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the shards of one subtask as lists of segments and answers every broadcast query over all
 * of them.
 *
 * <p>Input 1 is keyed by shard key: upserts and deletes. Input 2 is the broadcast query stream;
 * each query yields exactly one {@link PartialResult} per instance, even with no data, so the
 * merger can count answers. A query's metadata filter (checked by the validator) is parsed once per
 * query and evaluated by every segment from the metadata it keeps in memory, never by reading
 * candidates from state.
 *
 * <p>Keyed state is the source of truth, per shard (see DESIGN.md, "Shard state: segments"):
 *
 * <ul>
 *   <li>{@link #SHARD_MANIFEST}: the {@link SegmentManifest} (sealed segments and counters). It is
 *       tiny, so it is what a query iterates to find the shards; the big maps are never iterated
 *       across keys.
 *   <li>{@link #VECTORS}: id → {@link StoredVector} of every live vector (metadata of hits, full
 *       vectors for PQ reranking and compaction).
 *   <li>{@link #GROWING}: id → sequence number of the vectors in the growing segment.
 *   <li>{@link #SEGMENT_BLOBS}: each sealed segment's {@link SealedSegment#write} bytes in 1 MiB
 *       chunks, written once and deleted by compaction, so incremental checkpoints upload a segment
 *       once.
 *   <li>{@link #TOMBSTONES}: per sealed segment, 4 KiB bitsets of its dead ordinals.
 * </ul>
 *
 * Blob and tombstone chunks are keyed {@code segmentId << 20 | chunkIndex} ({@link
 * ShardStateStore}).
 *
 * <p>The in-memory {@link ShardSegments} are a cache of that state, loaded lazily on a shard's
 * first query or write by reading blobs, never by rebuilding. When a growing segment reaches the
 * seal size, or a compaction is due, the index is built on a {@link SegmentBuildPool} thread; the
 * finished segment comes back through a queue that the task thread drains before every record and
 * from a processing-time timer (whose callbacks run in the task's mailbox), and is installed there.
 * Until then the growing vectors stay in state, so a checkpoint taken meanwhile is consistent and a
 * restore simply seals again. Flink state is only ever touched on the task thread.
 *
 * <p>A strong query (read-your-writes) is answered only once the barrier the validator sent ahead
 * of it has arrived on input 1 for every shard this instance holds: each shard's channel is FIFO,
 * so the shard has then applied every vector published before the query was read. Barriers and
 * query meet in either order; whichever comes first waits in memory until the rest arrive or the
 * query's deadline passes (then the merger answers without this instance). Like queries in flight
 * elsewhere, they are not checkpointed: a restart loses them and the client times out.
 */
public final class ShardIndexOperator extends AbstractStreamOperator<PartialResult>
        implements TwoInputStreamOperator<VectorOp, Query, PartialResult> {
    private static final long serialVersionUID = 2L;
    private static final Logger LOG = LoggerFactory.getLogger(ShardIndexOperator.class);

    /** {@link SegmentManifest#toBytes()}; its presence marks the shard as existing here. */
    public static final ValueStateDescriptor<byte[]> SHARD_MANIFEST =
            new ValueStateDescriptor<>(
                    "shard-manifest", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** id → {@link StoredVector#toBytes()} of every live vector of a shard. */
    public static final MapStateDescriptor<String, byte[]> VECTORS =
            new MapStateDescriptor<>(
                    "vectors", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** id → sequence number of the vectors in the growing segment. */
    public static final MapStateDescriptor<String, Long> GROWING =
            new MapStateDescriptor<>("growing", Types.STRING, Types.LONG);

    /** {@code segmentId << 20 | chunk} → 1 MiB chunk of a sealed segment's blob. */
    public static final MapStateDescriptor<Long, byte[]> SEGMENT_BLOBS =
            new MapStateDescriptor<>(
                    "segment-blobs",
                    Types.LONG,
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** {@code segmentId << 20 | chunk} → bitset of dead ordinals, 32,768 per chunk. */
    public static final MapStateDescriptor<Long, byte[]> TOMBSTONES =
            new MapStateDescriptor<>(
                    "segment-tombstones",
                    Types.LONG,
                    PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** How often the task thread looks for finished builds while some are in flight. */
    private static final long DRAIN_INTERVAL_MS = 10;

    /** Lloyd iterations of IVF training (FAISS uses 10 to 25). */
    private static final int TRAIN_ITERATIONS = 10;

    /** Base seed of segment builds; the shard number is added, the state mixes in segment ids. */
    private static final long BUILD_SEED = 0x5653_5345_474DL;

    private final VectorStreamConfig cfg;
    private final IndexSettings settings;
    private final ShardRouter router;
    private final SegmentBuildPool.Builder builder;

    private transient CompactionPolicy compaction;
    private transient ShardStateStore store;
    private transient Map<Integer, Shard> shards;
    private transient Map<Integer, Integer> shardOfKey;
    private transient SegmentBuildPool builds;
    private transient ShardIndexMetrics metrics;
    private transient int shardsHeld;
    private transient boolean drainScheduled;

    /** Strong query id → shard keys whose barrier arrived, until the query is answered. */
    private transient Map<String, Set<Integer>> barriers;

    /** Strong queries that arrived before all their barriers. */
    private transient Map<String, StreamRecord<Query>> waiting;

    public ShardIndexOperator(VectorStreamConfig cfg) {
        this(cfg, SegmentBuild::run);
    }

    /** With {@code builder} in place of {@link SegmentBuild#run}, to test failing builds. */
    ShardIndexOperator(VectorStreamConfig cfg, SegmentBuildPool.Builder builder) {
        this.cfg = cfg;
        this.builder = builder;
        this.settings = cfg.index();
        this.router = new ShardRouter(cfg.shards(), cfg.maxParallelism());
    }

    @Override
    public void open() throws Exception {
        super.open();
        store =
                new ShardStateStore(
                        getPartitionedState(SHARD_MANIFEST),
                        getPartitionedState(VECTORS),
                        getPartitionedState(GROWING),
                        getPartitionedState(SEGMENT_BLOBS),
                        getPartitionedState(TOMBSTONES));
        compaction = settings.compactionPolicy();
        shards = new HashMap<>();
        shardOfKey = new HashMap<>();
        for (int s = 0; s < cfg.shards(); s++) {
            shardOfKey.put(router.keyOf(s), s);
        }
        var task = getRuntimeContext().getTaskInfo();
        shardsHeld =
                router.shardsIn(
                        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                                task.getMaxNumberOfParallelSubtasks(),
                                task.getNumberOfParallelSubtasks(),
                                task.getIndexOfThisSubtask()));
        builds =
                new SegmentBuildPool(
                        builder,
                        settings.buildThreads(),
                        "vectorstream-build-" + task.getIndexOfThisSubtask() + "-");
        metrics = new ShardIndexMetrics(getMetricGroup(), () -> shardsHeld, builds::inFlight);
        reportRestoredShards();
        barriers = new HashMap<>();
        waiting = new HashMap<>();
    }

    /**
     * Shards load lazily, on their first query or write; until then their gauges show what their
     * manifests say, so a restored index does not look empty on a dashboard.
     */
    private void reportRestoredShards() throws Exception {
        for (Integer key : shardKeys()) {
            setCurrentKey(key);
            SegmentManifest m = store.manifest();
            if (m != null) {
                metrics.shard(shardOfKey.getOrDefault(key, key)).fromManifest(m);
            }
        }
    }

    /**
     * The keys of the shards this subtask holds state for: those with a manifest, which is tiny, so
     * this never scans the big maps.
     */
    private List<Integer> shardKeys() throws Exception {
        try (Stream<Integer> keys =
                this.<Integer>getKeyedStateBackend()
                        .getKeys(SHARD_MANIFEST.getName(), VoidNamespace.INSTANCE)) {
            return keys.toList();
        }
    }

    @Override
    public void close() throws Exception {
        if (builds != null) {
            builds.close();
        }
        super.close();
    }

    @Override
    public void processElement1(StreamRecord<VectorOp> record) throws Exception {
        installFinishedBuilds();
        VectorOp op = record.getValue();
        if (op.isBarrier()) {
            barrier(op);
            return;
        }
        Shard shard = op.delete ? shard(op.shardKey) : shardForWrite(op.shardKey, op);
        if (shard == null) {
            return; // a delete in a shard that never held a vector
        }
        if (op.delete) {
            delete(shard, op.id);
        } else {
            upsert(shard, op);
        }
        startBuildIfDue(shard);
        shard.stats.update(shard.segments, false);
    }

    @Override
    public void processElement2(StreamRecord<Query> record) throws Exception {
        installFinishedBuilds();
        Query q = record.getValue();
        if (q.strong && shardsHeld > 0) {
            Set<Integer> seen = barriers.get(q.queryId);
            if (seen == null || seen.size() < shardsHeld) {
                if (seen == null) {
                    expireAt(q.queryId, q.deadlineMs);
                }
                waiting.put(q.queryId, record);
                return;
            }
            barriers.remove(q.queryId);
        }
        answer(record);
    }

    /** Notes a strong query's barrier for one shard; answers the query if it was the last one. */
    private void barrier(VectorOp op) throws Exception {
        String queryId = op.barrierQueryId;
        Set<Integer> seen = barriers.get(queryId);
        if (seen == null) {
            seen = new HashSet<>();
            barriers.put(queryId, seen);
            if (!waiting.containsKey(queryId)) {
                expireAt(queryId, op.eventTimeMs);
            }
        }
        seen.add(op.shardKey);
        if (seen.size() < shardsHeld || !waiting.containsKey(queryId)) {
            return;
        }
        barriers.remove(queryId);
        Object key = getCurrentKey();
        try {
            answer(waiting.remove(queryId));
        } finally {
            setCurrentKey(key);
        }
    }

    /**
     * Forgets a strong query's barriers and its wait at its deadline, so neither can leak; by then
     * the merger has answered without this instance.
     */
    private void expireAt(String queryId, long deadlineMs) {
        getProcessingTimeService()
                .registerTimer(
                        deadlineMs,
                        time -> {
                            barriers.remove(queryId);
                            if (waiting.remove(queryId) != null) {
                                metrics.strongQueriesExpired.inc();
                            }
                        });
    }

    /** Searches every shard of this instance and emits the one partial answer to the query. */
    private void answer(StreamRecord<Query> record) throws Exception {
        Query q = record.getValue();
        long start = System.nanoTime();
        List<Integer> shardKeys = shardKeys();
        SearchKnobs knobs = knobs(q);
        Filter filter = null;
        if (q.filter != null) {
            try {
                filter = FilterParser.parse(q.filter, Integer.MAX_VALUE);
            } catch (FilterException e) {
                // The validator rejects bad filters; one here is a bug, not a reason to fail.
                LOG.warn(
                        "Query {} has a bad filter; answering no hits: {}",
                        q.queryId,
                        e.getMessage());
                shardKeys = List.of();
            }
        }
        VectorSource source = store.vectorSource();
        Comparator<ScoredHit> order = HitOrder.bestFirst(cfg.metric());
        List<ShardHit> candidates = new ArrayList<>();
        for (Integer key : shardKeys) {
            setCurrentKey(key);
            Shard shard = shard(key);
            if (shard == null || shard.manifest.dimension() != q.vector.length) {
                // Empty, or a query validated before the first vector fixed the dimension.
                continue;
            }
            SearchHits hits = shard.segments.search(q.vector, knobs, source, filter);
            for (int i = 0; i < hits.size(); i++) {
                candidates.add(
                        new ShardHit(key, new ScoredHit(hits.ids()[i], hits.scores()[i], null)));
            }
        }
        candidates.sort((a, b) -> order.compare(a.hit, b.hit));
        List<ScoredHit> best = new ArrayList<>(Math.min(q.k, candidates.size()));
        for (ShardHit c : candidates.subList(0, Math.min(q.k, candidates.size()))) {
            if (q.includeMetadata || q.includeVectors) {
                setCurrentKey(c.shardKey);
                StoredVector stored = store.vector(c.hit.id);
                if (q.includeMetadata) {
                    c.hit.metadata = stored == null ? Map.of() : stored.metadata();
                }
                if (q.includeVectors && stored != null) {
                    c.hit.vector = stored.vector();
                }
            }
            best.add(c.hit);
        }
        PartialResult p = new PartialResult();
        p.queryId = q.queryId;
        p.subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        p.shards = shardsHeld;
        p.hits = best;
        p.searchMicros = (System.nanoTime() - start) / 1000;
        metrics.searchLatencyMicros.update(p.searchMicros);
        output.collect(new StreamRecord<>(p, record.getTimestamp()));
    }

    /** The query's own ef, nprobe and rerank where it sets them, the job's defaults elsewhere. */
    private SearchKnobs knobs(Query q) {
        return new SearchKnobs(
                q.k,
                Math.max(q.ef > 0 ? q.ef : settings.hnswEfSearch(), q.k),
                q.nprobe > 0 ? q.nprobe : settings.ivfNprobe(),
                q.rerank >= 0 ? q.rerank : settings.ivfRerank());
    }

    private void upsert(Shard shard, VectorOp op) throws Exception {
        SegmentManifest m = shard.manifest;
        if (op.vector.length != m.dimension()) {
            // The validator fixes one dimension per collection, so this is a broken invariant.
            throw new IllegalStateException(
                    "vector "
                            + op.id
                            + " has dimension "
                            + op.vector.length
                            + " but shard "
                            + shard.number
                            + " holds "
                            + m.dimension()
                            + "-d vectors");
        }
        long seq = m.nextSeq();
        store.putTombstones(shard.segments.upsert(op.id, op.vector, op.metadata, seq));
        store.putVector(op.id, new StoredVector(op.vector, op.metadata, op.text));
        store.putGrowing(op.id, seq);
        writeManifest(
                shard,
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId(),
                        seq + 1,
                        shard.segments.liveCount()));
        metrics.vectorsIndexed.inc();
    }

    private void delete(Shard shard, String id) throws Exception {
        if (!shard.segments.contains(id)) {
            return;
        }
        boolean growing = shard.segments.isGrowing(id);
        List<Tombstone> dead = shard.segments.delete(id);
        if (growing) {
            store.removeGrowing(id);
        }
        store.putTombstones(dead);
        store.removeVector(id);
        SegmentManifest m = shard.manifest;
        writeManifest(
                shard,
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId(),
                        m.nextSeq(),
                        shard.segments.liveCount()));
        metrics.vectorsDeleted.inc();
    }

    /**
     * Starts a seal when the growing segment is full, else a compaction if the policy picks one,
     * unless a build of the shard is already in flight or backing off after failures (the first
     * retry comes with the next write, then after 1, 3, 7, ... up to 1023 writes, so a build that
     * always fails does not run and log once per record). Current key: the shard's.
     */
    private void startBuildIfDue(Shard shard) throws Exception {
        if (shard.segments.building()) {
            return;
        }
        if (shard.writesBeforeRetry > 0) {
            shard.writesBeforeRetry--;
            return;
        }
        SegmentManifest m = shard.manifest;
        SegmentBuild build = null;
        if (shard.segments.growingCount() >= settings.sealSize()) {
            build = shard.segments.startSeal(m.nextSegmentId());
        }
        if (build == null) {
            build =
                    shard.segments.startCompaction(
                            m.nextSegmentId(), compaction, store.vectorSource());
        }
        if (build == null) {
            return;
        }
        // The id is spent even if the build fails or a restore forgets it: ids never repeat.
        writeManifest(
                shard,
                new SegmentManifest(
                        m.dimension(),
                        m.segments(),
                        m.nextSegmentId() + 1,
                        m.nextSeq(),
                        m.liveCount()));
        shard.building = build;
        builds.submit(shard.key, build, shard.segments.spec(), settings.memoryTier());
        scheduleDrain();
    }

    /** Installs every build that finished since the last call; keeps the current key. */
    private void installFinishedBuilds() throws Exception {
        SegmentBuildPool.Finished f = builds.poll();
        if (f == null) {
            return;
        }
        Object key = getCurrentKey();
        try {
            for (; f != null; f = builds.poll()) {
                install(f);
            }
        } finally {
            if (key != null) {
                setCurrentKey(key);
            }
        }
    }

    private void install(SegmentBuildPool.Finished f) throws Exception {
        Shard shard = shards.get(f.shardKey());
        if (shard == null || shard.building != f.build()) {
            return; // cannot happen within one operator instance; ignore rather than corrupt
        }
        shard.building = null;
        setCurrentKey(shard.key);
        long installStart = System.nanoTime();
        if (f.failure() != null) {
            LOG.error(
                    "Building segment {} of shard {} ({}) failed after {} ms; the shard keeps"
                            + " its previous segments and retries on a later write.",
                    f.build().segmentId(),
                    shard.number,
                    f.build().isSeal() ? "seal" : "compaction",
                    f.millis(),
                    f.failure());
            shard.segments.abort(f.build());
            metrics.buildFailures.inc();
            shard.writesBeforeRetry = (1 << Math.min(shard.failedBuilds++, 10)) - 1;
            return;
        }
        // 1. Swap the segment into the in-memory view; it reports what to persist.
        ShardSegments.Installed done = shard.segments.install(f.build(), f.segment());
        SealedSegment segment = done.segment();
        // 2. Sealed vectors leave the growing map; replaced segments leave state entirely.
        for (String id : done.movedFromGrowing()) {
            store.removeGrowing(id);
        }
        SegmentManifest m = shard.manifest;
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
                shard,
                new SegmentManifest(
                        m.dimension(),
                        entries,
                        m.nextSegmentId(),
                        m.nextSeq(),
                        shard.segments.liveCount()));
        shard.failedBuilds = 0;
        // The task thread's share of a build: the pause records and queries see.
        metrics.installMillis.update((System.nanoTime() - installStart) / 1_000_000);
        metrics.graphBuilds.inc();
        (f.build().isSeal() ? metrics.sealMillis : metrics.compactionMillis).update(f.millis());
        LOG.debug(
                "Installed segment {} of shard {} ({} vectors, {} bytes, {} ms).",
                segment.id(),
                shard.number,
                segment.size(),
                f.blob().length,
                f.millis());
        startBuildIfDue(shard);
        shard.stats.update(shard.segments, true);
    }

    /** Registers one drain timer while builds are in flight; it re-registers itself. */
    private void scheduleDrain() {
        if (drainScheduled || builds.inFlight() == 0) {
            return;
        }
        drainScheduled = true;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService()
                .registerTimer(
                        now + DRAIN_INTERVAL_MS,
                        time -> {
                            drainScheduled = false;
                            installFinishedBuilds();
                            scheduleDrain();
                        });
    }

    /** The shard of {@code key} (the current key), loading it from state; null if it has none. */
    private Shard shard(int key) throws Exception {
        Shard shard = shards.get(key);
        if (shard != null) {
            return shard;
        }
        SegmentManifest m = store.manifest();
        if (m == null || m.dimension() == 0) {
            return null;
        }
        ShardSegments segments = store.load(m, spec(key, m.dimension()), settings.memoryTier());
        metrics.segmentLoads.inc(m.segments().size());
        return register(key, segments, m);
    }

    /** The shard of an upsert's key (the current key), created if it holds no vector yet. */
    private Shard shardForWrite(int key, VectorOp op) throws Exception {
        Shard shard = shard(key);
        if (shard != null) {
            return shard;
        }
        int dimension = op.vector.length;
        ShardSegments segments = new ShardSegments(spec(key, dimension), settings.memoryTier());
        return register(key, segments, new SegmentManifest(dimension, List.of(), 0, 0, 0));
    }

    private Shard register(int key, ShardSegments segments, SegmentManifest manifest) {
        int number = shardOfKey.getOrDefault(key, key);
        Shard shard = new Shard(key, number, segments, metrics.shard(number));
        shard.manifest = manifest;
        shard.stats.update(segments, true);
        shards.put(key, shard);
        metrics.shardLoads.inc();
        return shard;
    }

    private SegmentSpec spec(int key, int dimension) {
        return new SegmentSpec(
                settings.type(),
                cfg.metric(),
                dimension,
                settings.hnswM(),
                settings.hnswEfConstruction(),
                settings.ivfNlist(),
                settings.ivfPqM(),
                TRAIN_ITERATIONS,
                BUILD_SEED + shardOfKey.getOrDefault(key, key));
    }

    private void writeManifest(Shard shard, SegmentManifest m) throws Exception {
        store.putManifest(m);
        shard.manifest = m;
    }

    // Package-private views for tests (task thread).

    long graphBuilds() {
        return metrics.graphBuilds.getCount();
    }

    long segmentLoads() {
        return metrics.segmentLoads.getCount();
    }

    long shardLoads() {
        return metrics.shardLoads.getCount();
    }

    long buildFailures() {
        return metrics.buildFailures.getCount();
    }

    int buildsInFlight() {
        return builds.inFlight();
    }

    /** Strong queries with a barrier or the query itself still waiting here. */
    int strongQueriesPending() {
        Set<String> ids = new HashSet<>(barriers.keySet());
        ids.addAll(waiting.keySet());
        return ids.size();
    }

    /** Computed now, unlike the gauge, which refreshes on writes at most every few seconds. */
    long memoryBytes() {
        return shards.values().stream().mapToLong(s -> s.segments.memoryBytes()).sum();
    }

    long liveVectors() {
        return metrics.liveVectors();
    }

    long sealedSegments() {
        return metrics.sealedSegments();
    }

    /**
     * A loaded shard: its segments, a copy of its persisted manifest, its build in flight and its
     * retry back-off after failed builds.
     */
    private static final class Shard {
        final int key;
        final int number;
        final ShardSegments segments;
        final ShardIndexMetrics.ShardStats stats;
        SegmentManifest manifest;
        SegmentBuild building;
        int failedBuilds;
        int writesBeforeRetry;

        Shard(int key, int number, ShardSegments segments, ShardIndexMetrics.ShardStats stats) {
            this.key = key;
            this.number = number;
            this.segments = segments;
            this.stats = stats;
        }
    }

    private record ShardHit(int shardKey, ScoredHit hit) {}
}
