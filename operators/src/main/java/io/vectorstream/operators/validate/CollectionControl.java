package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.Messages;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one serial part of the job, off the per-record path: it owns the catalog of collections
 * ({@link CollectionCatalog}, checkpointed) and answers the control requests of the collections
 * topic: LIST with every collection, CREATE with the collection created (or already there with the
 * same settings), an error otherwise. A created collection goes out on the main output, which the
 * job broadcasts to every decoder ({@link VectorValidator}, {@link QueryValidator}); answers go to
 * {@link #ANSWERS}. Runs with parallelism 1: one catalog, one order of creation. Never throws on
 * input.
 *
 * <p>A job started without state replays the requests the topic held when it was submitted, without
 * answering them (see {@link CollectionTopics}); the decoders replay the same list, so every
 * instance agrees before the first record.
 */
public final class CollectionControl extends ProcessFunction<RawMessage, CatalogUpdate>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CollectionControl.class);

    public static final OutputTag<Answer> ANSWERS =
            new OutputTag<>("collection-answers", Types.POJO(Answer.class));

    /** {@link Collection#toBytes()} of every collection. */
    static final ListStateDescriptor<byte[]> COLLECTIONS =
            new ListStateDescriptor<>(
                    "collections", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final VectorStreamConfig cfg;
    private final CollectionTopics control;

    private transient ListState<byte[]> catalogState;
    private transient CollectionCatalog catalog;
    private transient Counter controlRejected;
    private transient RejectionCounters rejectedByReason;

    /**
     * @param control the collections topic, its answers' default topic and its history
     */
    public CollectionControl(VectorStreamConfig cfg, CollectionTopics control) {
        this.cfg = cfg;
        this.control = control;
    }

    @Override
    public void initializeState(FunctionInitializationContext ctx) throws Exception {
        catalogState = ctx.getOperatorStateStore().getListState(COLLECTIONS);
        catalog = new CollectionCatalog(cfg);
        catalog.restore(catalogState.get());
        if (!ctx.isRestored()) {
            replay(control.history());
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext ctx) throws Exception {
        catalogState.update(catalog.snapshot());
    }

    @Override
    public void open(OpenContext ctx) {
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        controlRejected = group.counter("collectionRequestsRejected");
        rejectedByReason = new RejectionCounters(group);
        group.gauge("collections", () -> catalog.size());
    }

    @Override
    public void processElement(RawMessage m, Context ctx, Collector<CatalogUpdate> out) {
        boolean json = Requests.looksLikeJson(m.value);
        String replyTo = Requests.replyTopic(m, control.results());
        String requestId = m.key == null ? "" : new String(m.key, StandardCharsets.UTF_8);
        CollectionResponse.Builder response =
                CollectionResponse.newBuilder().setCollections(List.of()).setError(null);
        try {
            Requests.checkReplyTopic(m, control.results());
            Requests.checkCorrelationId(m, cfg.limits().maxIdBytes());
            VectorChecks.checkSize(m.value, cfg);
            CollectionRequest r = decode(m.value);
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
                    out.collect(new CatalogUpdate(c.name(), c.toBytes()));
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
                ANSWERS,
                new Answer(
                        requestId,
                        replyTo,
                        Answer.echoedCorrelationId(m.correlationId, cfg.limits()),
                        PayloadCodec.encode(
                                response.setRequestId(requestId).build(),
                                json ? WireFormat.JSON : WireFormat.AVRO)));
    }

    /** Applies the CREATE requests of {@code history} without answering them. */
    private void replay(List<byte[]> history) {
        for (byte[] payload : history) {
            try {
                CollectionRequest r = decode(payload);
                if (r.getOp() == CollectionOp.CREATE) {
                    catalog.create(r);
                }
            } catch (Rejection e) {
                // It was answered with this error when it first arrived.
            }
        }
    }

    private static CollectionRequest decode(byte[] payload) throws Rejection {
        try {
            return PayloadCodec.decodeCollectionRequest(payload);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
    }
}
