package io.vectorstream.operators.index;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.DeadLetters;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.ShardSegments;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Holds the shards of one subtask as lists of segments and answers every broadcast query over all
 * of them.
 *
 * <p>This class is the Flink glue: state, inputs, timers, key switching and metrics. A loaded shard
 * and its writes are a {@link LoadedShard}, the strong-query gate is {@link ProgressGate}, and one
 * query's search over the shards is a {@link CrossShardSearch}.
 *
 * <p>Input 1 is keyed by shard key: writes, the decoders' progress markers and collection
 * announcements ({@link ShardMessage}). Input 2 is the broadcast query stream; each query yields
 * exactly one {@link IndexReply} per instance, even with no data, so the merger can count answers.
 * A query's metadata filter (checked by the query validator) is parsed once per query and evaluated
 * by every segment from the metadata it keeps in memory, never by reading candidates from state.
 *
 * <p>Keyed state is the source of truth, per shard (see DESIGN.md, "Shard state: segments"):
 *
 * <ul>
 *   <li>{@link #SHARD_MANIFEST}: the {@link SegmentManifest} (sealed segments and counters). It is
 *       tiny, so it is what a query iterates to find the shards; the big maps are never iterated
 *       across keys.
 *   <li>{@link #VECTORS}: id → {@link StoredVector} of every live vector (full vectors for PQ
 *       reranking and compaction; hits take their metadata from the segments in memory).
 *   <li>{@link #GROWING}: id → sequence number of the vectors in the growing segment.
 *   <li>{@link #SEGMENT_BLOBS}: each sealed segment's {@link SealedSegment#write} bytes in 1 MiB
 *       chunks, written once and deleted by compaction, so incremental checkpoints upload a segment
 *       once.
 *   <li>{@link #TOMBSTONES}: per sealed segment, 4 KiB bitsets of its dead ordinals.
 *   <li>{@link #WRITING_BLOB}: the segment whose blob chunks were started last, the only one a
 *       checkpoint can hold half written (see {@link ShardStateStore#load}).
 *   <li>{@link #SHARD_COLLECTION}: the settings of a created collection, from the decoders' {@link
 *       CollectionAnnouncement}, which precedes the shard's first vector. The shards of the
 *       configured collection have none and follow the configuration.
 * </ul>
 *
 * Blob and tombstone chunks are keyed {@code segmentId << 20 | chunkIndex} ({@link
 * ShardStateStore}).
 *
 * <p>The in-memory {@link ShardSegments} of each {@link LoadedShard} are a cache of that state,
 * loaded lazily on a shard's first query or write by reading blobs, never by rebuilding. When a
 * growing segment reaches the seal size, or a compaction is due, or a shard has had no write for
 * {@code index.seal-after-idle} (then its growing segment is sealed and its small segments merged:
 * see {@link #scheduleRestCheck}), the index is built on a {@link SegmentBuildPool} thread; the
 * finished segment comes back through a queue that the task thread drains before every record and
 * from a processing-time timer (whose callbacks run in the task's mailbox), and is installed there
 * in bounded steps, one before each record and one per timer tick ({@link LoadedShard#step}): its
 * blob chunks first, then the atomic swap and the manifest, then a lazy sweep of the sealed
 * vectors' growing entries. Until the swap the growing vectors stay in state, so a checkpoint taken
 * meanwhile is consistent and a restore simply seals again. Flink state is only ever touched on the
 * task thread.
 *
 * <p>A query carries its collection's shard keys; an instance searches those in its key-group
 * range. A strong query (read-your-writes) carries where the vectors topic ended when it was read,
 * and is answered only once the decoders' progress markers have covered that on every one of those
 * shards ({@link ProgressGate}): each shard's channel is FIFO, so the shard has then applied every
 * vector published before the query was read. Waiting queries are not checkpointed: a restart loses
 * them and the client times out, as with queries in flight elsewhere.
 *
 * <p>A collection whose dimension comes from its first vector is checked here, per shard: a write
 * of another dimension goes to {@link #DEAD_LETTERS}, a query of another dimension is answered with
 * a {@link PartialError}.
 */
public final class ShardIndexOperator extends AbstractStreamOperator<IndexReply>
        implements TwoInputStreamOperator<ShardMessage, Query, IndexReply> {
    private static final long serialVersionUID = 2L;

    /** Writes a shard refused: see the class comment. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("index-dead-letters", new AvroTypeInfo<>(DeadLetter.class));

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

    /** Id of the segment whose blob chunks were written last (see {@link ShardStateStore#load}). */
    static final ValueStateDescriptor<Long> WRITING_BLOB =
            new ValueStateDescriptor<>("writing-blob", Types.LONG);

    /** {@link Collection#toBytes()} of a created collection, on each of its shards. */
    public static final ValueStateDescriptor<byte[]> SHARD_COLLECTION =
            new ValueStateDescriptor<>(
                    "shard-collection", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** How often the task thread looks for finished builds while some are in flight. */
    private static final long DRAIN_INTERVAL_MS = 10;

    /**
     * How soon the next step of an install or sweep comes when no record brings it: the timer's
     * callback waits in the mailbox behind the records and queries that arrived meanwhile.
     */
    private static final long STEP_INTERVAL_MS = 1;

    private final VectorStreamConfig cfg;
    private final Collection configured;
    private final SegmentBuildPool.Builder builder;

    private transient ShardStateStore store;
    private transient ValueState<byte[]> collectionState;
    private transient Map<Integer, LoadedShard> shards;
    private transient LoadedShard.Context shardContext;
    private transient KeyGroupRange keyGroups;
    private transient int maxParallelism;
    private transient Map<Integer, int[]> keysOfOrdinal;
    private transient SegmentBuildPool builds;
    private transient ShardIndexMetrics metrics;
    private transient CrossShardSearch search;

    /** Keys of the shards this subtask holds: see {@link #reportRestoredShards}. */
    private transient Set<Integer> heldShards;

    /** Shards whose install or sweep has work left ({@link LoadedShard#hasWork}), in order. */
    private transient Set<LoadedShard> busy;

    /** Finished builds waiting for or in their install; read by the metrics thread. */
    private transient volatile int installsInProgress;

    /** When the next drain timer fires; {@link Long#MAX_VALUE} for none. */
    private transient long drainAt;

    private transient boolean restCheckScheduled;

    private transient ProgressGate<StreamRecord<Query>> gate;

    /** The heap budget this subtask shares with the other index subtasks of its TaskManager. */
    private transient MemoryBudget budget;

    /** Whether {@link #relieve} last found the budget under pressure. */
    private transient boolean pressed;

    public ShardIndexOperator(VectorStreamConfig cfg) {
        this(cfg, SegmentBuild::run);
    }

    /** With {@code builder} in place of {@link SegmentBuild#run}, to test failing builds. */
    ShardIndexOperator(VectorStreamConfig cfg, SegmentBuildPool.Builder builder) {
        this.cfg = cfg;
        this.builder = builder;
        this.configured = Collection.configured(cfg);
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
                        getPartitionedState(TOMBSTONES),
                        getPartitionedState(WRITING_BLOB));
        collectionState = getPartitionedState(SHARD_COLLECTION);
        shards = new HashMap<>();
        var task = getRuntimeContext().getTaskInfo();
        maxParallelism = task.getMaxNumberOfParallelSubtasks();
        keysOfOrdinal = new HashMap<>();
        keyGroups =
                KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        task.getMaxNumberOfParallelSubtasks(),
                        task.getNumberOfParallelSubtasks(),
                        task.getIndexOfThisSubtask());
        builds =
                new SegmentBuildPool(
                        builder,
                        cfg.index().buildThreads(),
                        "vectorstream-build-" + task.getIndexOfThisSubtask() + "-");
        heldShards = ConcurrentHashMap.newKeySet();
        busy = new LinkedHashSet<>();
        drainAt = Long.MAX_VALUE;
        // A build counts as in flight until it is installed.
        metrics =
                new ShardIndexMetrics(
                        getMetricGroup(),
                        heldShards::size,
                        () -> builds.inFlight() + installsInProgress);
        shardContext =
                new LoadedShard.Context(
                        store, metrics, this::submitBuild, cfg.limits().maxSegmentBytes());
        search =
                new CrossShardSearch(
                        new SearchedShards(),
                        store,
                        task.getIndexOfThisSubtask(),
                        cfg.limits().maxAnswerBytes());
        reportRestoredShards();
        gate = new ProgressGate<>(this::expireAt, cfg.limits().maxStrongQueriesHeld());
        var group = getMetricGroup().addGroup("vectorstream");
        group.gauge("strongQueriesWaiting", gate::pending);
        var memory = cfg.memory();
        budget =
                MemoryBudget.of(memory.budgetBytes(), memory.budgetFraction(), memory.tierDownAt());
        group.gauge("memoryBudgetBytes", budget::limit);
        group.gauge("memoryUsedBytes", budget::used);
        group.gauge("memoryPressure", () -> budget.pressure().ordinal());
        scheduleMemoryCheck();
    }

    /**
     * Shards load lazily, on their first query or write; until then their gauges show what their
     * manifests say, so a restored index does not look empty on a dashboard. The shards held are
     * the configured collection's in this subtask's key groups, and those of other collections once
     * they hold data.
     */
    private void reportRestoredShards() throws Exception {
        for (int key : keysOf(configured)) {
            if (holds(key)) {
                heldShards.add(key);
            }
        }
        for (Integer key : shardKeys()) {
            setCurrentKey(key);
            SegmentManifest m = store.manifest();
            if (m != null) {
                Collection c = collectionOfCurrentKey();
                metrics.shard(c.name(), shardNumber(c, key)).fromManifest(m);
                heldShards.add(key);
            }
        }
    }

    private boolean holds(int key) {
        return keyGroups.contains(KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism));
    }

    /** The keys among {@code q}'s shards that this subtask holds. */
    private List<Integer> heldKeys(Query q) {
        List<Integer> out = new ArrayList<>();
        for (int key : q.shardKeys) {
            if (holds(key)) {
                out.add(key);
            }
        }
        return out;
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
        if (budget != null) {
            budget.leave(this);
        }
        if (builds != null) {
            builds.close();
        }
        super.close();
    }

    @Override
    public void processElement1(StreamRecord<ShardMessage> record) throws Exception {
        installFinishedBuilds();
        ShardMessage message = record.getValue();
        if (message instanceof VectorWrite write) {
            write(write);
        } else if (message instanceof ProgressMarker marker) {
            progress(marker);
        } else if (collectionState.value() == null) {
            collectionState.update(((CollectionAnnouncement) message).collection);
        }
    }

    private void write(VectorWrite op) throws Exception {
        if (!op.delete && (op.failure != null || op.vector == null)) {
            // Its embedding failed (or, a bug, never ran): the record, not the job, pays.
            metrics.writesRefused.inc();
            output.collect(
                    DEAD_LETTERS,
                    new StreamRecord<>(
                            DeadLetters.of(
                                    op,
                                    "EMBEDDING_FAILED",
                                    op.failure != null ? op.failure : "the write has no vector",
                                    cfg.limits())));
            return;
        }
        LoadedShard shard = op.delete ? shard(op.shardKey) : shardForWrite(op.shardKey, op);
        if (shard == null) {
            return; // a delete in a shard that never held a vector
        }
        if (op.delete) {
            shard.delete(op.id);
        } else {
            String refusal = shard.refusal(op);
            if (refusal != null) {
                metrics.writesRefused.inc();
                output.collect(
                        DEAD_LETTERS,
                        new StreamRecord<>(
                                DeadLetters.of(op, "WRONG_DIMENSION", refusal, cfg.limits())));
                return;
            }
            throttleIfOverBudget();
            shard.upsert(op);
        }
        if (op.publishedAtMs > 0) {
            // Publish to searchable: the write is in the growing segment, which queries scan.
            metrics.freshnessLagMs.update(
                    Math.max(0, System.currentTimeMillis() - op.publishedAtMs));
        }
        shard.lastWriteMs = getProcessingTimeService().getCurrentProcessingTime();
        shard.startBuildIfDue();
        scheduleRestCheck();
        shard.refreshStats();
        relieve(shard);
    }

    /**
     * While the budget is exceeded, an upsert waits {@code memory.throttle-pause} before it is
     * applied: the vectors topic backs up (Flink's backpressure, visible on the upstream tasks)
     * while queries on the other input are answered between the waits, and the tier-downs in flight
     * finish and free memory meanwhile.
     */
    private void throttleIfOverBudget() throws Exception {
        if (budget.pressure() != MemoryBudget.Pressure.THROTTLE) {
            return;
        }
        long start = System.nanoTime();
        Thread.sleep(cfg.memory().throttlePauseMs());
        metrics.throttledWrites.inc();
        metrics.throttledMillis.inc((System.nanoTime() - start) / 1_000_000);
        installFinishedBuilds();
        reportMemory();
    }

    /**
     * Reports this subtask's memory to the budget, and under pressure makes every shard build
     * binary segments and starts moving {@code shard}'s coldest full segment to the binary tier
     * (the current key must be {@code shard}'s).
     */
    private void relieve(LoadedShard shard) throws Exception {
        reportMemory();
        boolean now = budget.pressure() != MemoryBudget.Pressure.NONE;
        if (now != pressed) {
            pressed = now;
            for (LoadedShard s : shards.values()) {
                s.segments.buildIntoBinary(pressed);
            }
        } else {
            shard.segments.buildIntoBinary(pressed); // loaded since the last change, perhaps
        }
        if (pressed && shard.startTierDown()) {
            metrics.tierDowns.inc();
        }
    }

    private void reportMemory() {
        budget.report(this, metrics.memoryBytes());
    }

    /** How often shards without writes are looked at for the memory budget. */
    private static final long MEMORY_CHECK_MS = 1_000;

    /**
     * Every {@link #MEMORY_CHECK_MS}, relieves the budget through every loaded shard, so a shard
     * that only answers queries (or a subtask whose neighbours fill the TaskManager) tiers down
     * too.
     */
    private void scheduleMemoryCheck() {
        long at = getProcessingTimeService().getCurrentProcessingTime() + MEMORY_CHECK_MS;
        getProcessingTimeService()
                .registerTimer(
                        at,
                        time -> {
                            installFinishedBuilds();
                            Object key = getCurrentKey();
                            try {
                                for (LoadedShard shard : List.copyOf(shards.values())) {
                                    setCurrentKey(shard.key);
                                    relieve(shard);
                                }
                            } finally {
                                if (key != null) {
                                    setCurrentKey(key);
                                }
                            }
                            reportMemory();
                            scheduleMemoryCheck();
                        });
    }

    @Override
    public void processElement2(StreamRecord<Query> record) throws Exception {
        installFinishedBuilds();
        Query q = record.getValue();
        if (q.strong) {
            try {
                if (!gate.queryArrived(
                        q.requestKey,
                        heldKeys(q).stream().mapToInt(Integer::intValue).toArray(),
                        q.endPartitions,
                        q.endOffsets,
                        q.deadlineMs,
                        record)) {
                    return; // answered by the marker that covers it, or expired
                }
            } catch (ProgressGate.Full e) {
                refuse(record, "TOO_MANY_STRONG_QUERIES", e.getMessage());
                return;
            }
        }
        answer(record);
    }

    /** Notes a decoder's progress on one shard; answers the strong queries it completes. */
    private void progress(ProgressMarker marker) throws Exception {
        List<StreamRecord<Query>> released =
                gate.markerArrived(marker.shardKey, marker.partitions, marker.offsets);
        if (released.isEmpty()) {
            return;
        }
        Object key = getCurrentKey();
        try {
            for (StreamRecord<Query> query : released) {
                answer(query);
            }
        } finally {
            setCurrentKey(key);
        }
    }

    /** Forgets a strong query's wait at its deadline; by then the merger answered without us. */
    private void expireAt(String requestKey, long deadlineMs) {
        getProcessingTimeService()
                .registerTimer(
                        deadlineMs,
                        time -> {
                            if (gate.expire(requestKey)) {
                                metrics.strongQueriesExpired.inc();
                            }
                        });
    }

    private void refuse(StreamRecord<Query> record, String code, String message) {
        Query q = record.getValue();
        output.collect(
                new StreamRecord<>(
                        new PartialError(q.queryId, q.requestKey, code, message),
                        record.getTimestamp()));
    }

    /** Searches every shard of this instance and emits the one partial answer to the query. */
    private void answer(StreamRecord<Query> record) throws Exception {
        PartialResult p;
        try {
            p = search.answer(record.getValue());
        } catch (CrossShardSearch.WrongDimension e) {
            refuse(record, "WRONG_DIMENSION", e.getMessage());
            return;
        }
        metrics.searchLatencyMicros.update(p.searchMicros);
        output.collect(new StreamRecord<>(p, record.getTimestamp()));
    }

    /** Hands {@code build} to the pool and polls for its end. */
    private void submitBuild(LoadedShard shard, SegmentBuild build) {
        builds.submit(
                shard.key, build, shard.segments.spec(), shard.collection.index().memoryTier());
        scheduleDrain();
    }

    /**
     * Takes the builds that finished since the last call and does one step of the installs and
     * sweeps in progress: at most {@link LoadedShard#CHUNKS_PER_STEP} blob chunks and {@link
     * LoadedShard#SWEEPS_PER_STEP} growing entries over all shards, so the records and queries
     * behind it wait about a millisecond at most (see {@link LoadedShard#step}). Keeps the current
     * key.
     */
    private void installFinishedBuilds() throws Exception {
        SegmentBuildPool.Finished f = builds.poll();
        if (f == null && busy.isEmpty()) {
            return;
        }
        Object key = getCurrentKey();
        try {
            for (; f != null; f = builds.poll()) {
                LoadedShard shard = shards.get(f.shardKey());
                if (shard == null || !shard.awaits(f.build())) {
                    continue; // cannot happen within one operator instance; ignore, not corrupt
                }
                shard.finished(f);
                if (shard.hasWork()) {
                    busy.add(shard);
                }
            }
            LoadedShard.StepBudget budget = new LoadedShard.StepBudget();
            for (Iterator<LoadedShard> it = busy.iterator(); it.hasNext() && !budget.spent(); ) {
                LoadedShard shard = it.next();
                setCurrentKey(shard.key);
                shard.step(budget);
                if (!shard.hasWork()) {
                    it.remove();
                }
            }
            int installing = 0;
            for (LoadedShard shard : busy) {
                installing += shard.installsQueued();
            }
            installsInProgress = installing;
        } finally {
            if (key != null) {
                setCurrentKey(key);
            }
        }
        scheduleDrain();
    }

    /**
     * Registers one timer that brings shards without writes for {@code index.seal-after-idle} to
     * rest: their growing segments are sealed, then their segments merged into one ({@link
     * LoadedShard#startBuildIfDue(double)}), so an index at rest is searched through one graph per
     * shard. It re-registers itself while some shard may still need it.
     */
    private void scheduleRestCheck() {
        if (restCheckScheduled || cfg.sealAfterIdleMs() == 0) {
            return;
        }
        restCheckScheduled = true;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService()
                .registerTimer(
                        now + cfg.sealAfterIdleMs(),
                        time -> {
                            restCheckScheduled = false;
                            restIdleShards(time);
                        });
    }

    private void restIdleShards(long now) throws Exception {
        installFinishedBuilds();
        boolean pending = false;
        Object key = getCurrentKey();
        try {
            for (LoadedShard shard : shards.values()) {
                boolean unsettled =
                        shard.segments.growingCount() > 0 || shard.segments.sealed().size() > 1;
                // A merge in flight does not hold back the idle seal, which has a lane of its own;
                // a merge at rest waits until nothing is growing.
                if (shard.segments.sealing()
                        || (shard.segments.merging() && shard.segments.growingCount() == 0)) {
                    pending = true;
                } else if (unsettled && now - shard.lastWriteMs < cfg.sealAfterIdleMs()) {
                    pending = true; // written to lately: look again later
                } else if (unsettled) {
                    setCurrentKey(shard.key);
                    double quietPeriods =
                            (double) (now - shard.lastWriteMs) / cfg.sealAfterIdleMs();
                    shard.startBuildIfDue(quietPeriods);
                    // Looked at again while it holds more than one segment: a longer quiet may
                    // fold them (idle ticks also count down a failed build's back-off).
                    pending = true;
                }
            }
        } finally {
            if (key != null) {
                setCurrentKey(key);
            }
        }
        if (pending) {
            scheduleRestCheck();
        }
    }

    /**
     * Registers a drain timer while builds are in flight (in {@link #DRAIN_INTERVAL_MS}) or
     * installs and sweeps have work left (in {@link #STEP_INTERVAL_MS}), unless one comes sooner;
     * it re-registers itself.
     */
    private void scheduleDrain() {
        long delay;
        if (!busy.isEmpty()) {
            delay = STEP_INTERVAL_MS;
        } else if (builds.inFlight() > 0) {
            delay = DRAIN_INTERVAL_MS;
        } else {
            return;
        }
        long at = getProcessingTimeService().getCurrentProcessingTime() + delay;
        if (at >= drainAt) {
            return;
        }
        drainAt = at;
        getProcessingTimeService()
                .registerTimer(
                        at,
                        time -> {
                            if (drainAt == at) {
                                drainAt = Long.MAX_VALUE;
                            }
                            installFinishedBuilds();
                            scheduleDrain();
                        });
    }

    /** The shard of {@code key} (the current key), loading it from state; null if it has none. */
    private LoadedShard shard(int key) throws Exception {
        LoadedShard shard = shards.get(key);
        if (shard != null) {
            return shard;
        }
        SegmentManifest m = store.manifest();
        if (m == null || m.dimension() == 0) {
            return null;
        }
        Collection c = collectionOfCurrentKey();
        int number = shardNumber(c, key);
        ShardStateStore.Loaded loaded =
                store.load(m, LoadedShard.spec(c, number, m.dimension()), c.index().memoryTier());
        metrics.segmentLoads.inc(m.segments().size());
        return register(key, c, number, loaded.segments(), m, loaded.sealedGrowing());
    }

    /** The shard of an upsert's key (the current key), created if it holds no vector yet. */
    private LoadedShard shardForWrite(int key, VectorWrite op) throws Exception {
        LoadedShard shard = shard(key);
        if (shard != null) {
            return shard;
        }
        int dimension = op.vector.length;
        Collection c = collectionOfCurrentKey();
        ShardSegments segments =
                new ShardSegments(LoadedShard.spec(c, op.shard, dimension), c.index().memoryTier());
        return register(
                key,
                c,
                op.shard,
                segments,
                new SegmentManifest(dimension, List.of(), 0, 0, 0, 0),
                List.of());
    }

    private LoadedShard register(
            int key,
            Collection collection,
            int number,
            ShardSegments segments,
            SegmentManifest manifest,
            List<String> sealedGrowing) {
        LoadedShard shard =
                new LoadedShard(
                        key,
                        number,
                        collection,
                        segments,
                        manifest,
                        sealedGrowing,
                        metrics.shard(collection.name(), number),
                        shardContext);
        shard.refreshStats();
        shards.put(key, shard);
        heldShards.add(key);
        metrics.shardLoads.inc();
        // A loaded shard's quiet time counts from its load; it comes to rest too if no write
        // follows.
        shard.lastWriteMs = getProcessingTimeService().getCurrentProcessingTime();
        if (segments.growingCount() > 0 || segments.sealed().size() > 1) {
            scheduleRestCheck();
        }
        if (shard.hasWork()) {
            busy.add(shard); // sealed growing entries a checkpoint held: swept from the next step
            scheduleDrain();
        }
        return shard;
    }

    /** The keys of {@code c}'s shards, by shard number. */
    private int[] keysOf(Collection c) {
        return keysOfOrdinal.computeIfAbsent(
                c.ordinal(), o -> new ShardRouter(c.shards(), maxParallelism, o).keys());
    }

    /** The collection of the current key: announced, or else the configured one. */
    private Collection collectionOfCurrentKey() throws Exception {
        byte[] announced = collectionState.value();
        return announced == null
                ? configured
                : Collection.fromBytes(announced, cfg.index().buildThreads());
    }

    /** The number of the shard of {@code c} whose key is {@code key}. */
    private int shardNumber(Collection c, int key) {
        int[] keys = keysOf(c);
        for (int s = 0; s < keys.length; s++) {
            if (keys[s] == key) {
                return s;
            }
        }
        throw new IllegalStateException(
                "key " + key + " is not a shard of collection '" + c.name() + "'");
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

    long tierDowns() {
        return metrics.tierDowns.getCount();
    }

    long throttledWrites() {
        return metrics.throttledWrites.getCount();
    }

    /** Sealed segments loaded here in {@code tier}. */
    long segmentsIn(MemoryTier tier) {
        return shards.values().stream()
                .flatMap(s -> s.segments.sealed().stream())
                .filter(segment -> segment.tier() == tier)
                .count();
    }

    /** Builds running or being installed, as the gauge counts them. */
    int buildsInFlight() {
        return builds.inFlight() + installsInProgress;
    }

    /** Finished builds waiting for or in their install. */
    int installsInProgress() {
        return installsInProgress;
    }

    /** Growing entries of sealed vectors still to be deleted from state. */
    long sweepsLeft() {
        return shards.values().stream().mapToLong(LoadedShard::sweepsLeft).sum();
    }

    /** Strong queries waiting here for progress markers. */
    int strongQueriesPending() {
        return gate.pending();
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

    /** What the search sees of the shards: held keys, and a shard made the current key. */
    private final class SearchedShards implements CrossShardSearch.Shards {
        @Override
        public List<Integer> keysOf(Query q) {
            return heldKeys(q);
        }

        @Override
        public LoadedShard select(int key) throws Exception {
            setCurrentKey(key);
            return shard(key);
        }
    }
}
