package io.vectorstream.operators.merge;

import io.vectorstream.operators.VectorStreamConfig.Limits;
import io.vectorstream.operators.index.HitOrder;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Merges the partial top-k of every index instance into one answer per query (keyed by query id).
 *
 * <p>Input 1 registers the query (k, deadline, reply route); input 2 brings the partials, which may
 * arrive before the registration. The answer goes out when all {@code expectedPartials} arrived, or
 * at the deadline with {@code complete=false} and the shards counted so far. State is cleared once
 * answered; a partial whose query never registers is dropped after {@code orphanTimeoutMs}.
 * Partials are ranked by the metric of the query's collection, so until the query registers they
 * are only collected (at most k hits from each instance). An instance that answers with an error
 * ({@link PartialError}) makes the answer that error.
 */
public final class TopKMerger extends KeyedCoProcessFunction<String, Query, IndexReply, Answer> {
    private static final long serialVersionUID = 1L;

    public static final ValueStateDescriptor<PendingMerge> PENDING =
            new ValueStateDescriptor<>("pending-merge", Types.POJO(PendingMerge.class));

    private final int expectedPartials;
    private final long orphanTimeoutMs;
    private final Limits limits;

    private transient ValueState<PendingMerge> pending;
    private transient Counter answered;
    private transient Counter incomplete;
    private transient Histogram latencyMs;

    /**
     * @param limits bound every answer's size (see {@link Answer#of})
     */
    public TopKMerger(int expectedPartials, long orphanTimeoutMs, Limits limits) {
        this.expectedPartials = expectedPartials;
        this.orphanTimeoutMs = orphanTimeoutMs;
        this.limits = limits;
    }

    @Override
    public void open(OpenContext ctx) {
        pending = getRuntimeContext().getState(PENDING);
        var group = getRuntimeContext().getMetricGroup().addGroup("vectorstream");
        answered = group.counter("queriesAnswered");
        incomplete = group.counter("queriesIncomplete");
        latencyMs = group.histogram("queryLatencyMs", new DescriptiveStatisticsHistogram(1000));
    }

    @Override
    public void processElement1(Query q, Context ctx, Collector<Answer> out) throws Exception {
        PendingMerge p = orNew(pending.value());
        p.query = q;
        truncate(p);
        if (p.partials >= expectedPartials) {
            answer(p, true, ctx.timerService().currentProcessingTime(), out);
        } else {
            pending.update(p);
            ctx.timerService().registerProcessingTimeTimer(q.deadlineMs);
        }
    }

