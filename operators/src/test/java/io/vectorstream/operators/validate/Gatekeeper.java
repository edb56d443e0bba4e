package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.QueryOutcome;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.schema.DeadLetter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;

/**
 * The job's front, as tests drive it: one instance each of the reply-topic check, the vector and
 * query validators, the end-offset lookup and the collection control, wired as the job wires them
 * (control's catalog updates reach both validators). The asynchronous functions complete at once
 * here, since the test topic lookups answer from memory.
 */
final class Gatekeeper implements AutoCloseable {

    static final String CONTROL_TOPIC = "collections";

    /** What {@link #snapshot} keeps: each operator's state. */
    record Snapshot(
            OperatorSubtaskState vectors,
            OperatorSubtaskState queries,
            OperatorSubtaskState control) {}

    final TwoInputStreamOperatorTestHarness<RawMessage, CatalogUpdate, ShardMessage> vectors;
    final BroadcastOperatorTestHarness<RawMessage, CatalogUpdate, Query> queries;
    final OneInputStreamOperatorTestHarness<RawMessage, CatalogUpdate> control;
    private final ReplyTopicCheck replyCheck;
    private final EndOffsetLookup lookup;
    private final List<Query> admitted = new ArrayList<>();
    private final List<Answer> lookupErrors = new ArrayList<>();
    private int updatesForwarded;

    Gatekeeper(VectorStreamConfig cfg) throws Exception {
        this(cfg, null, TopicEndOffsets.none(), List.of());
    }

    Gatekeeper(VectorStreamConfig cfg, Snapshot restore, TopicEndOffsets end, List<byte[]> history)
            throws Exception {
        CollectionTopics topics =
                new CollectionTopics(CONTROL_TOPIC, "collections.results", history);
        vectors = new TwoInputStreamOperatorTestHarness<>(new VectorValidator(cfg, history));
        queries =
                new BroadcastOperatorTestHarness<>(
                        new CoBroadcastWithNonKeyedOperator<>(
                                new QueryValidator(cfg, "results", history),
                                List.of(CatalogView.CATALOG)),
                        1,
                        1,
                        0);
        control =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new CollectionControl(cfg, topics)));
        initialize(vectors, restore == null ? null : restore.vectors());
        initialize(queries, restore == null ? null : restore.queries());
        initialize(control, restore == null ? null : restore.control());
        replyCheck =
                new ReplyTopicCheck(
                        ReplyTopics.anyLegalName(), Set.of("results", "collections.results"));
        lookup = new EndOffsetLookup(end, cfg.limits());
        lookup.open(null);
    }

    private static void initialize(AbstractStreamOperatorTestHarness<?> h, OperatorSubtaskState s)
            throws Exception {
        if (s != null) {
            h.initializeState(s);
        }
        h.open();
    }

    /** A record of the vectors topic. */
    void vector(RawMessage m) throws Exception {
        vectors.processElement1(m, 1L);
    }

    /** A request of the queries topic, or of the collections topic if it came from there. */
    void request(RawMessage m) throws Exception {
        RawMessage checked = checkReplyTopic(m);
        if (CONTROL_TOPIC.equals(m.topic)) {
            control.processElement(checked, 1L);
            forwardCatalogUpdates();
            return;
        }
        int before = queries.extractOutputValues().size();
        queries.processElement(checked, 1L);
        List<Query> out = queries.extractOutputValues();
        for (Query q : out.subList(before, out.size())) {
            List<QueryOutcome> outcomes =
                    Gatekeeper.<QueryOutcome>complete(r -> lookup.asyncInvoke(q, r));
            for (QueryOutcome o : outcomes) {
                if (o instanceof Query admittedQuery) {
                    admitted.add(admittedQuery);
                } else {
                    lookupErrors.add((Answer) o);
                }
            }
        }
    }

    private RawMessage checkReplyTopic(RawMessage m) throws Exception {
        List<RawMessage> out = Gatekeeper.<RawMessage>complete(r -> replyCheck.asyncInvoke(m, r));
        return out.get(0);
    }

    private void forwardCatalogUpdates() throws Exception {
        List<CatalogUpdate> updates = control.extractOutputValues();
        for (CatalogUpdate u : updates.subList(updatesForwarded, updates.size())) {
            vectors.processElement2(u, 1L);
            queries.processBroadcastElement(u, 1L);
        }
        updatesForwarded = updates.size();
    }

    void setProcessingTime(long t) throws Exception {
        vectors.setProcessingTime(t);
        queries.setProcessingTime(t);
        control.setProcessingTime(t);
    }

    Snapshot snapshot() throws Exception {
        return new Snapshot(
                vectors.snapshot(1L, 1L), queries.snapshot(1L, 1L), control.snapshot(1L, 1L));
    }

    List<VectorWrite> writes() {
        return ofKind(VectorWrite.class);
    }

    List<ProgressMarker> markers() {
        return ofKind(ProgressMarker.class);
    }

    List<CollectionAnnouncement> announcements() {
        return ofKind(CollectionAnnouncement.class);
    }

    private <T> List<T> ofKind(Class<T> kind) {
        return vectors.extractOutputValues().stream()
                .filter(kind::isInstance)
                .map(kind::cast)
                .toList();
    }

    List<DeadLetter> deadLetters() {
        return side(vectors.getSideOutput(VectorValidator.DEAD_LETTERS));
    }

    /** Queries admitted, in order (strong ones with their end offsets). */
    List<Query> queries() {
        return admitted;
    }

    /** Error answers to queries: the validator's, then the lookups'. */
    List<Answer> rejected() {
        List<Answer> out = new ArrayList<>(side(queries.getSideOutput(QueryValidator.REJECTED)));
        out.addAll(lookupErrors);
        return out;
    }

    /** Answers to control requests. */
    List<Answer> controlAnswers() {
        return side(control.getSideOutput(CollectionControl.ANSWERS));
    }

    private static <T> List<T> side(Queue<StreamRecord<T>> records) {
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    @Override
    public void close() throws Exception {
        vectors.close();
        queries.close();
        control.close();
    }

    @FunctionalInterface
    private interface Invocation<T> {
        void invoke(ResultFuture<T> result) throws Exception;
    }

    /** Runs an asynchronous function that completes at once, and returns what it emitted. */
    private static <T> List<T> complete(Invocation<T> invocation) throws Exception {
        List<T> out = new ArrayList<>();
        boolean[] done = {false};
        invocation.invoke(
                new ResultFuture<>() {
                    @Override
                    public void complete(Collection<T> result) {
                        out.addAll(result);
                        done[0] = true;
                    }

                    @Override
                    public void completeExceptionally(Throwable error) {
                        throw new AssertionError(error);
                    }

                    @Override
                    public void complete(CollectionSupplier<T> supplier) {
                        try {
                            complete(supplier.get());
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                });
        if (!done[0]) {
            throw new AssertionError("the asynchronous function did not complete at once");
        }
        return out;
    }
}
