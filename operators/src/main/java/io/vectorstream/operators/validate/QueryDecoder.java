package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.SearchMode;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.text.Tokenizer;
import io.vectorstream.state.vector.Metric;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;

/** Decodes and checks one query request into a {@link Query} with its deadline and reply route. */
final class QueryDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Candidates per answered hit when grouping: room for groups that share the best hits. */
    static final int GROUP_DEPTH_FACTOR = 8;

    private static final int MAX_GROUP_KEY_BYTES = 256;

    private final VectorStreamConfig cfg;

    QueryDecoder(VectorStreamConfig cfg) {
        this.cfg = cfg;
    }

    /**
     * @param collections the collections a query may name
     * @param now processing time at which the job read the query
     * @param replyTo where the answer goes
     * @param json whether the answer is written as JSON
     * @throws Rejection with the reason when the query cannot be accepted
     */
    Query decode(RawMessage m, CatalogView collections, long now, String replyTo, boolean json)
            throws Rejection {
        VectorChecks.checkSize(m.value, cfg);
        QueryRequest r;
        try {
            r = PayloadCodec.decodeQueryRequest(m.value);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
        VectorChecks.checkId(r.getQueryId(), "queryId", "MISSING_QUERY_ID", cfg);
        CollectionCatalog.Served served = collections.get(r.getCollection());
        if (r.getK() < 1) {
            throw new Rejection("BAD_K", "k must be at least 1, got " + r.getK());
        }
        if (r.getK() > cfg.maxK()) {
            throw new Rejection(
                    "K_TOO_LARGE",
                    "k=" + r.getK() + " exceeds vectorstream.query.max-k=" + cfg.maxK());
        }
        int offset = r.getOffset() == null ? 0 : r.getOffset();
        if (offset < 0) {
            throw new Rejection("BAD_OFFSET", "offset must be 0 or more, got " + offset);
        }
        if ((long) r.getK() + offset > cfg.maxK()) {
            throw new Rejection(
                    "OFFSET_TOO_LARGE",
                    "k + offset = "
                            + ((long) r.getK() + offset)
                            + " exceeds vectorstream.query.max-k="
                            + cfg.maxK()
                            + ": every index instance would find that many");
        }
        checkGroup(r);
        long timeout = r.getTimeoutMs() == null ? cfg.defaultTimeoutMs() : r.getTimeoutMs();
        if (timeout < 1) {
            throw new Rejection("BAD_TIMEOUT", "timeoutMs must be positive, got " + timeout);
        }
        if (timeout > cfg.maxTimeoutMs()) {
            throw new Rejection(
                    "TIMEOUT_TOO_LARGE",
                    "timeoutMs="
                            + timeout
                            + " exceeds vectorstream.query.max-timeout="
                            + cfg.maxTimeoutMs()
                            + " ms");
        }
        Integer ef = r.getEf();
        Integer nprobe = r.getNprobe();
        Integer rerank = r.getRerank();
        checkKnob("ef", ef, 1, cfg.maxEf(), "EF", VectorStreamOptions.MAX_EF);
        checkKnob("nprobe", nprobe, 1, cfg.maxNprobe(), "NPROBE", VectorStreamOptions.MAX_NPROBE);
        checkKnob("rerank", rerank, 0, cfg.maxRerank(), "RERANK", VectorStreamOptions.MAX_RERANK);
        FilterChecks.check(r.getFilter(), cfg);
        boolean strong = strong(r.getConsistency());
        Query q = new Query();
        q.queryId = r.getQueryId();
        q.collection = served.collection().name();
        q.metric = served.collection().metric();
        q.shardKeys = served.router().keys();
        q.mode = mode(r);
        q.text = text(r, q.mode);
        q.terms = q.searchesKeywords() ? terms(q.text) : null;
        if (q.searchesVectors()) {
            if (r.getVector() != null) {
                q.vector = VectorChecks.vector(r.getVector(), served.collection());
            } else if (q.text != null && served.collection().embedder() != null) {
                q.embedder = served.collection().embedder();
            } else {
                throw new Rejection(
                        "MISSING_VECTOR",
                        "mode "
                                + q.mode.wireName()
                                + " needs 'vector'"
                                + (served.collection().embedder() == null
                                        ? "; collection '"
                                                + q.collection
                                                + "' has no embedder to embed 'text' with"
                                        : " or 'text' for the collection's embedder"));
            }
        }
        q.rankConstant = rankConstant(r);
        q.includeText = r.getIncludeText();
        q.k = r.getK();
        q.offset = offset;
        q.groupBy = r.getGroupBy();
        q.groupSize = r.getGroupSize() == null ? 1 : r.getGroupSize();
        q.depth = q.groupBy == null ? r.getK() + offset : groupDepth(r.getK(), q.groupSize);
        q.threshold = threshold(r, q.metric);
        if (!Float.isNaN(q.threshold) && q.mode != SearchMode.VECTOR) {
            throw new Rejection(
                    "BAD_THRESHOLD",
                    "minScore and maxDistance bound vector scores: they apply to mode vector only");
        }
        q.includeMetadata = r.getIncludeMetadata();
        q.includeVectors = r.getIncludeVectors();
        q.ef = ef == null ? 0 : ef;
        q.nprobe = nprobe == null ? 0 : nprobe;
        q.rerank = rerank == null ? -1 : rerank;
        q.filter = r.getFilter();
        q.receivedAtMs = now;
        q.deadlineMs = now + timeout;
        q.replyTo = replyTo;
        q.correlationId = m.correlationId;
        q.jsonReply = json;
        q.strong = strong;
        return q;
    }

    private void checkGroup(QueryRequest r) throws Rejection {
        String key = r.getGroupBy();
        Integer size = r.getGroupSize();
        if (key == null) {
            if (size != null) {
                throw new Rejection("BAD_GROUP", "groupSize needs groupBy, the metadata key");
            }
            return;
        }
        int keyBytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (keyBytes == 0 || keyBytes > MAX_GROUP_KEY_BYTES) {
            throw new Rejection(
                    "BAD_GROUP",
                    "groupBy must be a metadata key of 1 to "
                            + MAX_GROUP_KEY_BYTES
                            + " UTF-8 bytes");
        }
        if (r.getOffset() != null) {
            throw new Rejection(
                    "BAD_GROUP", "offset pages hits, not groups: leave it out with groupBy");
        }
        if (size != null && size < 1) {
            throw new Rejection("BAD_GROUP", "groupSize must be at least 1, got " + size);
        }
        long hits = (long) r.getK() * (size == null ? 1 : size);
        if (hits > cfg.maxK()) {
            throw new Rejection(
                    "GROUP_TOO_LARGE",
                    "k x groupSize = " + hits + " exceeds vectorstream.query.max-k=" + cfg.maxK());
        }
    }

    /**
     * The candidates groups are formed from: the collection's best {@value #GROUP_DEPTH_FACTOR} x k
     * x groupSize hits (what a query of that k costs), at most max-k. A group whose hits all rank
     * below them is missed.
     */
    private int groupDepth(int k, int groupSize) {
        return (int) Math.min(cfg.maxK(), (long) GROUP_DEPTH_FACTOR * k * groupSize);
    }

    private static SearchMode mode(QueryRequest r) throws Rejection {
        SearchMode mode = SearchMode.parse(r.getMode());
        if (mode == null) {
            throw new Rejection(
                    "BAD_MODE",
                    "mode must be vector, keyword or hybrid, got '" + r.getMode() + "'");
        }
        return mode;
    }

    /** The query text, checked against its limit; required by keyword and hybrid search. */
    private String text(QueryRequest r, SearchMode mode) throws Rejection {
        String text = r.getText();
        if (text != null) {
            int bytes = text.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > cfg.text().maxQueryTextBytes()) {
                throw new Rejection(
                        "TEXT_TOO_LONG",
                        "'text' is "
                                + bytes
                                + " UTF-8 bytes; vectorstream.query.max-text-bytes="
                                + cfg.text().maxQueryTextBytes());
            }
        }
        if (mode != SearchMode.VECTOR && (text == null || text.isBlank())) {
            throw new Rejection(
                    "MISSING_TEXT", "mode " + mode.wireName() + " searches by 'text': give one");
        }
        return text;
    }

    /** The distinct terms keyword search scores, at most the configured number. */
    private String[] terms(String text) throws Rejection {
        String[] terms = new LinkedHashSet<>(Tokenizer.terms(text)).toArray(new String[0]);
        if (terms.length > cfg.text().maxQueryTerms()) {
            throw new Rejection(
                    "TOO_MANY_TERMS",
                    "'text' has "
                            + terms.length
                            + " distinct terms; vectorstream.query.max-text-terms="
                            + cfg.text().maxQueryTerms());
        }
        return terms;
    }

    private int rankConstant(QueryRequest r) throws Rejection {
        Integer c = r.getRankConstant();
        if (c == null) {
            return cfg.text().rankConstant();
        }
        if (c < 1 || c > VectorStreamConfig.TextSettings.MAX_RANK_CONSTANT) {
            throw new Rejection(
                    "BAD_RANK_CONSTANT",
                    "rankConstant must be 1.."
                            + VectorStreamConfig.TextSettings.MAX_RANK_CONSTANT
                            + ", got "
                            + c);
        }
        return c;
    }

    /**
     * The score bound in the metric's own terms: {@code minScore} for cosine and dot (higher is
     * closer), {@code maxDistance} for euclidean; NaN for none.
     */
    private static float threshold(QueryRequest r, Metric metric) throws Rejection {
        Float minScore = r.getMinScore();
        Float maxDistance = r.getMaxDistance();
        if (minScore != null && maxDistance != null) {
            throw new Rejection("BAD_THRESHOLD", "give minScore or maxDistance, not both");
        }
        boolean euclidean = metric == Metric.EUCLIDEAN;
        if (minScore != null && euclidean) {
            throw new Rejection(
                    "BAD_THRESHOLD",
                    "minScore applies to cosine and dot collections, where scores are"
                            + " similarities; this one is euclidean: use maxDistance");
        }
        if (maxDistance != null && !euclidean) {
            throw new Rejection(
                    "BAD_THRESHOLD",
                    "maxDistance applies to euclidean collections; this one is "
                            + metric.name().toLowerCase(Locale.ROOT)
                            + ": use minScore");
        }
        Float bound = minScore != null ? minScore : maxDistance;
        if (bound == null) {
            return Float.NaN;
        }
        if (!Float.isFinite(bound)) {
            throw new Rejection("BAD_THRESHOLD", "the threshold must be a finite number");
        }
        return bound;
    }

    /** {@code eventual} (also when absent) or {@code strong}, in any case. */
    private static boolean strong(String consistency) throws Rejection {
        if (consistency == null || consistency.equalsIgnoreCase("eventual")) {
            return false;
        }
        if (consistency.equalsIgnoreCase("strong")) {
            return true;
        }
        throw new Rejection(
                "BAD_CONSISTENCY",
                "consistency must be \"eventual\" or \"strong\", got \"" + consistency + "\"");
    }

    /**
     * Rejects a search knob outside {@code [min, cap]}: {@code BAD_<CODE>} below, {@code
     * <CODE>_TOO_LARGE} above, as for k. Absent (null) means the job's default.
     */
    private static void checkKnob(
            String field,
            Integer value,
            int min,
            int cap,
            String code,
            ConfigOption<Integer> capOption)
            throws Rejection {
        if (value == null) {
            return;
        }
        if (value < min) {
            throw new Rejection(
                    "BAD_" + code,
                    field
                            + " must be "
                            + (min == 0 ? "0 or more" : "at least " + min)
                            + ", got "
                            + value
                            + "; leave it out for the job's default");
        }
        if (value > cap) {
            throw new Rejection(
                    code + "_TOO_LARGE",
                    field + "=" + value + " exceeds " + capOption.key() + "=" + cap);
        }
    }
}
