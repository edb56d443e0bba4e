package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and checks records of the vectors topic. A good record becomes a {@link VectorOp} routed
 * to its shard; a bad one goes, with its original bytes and the reason, to {@link #DEAD_LETTERS}.
 * Never throws on input.
 */
public final class RecordValidator extends ProcessFunction<RawMessage, VectorOp> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    private final VectorStreamConfig cfg;
    private final ShardRouter router;
    private transient Counter accepted;
    private transient Counter rejected;

    public RecordValidator(VectorStreamConfig cfg) {
        this.cfg = cfg;
        this.router = new ShardRouter(cfg.shards(), cfg.maxParallelism());
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        accepted = group.counter("recordsAccepted");
        rejected = group.counter("recordsRejected");
    }

    @Override
    public void processElement(RawMessage m, Context ctx, Collector<VectorOp> out) {
        try {
            out.collect(validate(m));
            accepted.inc();
        } catch (Rejection r) {
            rejected.inc();
            ctx.output(DEAD_LETTERS, deadLetter(m, r));
        }
    }

    private VectorOp validate(RawMessage m) throws Rejection {
        VectorChecks.checkSize(m.value, cfg);
        VectorRecord r;
        try {
            r = PayloadCodec.decodeVectorRecord(m.value);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
        VectorChecks.checkId(r.getId(), "id", "MISSING_ID", cfg);
        if (m.key != null && !Arrays.equals(m.key, r.getId().getBytes(StandardCharsets.UTF_8))) {
            throw new Rejection(
                    "KEY_MISMATCH",
                    "Kafka key must be the record id (UTF-8) so that writes of one id stay in"
                            + " order");
        }
        VectorChecks.checkCollection(r.getCollection(), cfg);

        VectorOp op = new VectorOp();
        op.id = r.getId();
        op.shard = router.shardOf(op.id);
        op.shardKey = router.keyOf(op.shard);
        op.eventTimeMs = r.getEventTimeMs() != null ? r.getEventTimeMs() : m.timestampMs;
        op.delete = r.getOp() == Op.DELETE;
        if (!op.delete) {
            if (r.getVector() == null) {
                throw new Rejection("MISSING_VECTOR", "an UPSERT needs a vector");
            }
            op.vector = VectorChecks.vector(r.getVector(), cfg);
            op.metadata = r.getMetadata();
            op.text = r.getText();
        }
        return op;
    }

    private static DeadLetter deadLetter(RawMessage m, Rejection r) {
        return DeadLetter.newBuilder()
                .setCode(r.code)
                .setReason(r.getMessage())
                .setTopic(m.topic == null ? "" : m.topic)
                .setPartition(m.partition)
                .setOffset(m.offset)
                .setTimestampMs(m.timestampMs)
                .setKey(m.key == null ? null : ByteBuffer.wrap(m.key))
                .setValue(m.value == null ? null : ByteBuffer.wrap(m.value))
                .build();
    }
}
