package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.DeadLetters;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.schema.DeadLetter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and checks the vectors topic, in parallel: each instance takes the records of the
 * partitions its source instance reads (input 1) and the collections the control operator created
 * (input 2, broadcast; kept in broadcast state, see {@link CatalogView}).
 *
 * <p>A good record goes out as a {@link VectorWrite} keyed by its shard; a bad one goes to {@link
 * #DEAD_LETTERS} with its original bytes and the reason. Never throws on input. A collection this
 * instance has not seen before is announced ({@link CollectionAnnouncement}) to each of its shards
 * ahead of any of its records on the same channels.
 *
 * <p>A collection whose dimension is left to its first vector (the configured one, with {@code
 * dimension: 0}) takes it here from the first vector this instance accepts, and later records of
 * another dimension are dead letters, as with a fixed dimension. The instances decide apart, so
 * racing first vectors of different dimensions may pin different ones; each shard therefore also
 * takes its dimension from its own first vector and refuses others (see {@code
 * ShardIndexOperator}). The pins are checkpointed; a restore that finds them disagreeing drops
 * them.
 *
 * <p>It also tells every shard how far it has read ({@link ProgressMarker}), at most every {@value
 * #MARKER_INTERVAL_MS} ms and only when that moved: strong queries wait at the index for markers
 * that cover where the vectors topic ended when they were read. The offsets are checkpointed
 * ({@link PartitionProgress}).
 */
public final class VectorValidator extends AbstractStreamOperator<ShardMessage>
        implements TwoInputStreamOperator<RawMessage, CatalogUpdate, ShardMessage> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    /** (partition, highest offset processed), every instance's, restored to every instance. */
    static final ListStateDescriptor<Tuple2<Integer, Long>> VECTOR_OFFSETS =
            new ListStateDescriptor<>("vector-offsets", Types.TUPLE(Types.INT, Types.LONG));

    /** (collection, dimension) pinned by a first vector, every instance's, restored to each. */
    static final ListStateDescriptor<Tuple2<String, Integer>> PINNED_DIMENSIONS =
            new ListStateDescriptor<>("pinned-dimensions", Types.TUPLE(Types.STRING, Types.INT));

    /**
     * The longest a moved offset waits before the shards hear of it: the most it adds to a strong
     * query's wait, for at most 1000/interval markers per second per shard and instance.
     */
    static final long MARKER_INTERVAL_MS = 5;

    private final VectorStreamConfig cfg;
    private final List<byte[]> history;
    private final VectorOpDecoder records;

    private transient BroadcastState<String, byte[]> catalogState;
    private transient CatalogView catalog;
    private transient ListState<Tuple2<Integer, Long>> offsetsState;
    private transient ListState<Tuple2<String, Integer>> pinnedState;

    /** Dimensions this instance's first vectors fixed, by collection; see the class comment. */
    private transient Map<String, Integer> pinned;

    private transient PartitionProgress progress;
    private transient List<CollectionCatalog.Served> toAnnounce;
    private transient boolean markerTimerSet;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient RejectionCounters rejectedByReason;

    /**
     * @param history the control topic's payloads when the job was submitted
     */
    public VectorValidator(VectorStreamConfig cfg, List<byte[]> history) {
        this.cfg = cfg;
        this.history = List.copyOf(history);
        this.records = new VectorOpDecoder(cfg);
    }

    @Override
    public void initializeState(StateInitializationContext ctx) throws Exception {
        super.initializeState(ctx);
        catalogState = ctx.getOperatorStateStore().getBroadcastState(CatalogView.CATALOG);
        catalog = new CatalogView(cfg, catalogState, history, ctx.isRestored());
        offsetsState = ctx.getOperatorStateStore().getUnionListState(VECTOR_OFFSETS);
        pinnedState = ctx.getOperatorStateStore().getUnionListState(PINNED_DIMENSIONS);
        pinned = new HashMap<>();
        Map<String, Integer> disagreeing = new HashMap<>();
        for (Tuple2<String, Integer> p : pinnedState.get()) {
            Integer before = pinned.putIfAbsent(p.f0, p.f1);
            if (before != null && !before.equals(p.f1)) {
                disagreeing.put(p.f0, p.f1);
            }
        }
        // Instances that pinned different dimensions (racing first vectors) leave it to the shards;
        // a pin the configuration overrides now is dropped, so it cannot come back later.
        disagreeing.keySet().forEach(pinned::remove);
        pinned.entrySet().removeIf(p -> !catalog.pinDimension(p.getKey(), p.getValue()));
        progress = new PartitionProgress();
        for (Tuple2<Integer, Long> e : offsetsState.get()) {
            progress.processed(e.f0, e.f1);
        }
        // Every created collection is announced once per instance lifetime: a shard keeps the
        // first. The configured one is not: its shards follow the configuration.
        toAnnounce = new ArrayList<>();
        for (CollectionCatalog.Served s : catalog.all()) {
            if (s.collection().ordinal() != Collection.CONFIGURED) {
                toAnnounce.add(s);
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext ctx) throws Exception {
        super.snapshotState(ctx);
        List<Tuple2<Integer, Long>> offsets = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : progress.offsets().entrySet()) {
            offsets.add(Tuple2.of(e.getKey(), e.getValue()));
        }
        offsetsState.update(offsets);
        List<Tuple2<String, Integer>> pins = new ArrayList<>();
        pinned.forEach((name, dimension) -> pins.add(Tuple2.of(name, dimension)));
        pinnedState.update(pins);
    }

    @Override
    public void open() throws Exception {
        super.open();
        var group = getMetricGroup().addGroup("vectorstream");
        accepted = group.counter("recordsAccepted");
        rejected = group.counter("recordsRejected");
        rejectedByReason = new RejectionCounters(group);
        group.gauge("dimension", () -> dimensionOf(cfg.collection()));
        scheduleMarkers();
    }

    @Override
    public void processElement1(StreamRecord<RawMessage> record) throws Exception {
        announce();
        RawMessage m = record.getValue();
        progress.processed(m.partition, m.offset);
        try {
            VectorOpDecoder.Decoded d = records.decode(m, catalog);
            VectorWrite w = d.write();
            if (w.vector != null && d.collection().dimension() == 0) {
                pinned.put(d.collection().name(), w.vector.length);
                catalog.pinDimension(d.collection().name(), w.vector.length);
            }
            output.collect(new StreamRecord<>(w));
            accepted.inc();
        } catch (Rejection r) {
            rejected.inc();
            rejectedByReason.record("recordsRejected", r.code);
            output.collect(
                    DEAD_LETTERS,
                    new StreamRecord<>(DeadLetters.of(m, r.code, r.getMessage(), cfg.limits())));
        }
        scheduleMarkers();
    }

    @Override
    public void processElement2(StreamRecord<CatalogUpdate> record) throws Exception {
        CollectionCatalog.Served added = catalog.apply(record.getValue(), catalogState);
        if (added != null) {
            toAnnounce.add(added);
            // Its shards have heard nothing from this instance yet, and may never if its
            // partitions stay idle: a strong query on them would wait for its deadline.
            progress.markUnsent();
            scheduleMarkers();
        }
        announce();
    }

    private int dimensionOf(String name) {
        try {
            return catalog.get(name).collection().dimension();
        } catch (Rejection e) {
            return 0;
        }
    }

    /** Sends the pending announcements; they go out before any record that could need them. */
    private void announce() {
        if (toAnnounce.isEmpty()) {
            return;
        }
        for (CollectionCatalog.Served s : toAnnounce) {
            byte[] bytes = s.collection().toBytes();
            for (int shard = 0; shard < s.router().shards(); shard++) {
                output.collect(
                        new StreamRecord<>(
                                new CollectionAnnouncement(shard, s.router().keyOf(shard), bytes)));
            }
        }
        toAnnounce.clear();
    }

    /** Arms the marker timer if offsets moved and none is armed. */
    private void scheduleMarkers() {
        if (markerTimerSet || !progress.unsent()) {
            return;
        }
        markerTimerSet = true;
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + MARKER_INTERVAL_MS, t -> sendMarkers());
    }

    /** One marker to every shard of every collection, with every partition's offset. */
    private void sendMarkers() {
        markerTimerSet = false;
        announce();
        PartitionProgress.Offsets o = progress.take();
        for (CollectionCatalog.Served s : catalog.all()) {
            for (int key : s.router().keys()) {
                output.collect(
                        new StreamRecord<>(new ProgressMarker(key, o.partitions(), o.offsets())));
            }
        }
    }
}
