package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.CoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gatekeeper: decodes and checks every vector record (input 1) and query (input 2).
 *
 * <p>A good record goes out as a {@link VectorOp}; a bad one goes to {@link #DEAD_LETTERS} with its
 * original bytes and the reason. A good query goes to {@link #QUERIES} with its deadline; a bad one
 * is answered at once on {@link #REJECTED} with an error naming the problem, so nobody waits for
 * it. Never throws on input.
 *
 * <p>It also owns the collection's dimension. When the configuration leaves it at 0, the first
 * accepted upsert fixes it, and that choice is checkpointed. One decision for the whole job needs
 * one instance, so this operator runs with parallelism 1; it only decodes and checks, which is
 * cheap next to indexing.
 */
public final class RequestValidator extends CoProcessFunction<RawMessage, RawMessage, VectorOp>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RequestValidator.class);

    public static final OutputTag<Query> QUERIES =
            new OutputTag<>("valid-queries", Types.POJO(Query.class));

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    public static final OutputTag<Answer> REJECTED =
            new OutputTag<>("rejected-queries", Types.POJO(Answer.class));

    static final ListStateDescriptor<Integer> DIMENSION =
            new ListStateDescriptor<>("collection-dimension", Types.INT);

    private final VectorStreamConfig cfg;
    private final String resultsTopic;
    private final VectorOpDecoder records;
    private final QueryDecoder queries;
    private final ReplyTopics replyTopics;

    private transient ListState<Integer> dimensionState;
    private transient int dimension;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient Counter queriesRejected;

    /**
     * @param resultsTopic where answers go when a query names no reply topic
     * @param replyTopics tells which reply topics exist
     */
    public RequestValidator(VectorStreamConfig cfg, String resultsTopic, ReplyTopics replyTopics) {
        this.cfg = cfg;
        this.resultsTopic = resultsTopic;
        this.replyTopics = replyTopics;
        this.records = new VectorOpDecoder(cfg);
        this.queries = new QueryDecoder(cfg);
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        dimensionState = ctx.getOperatorStateStore().getListState(DIMENSION);
        dimension = cfg.dimension();
        for (Integer stored : dimensionState.get()) {
            if (dimension == 0) {
                dimension = stored;
            } else if (stored != dimension) {
                throw new IllegalStateException(
                        "vectorstream.collection.dimension is "
                                + dimension
                                + " but the restored collection holds "
                                + stored
                                + "-d vectors; set it to "
                                + stored
                                + " or start with empty state");
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        dimensionState.update(dimension == 0 ? List.of() : List.of(dimension));
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        accepted = group.counter("recordsAccepted");
        rejected = group.counter("recordsRejected");
        queriesRejected = group.counter("queriesRejected");
        group.gauge("dimension", () -> dimension);
        replyTopics.open();
    }

    @Override
    public void close() throws Exception {
        replyTopics.close();
        super.close();
    }

    /** The collection's dimension, 0 until known. */
    public int dimension() {
        return dimension;
    }

    @Override
    public void processElement1(RawMessage m, Context ctx, Collector<VectorOp> out) {
        try {
            VectorOp op = records.decode(m, dimension);
            if (dimension == 0 && !op.delete) {
                dimension = op.vector.length;
                LOG.info(
                        "Collection '{}' takes dimension {} from its first vector",
                        cfg.collection(),
                        dimension);
            }
            out.collect(op);
            accepted.inc();
        } catch (Rejection r) {
            rejected.inc();
            ctx.output(DEAD_LETTERS, deadLetter(m, r));
        }
    }

    @Override
    public void processElement2(RawMessage m, Context ctx, Collector<VectorOp> out) {
        boolean json = looksLikeJson(m.value);
        String replyTo = m.replyTo == null || m.replyTo.isEmpty() ? resultsTopic : m.replyTo;
        long now = ctx.timerService().currentProcessingTime();
        try {
            if (!replyTo.equals(resultsTopic) && !replyTopics.exists(replyTo)) {
                String asked = replyTo;
                replyTo = resultsTopic;
                throw new Rejection(
                        "UNKNOWN_REPLY_TOPIC",
                        "reply-to topic '"
                                + asked
                                + "' does not exist (or is not a legal topic name); create it"
                                + " first. This answer went to '"
                                + resultsTopic
                                + "' instead");
            }
            ctx.output(QUERIES, queries.decode(m, dimension, now, replyTo, json));
        } catch (Rejection e) {
            queriesRejected.inc();
            String queryId = queryIdOf(m);
            QueryResponse response =
                    QueryResponse.newBuilder()
                            .setQueryId(queryId)
                            .setHits(List.of())
                            .setComplete(false)
                            .setError(new QueryError(e.code, e.getMessage()))
                            .build();
            ctx.output(
                    REJECTED,
                    new Answer(
                            queryId,
                            replyTo,
                            m.correlationId,
                            PayloadCodec.encode(
                                    response, json ? WireFormat.JSON : WireFormat.AVRO)));
        }
    }

    /** The query id of a rejected request: from the payload if it decodes, else the Kafka key. */
    private static String queryIdOf(RawMessage m) {
        try {
            return PayloadCodec.decodeQueryRequest(m.value).getQueryId();
        } catch (RuntimeException e) {
            return m.key == null ? "" : new String(m.key, StandardCharsets.UTF_8);
        }
    }

    private static boolean looksLikeJson(byte[] payload) {
        try {
            return WireFormat.detect(payload) == WireFormat.JSON;
        } catch (CodecException e) {
            return true; // unreadable: answer in the form a person with a console tool can read
        }
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