    @Override
    public void processElement2(IndexReply reply, Context ctx, Collector<Answer> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        PendingMerge p = pending.value();
        if (p == null) {
            p = orNew(null);
            p.orphanDeadlineMs = now + orphanTimeoutMs;
            ctx.timerService().registerProcessingTimeTimer(p.orphanDeadlineMs);
        }
        p.partials++;
        if (reply instanceof PartialResult r) {
            p.shards += r.shards;
            p.maxSearchMicros = Math.max(p.maxSearchMicros, r.searchMicros);
            p.tooLarge |= r.tooLarge;
            p.hits.addAll(r.hits);
            if (r.keywordHits != null) {
                if (p.keywordHits == null) {
                    p.keywordHits = new ArrayList<>(); // state from before keyword search
                }
                p.keywordHits.addAll(r.keywordHits);
            }
        } else if (p.errorCode == null) {
            PartialError e = (PartialError) reply;
            p.errorCode = e.code;
            p.errorMessage = e.message;
        }
        truncate(p);
        if (p.query != null && p.partials >= expectedPartials) {
            answer(p, true, now, out);
        } else {
            pending.update(p);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Answer> out)
            throws Exception {
        PendingMerge p = pending.value();
        if (p == null) {
            return;
        }
        if (p.query != null && timestamp >= p.query.deadlineMs) {
            answer(p, false, timestamp, out);
        } else if (p.query == null && timestamp >= p.orphanDeadlineMs) {
            pending.clear();
        }
    }

    private void answer(PendingMerge p, boolean complete, long now, Collector<Answer> out) {
        Query q = p.query;
        List<Hit> hits = new ArrayList<>(p.hits.size());
        for (ScoredHit h : answered(q, ranking(q, p))) {
            hits.add(
                    new Hit(
                            h.id,
                            h.score,
                            metadataOf(q, h),
                            q.includeVectors && h.vector != null
                                    ? FloatVectors.toBytes(h.vector)
                                    : null,
                            q.includeText ? h.text : null));
        }
        boolean failed = p.errorCode != null || p.tooLarge;
        QueryResponse response =
                QueryResponse.newBuilder()
                        .setQueryId(q.queryId)
                        .setHits(failed ? List.of() : hits)
                        .setShardsAnswered(p.shards)
                        .setShardsExpected(q.shardKeys.length)
                        .setComplete(complete && !failed)
                        .setError(
                                p.errorCode != null
                                        ? new QueryError(p.errorCode, p.errorMessage)
                                        : p.tooLarge
                                                ? Answer.tooLargeError(q.searchDepth(), limits)
                                                : null)
                        .setTookMs(now - q.receivedAtMs)
                        .build();
        out.collect(
                Answer.of(q.queryId, q.replyTo, q.correlationId, q.jsonReply, response, limits));
        answered.inc();
        if (!complete) {
            incomplete.inc();
        }
        latencyMs.update(now - q.receivedAtMs);
        pending.clear();
    }

    /** The collection's best hits by the query's mode, best first. */
    static List<ScoredHit> ranking(Query q, PendingMerge p) {
        return switch (q.mode) {
            case VECTOR -> p.hits;
            case KEYWORD -> p.keywordHits;
            case HYBRID -> fuse(p.keywordHits, p.hits, q.rankConstant, q.searchDepth());
        };
    }

    /**
     * Reciprocal rank fusion (Cormack et al., as Elasticsearch's and OpenSearch's RRF): each hit
     * scores the sum over the rankings it is in of {@code 1 / (c + rank)}, rank from 1; the best
     * {@code depth}, highest first. A hit keeps what its first ranking carried (metadata, vector,
     * text), with the fused score.
     */
    static List<ScoredHit> fuse(
            List<ScoredHit> first, List<ScoredHit> second, int rankConstant, int depth) {
        Map<String, ScoredHit> fused = new LinkedHashMap<>();
        for (List<ScoredHit> ranking : List.of(first, second)) {
            for (int r = 0; r < ranking.size(); r++) {
                ScoredHit h = ranking.get(r);
                float score = 1f / (rankConstant + r + 1);
                ScoredHit f = fused.get(h.id);
                if (f == null) {
                    f = new ScoredHit(h.id, 0, h.metadata);
                    f.vector = h.vector;
                    f.group = h.group;
                    f.text = h.text;
                    fused.put(h.id, f);
                }
                f.score += score;
            }
        }
        List<ScoredHit> out = new ArrayList<>(fused.values());
        out.sort(HitOrder.highestFirst());
        return out.size() > depth ? out.subList(0, depth) : out;
    }

    /**
     * The hits the answer lists, from the best {@code depth} of the collection, best first: the
     * page after the offset; or, when the query groups, its best k groups (ordered by their best
     * hit) with each group's best groupSize hits, group by group.
     */
    static List<ScoredHit> answered(Query q, List<ScoredHit> best) {
        if (q.groupBy == null) {
            int from = Math.min(q.offset, best.size());
            return best.subList(from, Math.min(from + q.k, best.size()));
        }
        Map<String, List<ScoredHit>> groups = new LinkedHashMap<>();
        for (ScoredHit h : best) {
            List<ScoredHit> group = groups.get(h.group);
            if (group == null && groups.size() < q.k) {
                group = new ArrayList<>(q.groupSize);
                groups.put(h.group, group);
            }
            if (group != null && group.size() < q.groupSize) {
                group.add(h);
            }
        }
        List<ScoredHit> out = new ArrayList<>();
        groups.values().forEach(out::addAll);
        return out;
    }

    /**
     * The hit's metadata as asked; a grouped hit always carries its group's value, so that the
     * groups of an answer can be told apart.
     */
    private static Map<String, String> metadataOf(Query q, ScoredHit h) {
        if (q.includeMetadata && h.metadata != null) {
            return h.metadata;
        }
        return q.groupBy != null && h.group != null ? Map.of(q.groupBy, h.group) : Map.of();
    }

    /** Keeps the query's best depth hits, once the query (and so its metric) is known. */
    private static void truncate(PendingMerge p) {
        if (p.query == null) {
            return;
        }
        int depth = p.query.searchDepth();
        p.hits.sort(HitOrder.bestFirst(p.query.metric));
        if (p.hits.size() > depth) {
            p.hits = new ArrayList<>(p.hits.subList(0, depth));
        }
        if (p.keywordHits == null) {
            p.keywordHits = new ArrayList<>(); // state from before keyword search
        }
        p.keywordHits.sort(HitOrder.highestFirst());
        if (p.keywordHits.size() > depth) {
            p.keywordHits = new ArrayList<>(p.keywordHits.subList(0, depth));
        }
    }

    private static PendingMerge orNew(PendingMerge p) {
        return p != null ? p : new PendingMerge();
    }
}
