package io.vectorstream.operators.index;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.state.flat.FlatIndex;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.search.SearchHits;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Holds the shards of one subtask and answers every broadcast query over all of them.
 *
 * <p>Input 1 is keyed by shard key: upserts and deletes. Input 2 is the broadcast query stream;
 * each query yields exactly one {@link PartialResult} per instance, even with no data, so the
 * merger can count answers. Keyed state is the source of truth: per shard, a map id → {@link
 * StoredVector} bytes and a tiny live-count marker that is what a query iterates to find the shards
 * (iterating the big map would scan every entry). The in-memory indexes are a cache derived from
 * that state, loaded on first use after a start or restore. A custom operator rather than a
 * KeyedBroadcastProcessFunction because later work needs timers on the query side. Runs on the task
 * thread only.
 */
public final class ShardIndexOperator extends AbstractStreamOperator<PartialResult>
        implements TwoInputStreamOperator<VectorOp, Query, PartialResult> {
    private static final long serialVersionUID = 1L;

    /** Live vectors of a shard; its presence marks the shard as existing in this subtask. */
    public static final ValueStateDescriptor<Long> SHARD_MARKER =
            new ValueStateDescriptor<>("shard-live-count", Types.LONG);

    /** id → {@link StoredVector#toBytes()} of every live vector of a shard. */
    public static final MapStateDescriptor<String, byte[]> VECTORS =
            new MapStateDescriptor<>(
                    "vectors", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final VectorStreamConfig cfg;
    private final ShardRouter router;

    private transient ValueState<Long> marker;
    private transient MapState<String, byte[]> vectors;
    private transient Map<Integer, FlatIndex> cache;
    private transient int shardsHeld;
    private transient Counter indexed;
    private transient Counter deleted;
    private transient Counter cacheLoads;
    private transient Histogram searchLatencyMicros;

    public ShardIndexOperator(VectorStreamConfig cfg) {
        this.cfg = cfg;
        this.router = new ShardRouter(cfg.shards(), cfg.maxParallelism());
    }

    @Override
    public void open() throws Exception {
        super.open();
        marker = getPartitionedState(SHARD_MARKER);
        vectors = getPartitionedState(VECTORS);
        cache = new HashMap<>();
        var task = getRuntimeContext().getTaskInfo();
        shardsHeld =
                router.shardsIn(
                        KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                                task.getMaxNumberOfParallelSubtasks(),
                                task.getNumberOfParallelSubtasks(),
                                task.getIndexOfThisSubtask()));
        var group = getMetricGroup().addGroup("vectorstream");
        indexed = group.counter("vectorsIndexed");
        deleted = group.counter("vectorsDeleted");
        cacheLoads = group.counter("shardLoads");
        searchLatencyMicros =
                group.histogram("searchLatencyMicros", new DescriptiveStatisticsHistogram(1000));
        group.gauge("liveVectors", () -> cache.values().stream().mapToLong(FlatIndex::size).sum());
        group.gauge("shardsHeld", () -> shardsHeld);
    }

    @Override
    public void processElement1(StreamRecord<VectorOp> record) throws Exception {
        VectorOp op = record.getValue();
        FlatIndex index = shardIndex(op.shardKey, op.delete ? 0 : op.vector.length);
        if (index == null) {
            return; // a delete in a shard that never held a vector
        }
        long live = index.size();
        if (op.delete) {
            if (index.delete(op.id)) {
                vectors.remove(op.id);
                deleted.inc();
            }
        } else {
            if (op.vector.length != index.dimension()) {
                // The validator fixes one dimension per collection, so this is a broken invariant.
                throw new IllegalStateException(
                        "vector "
                                + op.id
                                + " has dimension "
                                + op.vector.length
                                + " but shard "
                                + op.shard
                                + " holds "
                                + index.dimension()
                                + "-d vectors");
            }
            vectors.put(op.id, new StoredVector(op.vector, op.metadata, op.text).toBytes());
            index.upsert(op.id, op.vector);
            indexed.inc();
        }
        if (index.size() != live || marker.value() == null) {
            marker.update((long) index.size());
        }
    }

    @Override
    public void processElement2(StreamRecord<Query> record) throws Exception {
        Query q = record.getValue();
        long start = System.nanoTime();
        List<Integer> shardKeys;
        try (Stream<Integer> keys =
                this.<Integer>getKeyedStateBackend()
                        .getKeys(SHARD_MARKER.getName(), VoidNamespace.INSTANCE)) {
            shardKeys = keys.toList();
        }
        Comparator<ScoredHit> order = HitOrder.bestFirst(cfg.metric());
        List<ShardHit> candidates = new ArrayList<>();
        for (Integer key : shardKeys) {
            setCurrentKey(key);
            FlatIndex index = shardIndex(key, 0);
            if (index == null || index.dimension() != q.vector.length) {
                // Empty, or a query validated before the first vector fixed the dimension.
                continue;
            }
            SearchHits hits = index.search(q.vector, q.k);
            for (int i = 0; i < hits.size(); i++) {
                candidates.add(
                        new ShardHit(key, new ScoredHit(hits.ids()[i], hits.scores()[i], null)));
            }
        }
        candidates.sort((a, b) -> order.compare(a.hit, b.hit));
        List<ScoredHit> best = new ArrayList<>(Math.min(q.k, candidates.size()));
        for (ShardHit c : candidates.subList(0, Math.min(q.k, candidates.size()))) {
            if (q.includeMetadata) {
                setCurrentKey(c.shardKey);
                byte[] stored = vectors.get(c.hit.id);
                c.hit.metadata =
                        stored == null ? Map.of() : StoredVector.fromBytes(stored).metadata();
            }
            best.add(c.hit);
        }
        PartialResult p = new PartialResult();
        p.queryId = q.queryId;
        p.subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        p.shards = shardsHeld;
        p.hits = best;
        p.searchMicros = (System.nanoTime() - start) / 1000;
        searchLatencyMicros.update(p.searchMicros);
        output.collect(new StreamRecord<>(p, record.getTimestamp()));
    }

    /**
     * The cached index of the current shard, loaded from state on first use.
     *
     * @param dimensionIfNew dimension of a new index when the shard holds no vector yet, or 0 to
     *     return null in that case
     */
    private FlatIndex shardIndex(int shardKey, int dimensionIfNew) throws Exception {
        FlatIndex index = cache.get(shardKey);
        if (index != null) {
            return index;
        }
        for (Map.Entry<String, byte[]> e : vectors.entries()) {
            float[] v = StoredVector.fromBytes(e.getValue()).vector();
            if (index == null) {
                index = new FlatIndex(v.length, cfg.metric());
            }
            index.upsert(e.getKey(), v);
        }
        if (index == null) {
            if (dimensionIfNew == 0) {
                return null;
            }
            index = new FlatIndex(dimensionIfNew, cfg.metric());
        }
        cache.put(shardKey, index);
        cacheLoads.inc();
        return index;
    }

    private record ShardHit(int shardKey, ScoredHit hit) {}
}
