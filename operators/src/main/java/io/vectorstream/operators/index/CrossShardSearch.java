package io.vectorstream.operators.index;

import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterException;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.VectorSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one query over the shards an index instance holds: parses the metadata filter once,
 * searches every shard, merges the hits to the top k, attaches metadata and vectors within the
 * answer-size bound, and returns the one {@link PartialResult} the instance owes the merger (also
 * when it holds no data).
 *
 * <p>The operator supplies the shards ({@link Shards}) and emits the result; everything between is
 * here. Task thread only: it reads keyed state under the shard it selects.
 */
final class CrossShardSearch {
    // Logs under the operator's name, as before the search had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger(ShardIndexOperator.class);

    /** The shards of this instance, as the search sees them. */
    interface Shards {
        /** The keys among {@code q}'s shards that this instance holds. */
        List<Integer> keysOf(Query q);

        /**
         * The loaded shard of {@code key}, made the current key so that state reads are its own;
         * null if it holds no vector.
         */
        LoadedShard select(int key) throws Exception;
    }

    private final Shards shards;
    private final ShardStateStore store;
    private final int subtask;
    private final long maxAnswerBytes;

    /**
     * @param subtask the instance's subtask index, reported in every answer
     * @param maxAnswerBytes past this size an answer carries no hits, only the verdict
     */
    CrossShardSearch(Shards shards, ShardStateStore store, int subtask, long maxAnswerBytes) {
        this.shards = shards;
        this.store = store;
        this.subtask = subtask;
        this.maxAnswerBytes = maxAnswerBytes;
    }

    /** Searches every shard of this instance that {@code q} names; the one partial answer to it. */
    PartialResult answer(Query q) throws Exception {
        long start = System.nanoTime();
        List<Integer> shardKeys = shards.keysOf(q);
        int held = shardKeys.size();
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
        Comparator<ScoredHit> order = HitOrder.bestFirst(q.metric);
        List<ShardHit> candidates = new ArrayList<>();
        for (Integer key : shardKeys) {
            LoadedShard shard = shards.select(key);
            if (shard == null || shard.dimension() != q.vector.length) {
                // Empty, or a query validated before the first vector fixed the dimension.
                continue;
            }
            SearchHits hits =
                    shard.segments.search(
                            q.vector, knobs(q, shard.collection.index()), source, filter);
            for (int i = 0; i < hits.size(); i++) {
                candidates.add(
                        new ShardHit(key, new ScoredHit(hits.ids()[i], hits.scores()[i], null)));
            }
        }
        candidates.sort((a, b) -> order.compare(a.hit, b.hit));
        List<ScoredHit> best = new ArrayList<>(Math.min(q.k, candidates.size()));
        // What the hits weigh in the answer (Avro-sized, the most compact form): past the answer
        // limit the partial carries no hits, only the verdict, so one query cannot make this
        // instance or the merger hold k large metadata maps and vectors.
        long answerBytes = 0;
        boolean tooLarge = false;
        for (ShardHit c : candidates.subList(0, Math.min(q.k, candidates.size()))) {
            if (q.includeMetadata || q.includeVectors) {
                shards.select(c.shardKey);
                StoredVector stored = store.vector(c.hit.id);
                if (q.includeMetadata) {
                    c.hit.metadata = stored == null ? Map.of() : stored.metadata();
                }
                if (q.includeVectors && stored != null) {
                    c.hit.vector = stored.vector();
                }
            }
            answerBytes += answerBytes(c.hit);
            if (answerBytes > maxAnswerBytes) {
                tooLarge = true;
                best.clear();
                break;
            }
            best.add(c.hit);
        }
        PartialResult p = new PartialResult();
        p.tooLarge = tooLarge;
        p.queryId = q.queryId;
        p.requestKey = q.requestKey;
        p.subtask = subtask;
        p.shards = held;
        p.hits = best;
        p.searchMicros = (System.nanoTime() - start) / 1000;
        return p;
    }

    /** About what {@code hit} adds to an Avro answer: id, score, metadata and vector. */
    private static long answerBytes(ScoredHit hit) {
        long bytes = 8 + hit.id.length();
        if (hit.metadata != null) {
            for (Map.Entry<String, String> e : hit.metadata.entrySet()) {
                bytes += 2 + e.getKey().length() + e.getValue().length();
            }
        }
        if (hit.vector != null) {
            bytes += (long) Float.BYTES * hit.vector.length;
        }
        return bytes;
    }

    /** The query's own ef, nprobe and rerank where it sets them, the collection's elsewhere. */
    private static SearchKnobs knobs(Query q, IndexSettings settings) {
        return new SearchKnobs(
                q.k,
                Math.max(q.ef > 0 ? q.ef : settings.hnswEfSearch(), q.k),
                q.nprobe > 0 ? q.nprobe : settings.ivfNprobe(),
                q.rerank >= 0 ? q.rerank : settings.ivfRerank());
    }

    private record ShardHit(int shardKey, ScoredHit hit) {}
}
