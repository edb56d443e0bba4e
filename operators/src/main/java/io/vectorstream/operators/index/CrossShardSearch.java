package io.vectorstream.operators.index;

import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.ScoredHit;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterException;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.segment.CrossSegmentSearch;
import io.vectorstream.state.segment.KeywordSearch;
import io.vectorstream.state.segment.RankedHits;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.VectorSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one query over the shards an index instance holds: parses the metadata filter once,
 * searches all their segments together ({@link CrossSegmentSearch}: the query's beam shared by
 * segment size, hits with the metadata and vectors the segments hold in memory), keeps the hits
 * within the answer-size bound, and returns the one {@link PartialResult} the instance owes the
 * merger (also when it holds no data).
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

    /** A query whose dimension differs from the shards'; its message says by how much. */
    static final class WrongDimension extends Exception {
        private static final long serialVersionUID = 1L;

        WrongDimension(String message) {
            super(message);
        }
    }

    /** Searches every shard of this instance that {@code q} names; the one partial answer to it. */
    PartialResult answer(Query q) throws Exception, WrongDimension {
        long start = System.nanoTime();
        List<Integer> shardKeys = shards.keysOf(q);
        int held = shardKeys.size();
        Filter filter = null;
        if (q.filter != null) {
            try {
                filter = FilterParser.parse(q.filter, Integer.MAX_VALUE);
            } catch (FilterException e) {
                // The query validator rejects bad filters; one here is a bug, not a reason to fail.
                LOG.warn(
                        "Query {} has a bad filter; answering no hits: {}",
                        q.queryId,
                        e.getMessage());
                shardKeys = List.of();
            }
        }
        // One search over all held shards, so segments share the query's beam by their size.
        List<ShardSegments> searched = new ArrayList<>(shardKeys.size());
        List<VectorSource> sources = new ArrayList<>(shardKeys.size());
        IndexSettings settings = null;
        for (Integer key : shardKeys) {
            LoadedShard shard = shards.select(key);
            if (shard == null || shard.dimension() == 0) {
                continue;
            }
            if (q.searchesVectors() && shard.dimension() != q.vector.length) {
                // Only for a collection whose shards take their dimension from their first vector.
                throw new WrongDimension(
                        "query vector has dimension "
                                + q.vector.length
                                + ", collection '"
                                + q.collection
                                + "' holds "
                                + shard.dimension()
                                + "-d vectors");
            }
            searched.add(shard.segments);
            sources.add(sourceOf(key));
            settings = shard.collection.index();
        }
        RankedHits byVector =
                settings == null || !q.searchesVectors()
                        ? null
                        : CrossSegmentSearch.search(
                                searched, sources, q.vector, knobs(q, settings), filter);
        RankedHits byKeywords =
                settings == null || !q.searchesKeywords()
                        ? null
                        : KeywordSearch.search(
                                searched, sources, List.of(q.terms), q.searchDepth(), filter);
        // What the hits weigh in the answer (Avro-sized, the most compact form): past the answer
        // limit the partial carries no hits, only the verdict, so one query cannot make this
        // instance or the merger hold k large metadata maps, vectors and texts.
        AnswerBudget budget = new AnswerBudget();
        List<ScoredHit> best = collect(q, byVector, budget);
        List<ScoredHit> bestByKeywords = collect(q, byKeywords, budget);
        boolean tooLarge = budget.bytes > maxAnswerBytes;
        PartialResult p = new PartialResult();
        p.tooLarge = tooLarge;
        p.queryId = q.queryId;
        p.requestKey = q.requestKey;
        p.subtask = subtask;
        p.shards = held;
        p.hits = tooLarge ? List.of() : best;
        p.keywordHits = tooLarge ? List.of() : bestByKeywords;
        p.searchMicros = (System.nanoTime() - start) / 1000;
        return p;
    }

    /**
     * The bytes the hits of one partial answer add up to, over both its rankings, and the texts
     * read for them: a hit in both rankings is read once.
     */
    private static final class AnswerBudget {
        long bytes;
        final Map<String, String> texts = new HashMap<>();
    }

    /**
     * The hits of {@code ranked} as the answer carries them, while the answer stays within its size
     * limit: those the query's threshold admits and that have a value of its groupBy key, with the
     * metadata, vector and text it asks for.
     */
    private List<ScoredHit> collect(Query q, RankedHits ranked, AnswerBudget budget)
            throws Exception {
        int found = ranked == null ? 0 : ranked.size();
        List<ScoredHit> best = new ArrayList<>(found);
        for (int h = 0; h < found && budget.bytes <= maxAnswerBytes; h++) {
            if (!q.admits(ranked.scores()[h])) {
                continue; // under the query's minScore / maxDistance
            }
            String group = null;
            if (q.groupBy != null) {
                group = ranked.metadata(h).get(q.groupBy);
                if (group == null) {
                    continue; // no value of the key: in no group
                }
            }
            ScoredHit hit =
                    new ScoredHit(
                            ranked.ids()[h],
                            ranked.scores()[h],
                            q.includeMetadata ? ranked.metadata(h) : null);
            hit.group = group;
            if (q.includeVectors) {
                hit.vector = ranked.vector(h);
            }
            if (q.includeText) {
                hit.text =
                        budget.texts.containsKey(hit.id)
                                ? budget.texts.get(hit.id)
                                : textOf(q, hit.id);
                budget.texts.put(hit.id, hit.text);
            }
            budget.bytes += answerBytes(hit);
            best.add(hit);
        }
        return best;
    }

    /** The stored text of hit {@code id}, read from its shard's state. */
    private String textOf(Query q, String id) throws Exception {
        shards.select(q.shardKeys[ShardRouter.shardOf(id, q.shardKeys.length)]);
        return store.text(id);
    }

    /**
     * The stored vectors of the shard of {@code key}, for PQ_CODES reranking: it selects that shard
     * (its key) first, since one search reads several shards.
     */
    private VectorSource sourceOf(int key) {
        VectorSource stored = store.vectorSource();
        return id -> {
            try {
                shards.select(key);
            } catch (Exception e) {
                throw new IllegalStateException("cannot select shard key " + key, e);
            }
            return stored.vector(id);
        };
    }

    /** About what {@code hit} adds to an Avro answer: id, score, metadata and vector. */
    private static long answerBytes(ScoredHit hit) {
        long bytes = 8 + hit.id.length() + (hit.group == null ? 0 : 2 + hit.group.length());
        if (hit.metadata != null) {
            for (Map.Entry<String, String> e : hit.metadata.entrySet()) {
                bytes += 2 + e.getKey().length() + e.getValue().length();
            }
        }
        if (hit.vector != null) {
            bytes += (long) Float.BYTES * hit.vector.length;
        }
        if (hit.text != null) {
            bytes += 2 + utf8Length(hit.text);
        }
        return bytes;
    }

    /** The UTF-8 length of {@code s}, without encoding it. */
    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** The query's own ef, nprobe and rerank where it sets them, the collection's elsewhere. */
    private static SearchKnobs knobs(Query q, IndexSettings settings) {
        return new SearchKnobs(
                q.searchDepth(),
                Math.max(q.ef > 0 ? q.ef : settings.hnswEfSearch(), q.searchDepth()),
                q.nprobe > 0 ? q.nprobe : settings.ivfNprobe(),
                q.rerank >= 0 ? q.rerank : settings.ivfRerank());
    }
}
