package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.Messages;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
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
 * <p>It also owns the catalog of collections ({@link CollectionCatalog}, checkpointed): the
 * configured one, whose dimension the first accepted upsert fixes when the configuration leaves it
 * at 0, and those created by control requests, which arrive on input 2 from the collections topic
 * and are answered at once with a {@code CollectionResponse}. A created collection is announced to
 * each of its shards ({@link VectorOp#announce}) on the keyed channel its vectors will take, so a
 * shard always knows a collection's settings before its first vector. One catalog for the whole job
 * needs one instance, so this operator runs with parallelism 1; it only decodes and checks, which
 * is cheap next to indexing. Both inputs are keyed by the one constant {@link #KEY}, which gives it
 * the keyed timers that strong queries need.
 *
 * <p>Strong queries (read-your-writes) are its third job, in a {@link StrongQueryGate}: on
 * accepting one it looks up where the vectors topic ends ({@link TopicEndOffsets}, asynchronously:
 * the task thread never waits for Kafka, and one lookup serves every strong query that arrived
 * before it started) and holds the query until it has processed every record up to there, counting
 * per partition the highest offset seen on input 1 (kept in {@link #VECTOR_OFFSETS}, so it agrees
 * with the source's checkpointed offsets after a restore). It then sends one barrier {@link
 * VectorOp} per shard on the main output, which is keyed by shard and so arrives after every
 * earlier vector of that shard, and only then the query; the index instances answer it once they
 * have seen the barriers of all their shards. A query still held at its deadline is answered here
 * with {@code complete=false} and no hits. Held queries live in memory, like every query in flight:
 * a restart loses them and their clients time out.
 *
 * <p>Every accepted query gets a {@link Query#requestKey} unique to it, which the merger and the
 * barriers key by: a client that reuses a query id gets two separate answers, never a mix.
 */
public final class RequestValidator
        extends KeyedCoProcessFunction<Integer, RawMessage, RawMessage, VectorOp>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RequestValidator.class);

    public static final OutputTag<Query> QUERIES =
            new OutputTag<>("valid-queries", Types.POJO(Query.class));

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));

    public static final OutputTag<Answer> REJECTED =
            new OutputTag<>("rejected-queries", Types.POJO(Answer.class));

    /** {@link Collection#toBytes()} of every collection. */
    static final ListStateDescriptor<byte[]> COLLECTIONS =
            new ListStateDescriptor<>(
                    "collections", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    /** (partition, highest offset processed) of every vectors partition seen. */
    static final ListStateDescriptor<Tuple2<Integer, Long>> VECTOR_OFFSETS =
            new ListStateDescriptor<>("vector-offsets", Types.TUPLE(Types.INT, Types.LONG));

    /** The key of both inputs: one validator instance, with keyed timers. */
    public static final KeySelector<RawMessage, Integer> KEY = m -> 0;

    /** How often a timer looks whether a strong query's end-offset lookup has completed. */
    private static final long LOOKUP_POLL_MS = 1;

    private final VectorStreamConfig cfg;
    private final String resultsTopic;
    private final VectorOpDecoder records;
    private final QueryDecoder queries;
    private final ReplyTopics replyTopics;
    private final TopicEndOffsets vectorsEnd;
    private final CollectionTopics control;

    private transient ListState<byte[]> catalogState;
    private transient CollectionCatalog catalog;

    /** Announcements of the collections a fresh start replayed, sent before the first record. */
    private transient List<VectorOp> announcements;

    private transient ListState<Tuple2<Integer, Long>> offsetsState;
    private transient StrongQueryGate strong;
    private transient long requestKeyBase;
    private transient long requestCount;
    private transient Counter accepted;
    private transient Counter rejected;
    private transient Counter queriesRejected;
    private transient Counter strongTimedOut;
    private transient Counter controlRejected;
    private transient RejectionCounters rejectedByReason;

    /**
     * @param resultsTopic where answers go when a query names no reply topic
     * @param replyTopics tells which reply topics exist
     * @param vectorsEnd tells where the vectors topic ends, for strong queries
     * @param control the collections topic, its answers' default topic and its history
     */
    public RequestValidator(
            VectorStreamConfig cfg,
            String resultsTopic,
            ReplyTopics replyTopics,
            TopicEndOffsets vectorsEnd,
            CollectionTopics control) {
        this.cfg = cfg;
        this.resultsTopic = resultsTopic;
        this.replyTopics = replyTopics;
        this.vectorsEnd = vectorsEnd;
        this.control = control;
        this.records = new VectorOpDecoder(cfg);
        this.queries = new QueryDecoder(cfg);
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        catalogState = ctx.getOperatorStateStore().getListState(COLLECTIONS);
        catalog = new CollectionCatalog(cfg);
        catalog.restore(catalogState.get());
        announcements = new ArrayList<>();
        if (!ctx.isRestored()) {
            replay(control.history());
        }
        offsetsState = ctx.getOperatorStateStore().getListState(VECTOR_OFFSETS);
        strong = new StrongQueryGate(vectorsEnd, cfg.limits().maxStrongQueriesHeld());
        for (Tuple2<Integer, Long> e : offsetsState.get()) {
            strong.processed(e.f0, e.f1);
        }
        // Request keys must not repeat across instances and restarts: a random base per instance.
        requestKeyBase = new SplittableRandom().nextLong();
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        catalogState.update(catalog.snapshot());
        Map<Integer, Long> processed = strong.processedOffsets();
        List<Tuple2<Integer, Long>> offsets = new ArrayList<>(processed.size());
        processed.forEach((partition, offset) -> offsets.add(Tuple2.of(partition, offset)));
        offsetsState.update(offsets);
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        accepted = group.counter("recordsAccepted");
        rejected = group.counter("recordsRejected");
        queriesRejected = group.counter("queriesRejected");
        strongTimedOut = group.counter("strongQueriesTimedOut");
        controlRejected = group.counter("collectionRequestsRejected");
        rejectedByReason = new RejectionCounters(group);
        group.gauge("dimension", this::dimension);
        group.gauge("collections", () -> catalog.size());
        group.gauge("strongQueriesHeld", () -> strong.held());
        replyTopics.open();
        vectorsEnd.open();
    }

    @Override
    public void close() throws Exception {
        replyTopics.close();
        vectorsEnd.close();
        super.close();
    }

    /** The configured collection's dimension, 0 until known. */
    public int dimension() {
        try {
            return catalog.get(cfg.collection()).collection().dimension();
        } catch (Rejection e) {
            throw new IllegalStateException("the configured collection is always there", e);
        }
    }

    @Override
    public void processElement1(RawMessage m, Context ctx, Collector<VectorOp> out) {
        announce(out);
        strong.processed(m.partition, m.offset);
        try {
            VectorOpDecoder.Decoded d = records.decode(m, catalog);
            VectorOp op = d.op();
            if (d.collection().dimension() == 0 && !op.delete) {
                catalog.fixDimension(d.collection().name(), op.vector.length);
                LOG.info(
                        "Collection '{}' takes dimension {} from its first vector",
                        d.collection().name(),
                        op.vector.length);
            }
            out.collect(op);
            accepted.inc();
        } catch (Rejection r) {
            rejected.inc();
            rejectedByReason.record("recordsRejected", r.code);
            ctx.output(DEAD_LETTERS, deadLetter(m, r, cfg.limits()));
        }
        if (!strong.idle()) {
            strong.poll(ctx.timerService().currentProcessingTime());
            emitStrong(ctx, out);
        }
    }

    @Override
    public void processElement2(RawMessage m, Context ctx, Collector<VectorOp> out) {
        announce(out);
        if (control.requests().equals(m.topic)) {
            controlRequest(m, ctx, out);
            return;
        }
        boolean json = looksLikeJson(m.value);
        String replyTo = replyTopic(m, resultsTopic);
        long now = ctx.timerService().currentProcessingTime();
        try {
            if (replyTo == null) {
                replyTo = resultsTopic;
                throw unknownReplyTopic(m, resultsTopic);
            }
            checkCorrelationId(m);
            Query q = queries.decode(m, catalog, now, replyTo, json);
            q.requestKey = Long.toString(requestKeyBase + requestCount++, 36);
            if (!q.strong) {
                ctx.output(QUERIES, q);
                return;
            }
            strong.add(q, now);
            ctx.timerService().registerProcessingTimeTimer(q.deadlineMs);
            emitStrong(ctx, out);
        } catch (Rejection e) {
            queriesRejected.inc();
            rejectedByReason.record("queriesRejected", e.code);
            String queryId = queryIdOf(m);
            ctx.output(
                    REJECTED,
                    Answer.of(
                            queryId,
                            replyTo,
                            m.correlationId,
                            json,
                            errorResponse(queryId, e),
                            cfg.limits()));
        }
    }

    /**
     * Answers a control request: LIST with every collection, CREATE with the collection created
     * (announced to its shards first) or already there with the same settings; an error otherwise.
     */
    private void controlRequest(RawMessage m, Context ctx, Collector<VectorOp> out) {
        boolean json = looksLikeJson(m.value);
        String replyTo = replyTopic(m, control.results());
        String requestId = m.key == null ? "" : new String(m.key, StandardCharsets.UTF_8);
        CollectionResponse.Builder response =
                CollectionResponse.newBuilder().setCollections(List.of()).setError(null);
        try {
            if (replyTo == null) {
                replyTo = control.results();
                throw unknownReplyTopic(m, control.results());
            }
            checkCorrelationId(m);
            VectorChecks.checkSize(m.value, cfg);
            CollectionRequest r = decodeControl(m.value);
            requestId = r.getRequestId();
            VectorChecks.checkId(requestId, "requestId", "MISSING_REQUEST_ID", cfg);
            List<CollectionInfo> infos = new ArrayList<>();
            if (r.getOp() == CollectionOp.LIST) {
                catalog.all().forEach(c -> infos.add(c.toInfo()));
            } else {
                CollectionCatalog.Created created = catalog.create(r);
                Collection c = created.served().collection();
                if (created.isNew()) {
                    LOG.info("Created collection {}", c.toInfo());
                    announcements.addAll(announcementsOf(created.served()));
                    announce(out);
                }
                infos.add(c.toInfo());
            }
            response.setCollections(infos);
        } catch (Rejection e) {
            controlRejected.inc();
            rejectedByReason.record("collectionRequestsRejected", e.code);
            response.setError(new CollectionError(e.code, e.getMessage()));
        }
        // Bounded by construction: ids and messages are cut, and at most max-collections entries.
        requestId = Messages.utf8Prefix(requestId, cfg.limits().maxIdBytes());
        ctx.output(
                REJECTED,
                new Answer(
                        requestId,
                        replyTo,
                        Answer.echoedCorrelationId(m.correlationId, cfg.limits()),
                        PayloadCodec.encode(
                                response.setRequestId(requestId).build(),
                                json ? WireFormat.JSON : WireFormat.AVRO)));
    }

    /**
     * Applies the CREATE requests of {@code history} without answering them; see {@link
     * CollectionTopics}.
     */
    private void replay(List<byte[]> history) {
        for (byte[] payload : history) {
            try {
                CollectionRequest r = decodeControl(payload);
                if (r.getOp() == CollectionOp.CREATE) {
                    CollectionCatalog.Created created = catalog.create(r);
                    if (created.isNew()) {
                        announcements.addAll(announcementsOf(created.served()));
                    }
                }
            } catch (Rejection e) {
                // It was answered with this error when it first arrived.
            }
        }
    }

    private static List<VectorOp> announcementsOf(CollectionCatalog.Served served) {
        byte[] bytes = served.collection().toBytes();
        List<VectorOp> out = new ArrayList<>();
        for (int s = 0; s < served.router().shards(); s++) {
            out.add(VectorOp.announce(s, served.router().keyOf(s), bytes));
        }
        return out;
    }

    /** Sends the pending announcements; they go out before any record that could need them. */
    private void announce(Collector<VectorOp> out) {
        if (announcements.isEmpty()) {
            return;
        }
        announcements.forEach(out::collect);
        announcements.clear();
    }

    private static CollectionRequest decodeControl(byte[] payload) throws Rejection {
        try {
            return PayloadCodec.decodeCollectionRequest(payload);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
    }

    /**
     * The request's reply-to topic, {@code fallback} when it names none, null when it is unknown.
     */
    private String replyTopic(RawMessage m, String fallback) {
        if (m.replyTo == null || m.replyTo.isEmpty() || m.replyTo.equals(fallback)) {
            return fallback;
        }
        return replyTopics.exists(m.replyTo) ? m.replyTo : null;
    }

    private static Rejection unknownReplyTopic(RawMessage m, String usedInstead) {
        return new Rejection(
                "UNKNOWN_REPLY_TOPIC",
                "reply-to topic '"
                        + m.replyTo
                        + "' does not exist (or is not a legal topic name); create it"
                        + " first. This answer went to '"
                        + usedInstead
                        + "' instead");
    }

    /** Looks whether the end-offset lookup completed, and expires strong queries due now. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<VectorOp> out) {
        strong.poll(timestamp);
        emitStrong(ctx, out);
    }

    /**
     * Sends what the strong-query gate has for us: one barrier per shard and then the query for
     * each caught-up query (see the class comment); an incomplete answer (no hits, {@code
     * complete=false}) for each one past its deadline; an OFFSETS_UNAVAILABLE error for each whose
     * lookup failed. Polls again soon while a lookup is in flight.
     */
    private void emitStrong(Context ctx, Collector<VectorOp> out) {
        long now = ctx.timerService().currentProcessingTime();
        for (Query q : strong.takeReleased()) {
            for (int s = 0; s < q.shardKeys.length; s++) {
                out.collect(
                        VectorOp.barrier(s, q.shardKeys[s], q.queryId, q.requestKey, q.deadlineMs));
            }
            ctx.output(QUERIES, q);
        }
        for (Query q : strong.takeExpired()) {
            strongTimedOut.inc();
            QueryResponse response =
                    QueryResponse.newBuilder()
                            .setQueryId(q.queryId)
                            .setHits(List.of())
                            .setShardsAnswered(0)
                            .setShardsExpected(q.shardKeys.length)
                            .setComplete(false)
                            .setError(null)
                            .setTookMs(now - q.receivedAtMs)
                            .build();
            ctx.output(REJECTED, answerTo(q, response));
        }
        for (StrongQueryGate.Failed f : strong.takeFailed()) {
            Query q = f.query();
            Rejection e =
                    new Rejection(
                            "OFFSETS_UNAVAILABLE",
                            "could not read where the vectors topic ends, which a strong query"
                                    + " waits for ("
                                    + f.reason()
                                    + "); retry, or send the query with consistency"
                                    + " \"eventual\"");
            queriesRejected.inc();
            rejectedByReason.record("queriesRejected", e.code);
            ctx.output(REJECTED, answerTo(q, errorResponse(q.queryId, e)));
        }
        if (strong.lookupInFlight()) {
            ctx.timerService().registerProcessingTimeTimer(now + LOOKUP_POLL_MS);
        }
    }

    private Answer answerTo(Query q, QueryResponse response) {
        return Answer.of(
                q.queryId, q.replyTo, q.correlationId, q.jsonReply, response, cfg.limits());
    }

    private static QueryResponse errorResponse(String queryId, Rejection e) {
        return QueryResponse.newBuilder()
                .setQueryId(queryId)
                .setHits(List.of())
                .setComplete(false)
                .setError(new QueryError(e.code, e.getMessage()))
                .build();
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

    /**
     * Rejects a correlation id over {@code max-id-bytes}: the answer echoes it, so it must be
     * bounded like the query id; the error answer goes out without it.
     */
    private void checkCorrelationId(RawMessage m) throws Rejection {
        int max = cfg.limits().maxIdBytes();
        if (m.correlationId != null && m.correlationId.length > max) {
            throw new Rejection(
                    "BAD_CORRELATION_ID",
                    "the correlation-id header is "
                            + m.correlationId.length
                            + " bytes; vectorstream.limits.max-id-bytes="
                            + max
                            + ". This answer carries no correlation id");
        }
    }

    /**
     * The dead letter of {@code m}: at most {@code max-dead-letter-value-bytes} of its value and
     * {@code max-id-bytes} of its key, with their original sizes, so it always fits the sink.
     */
    static DeadLetter deadLetter(RawMessage m, Rejection r, Limits limits) {
        return DeadLetter.newBuilder()
                .setCode(r.code)
                .setReason(r.getMessage())
                .setTopic(m.topic == null ? "" : m.topic)
                .setPartition(m.partition)
                .setOffset(m.offset)
                .setTimestampMs(m.timestampMs)
                .setKey(prefix(m.key, limits.maxIdBytes()))
                .setValue(prefix(m.value, limits.maxDeadLetterValueBytes()))
                .setKeySize(m.key == null ? null : m.key.length)
                .setValueSize(m.value == null ? null : m.value.length)
                .build();
    }

    private static ByteBuffer prefix(byte[] bytes, int max) {
        return bytes == null
                ? null
                : ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, max)).slice();
    }
}
