package io.vectorstream.bench.fuzz;

import io.vectorstream.bench.EndToEndBench;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Valid payloads of every topic, drawn from a random source: upserts and deletes into the
 * configured collection and a small created one, k-NN queries with the optional fields (filters,
 * knobs, consistency) and collection requests (LIST, and the CREATE the run set up). Stateless: the
 * same random source gives the same payload.
 */
final class SeedFactory {

    /** The collection the run creates (and the seeds' CREATE requests name), and its dimension. */
    static final String SMALL_COLLECTION = "fuzz-small";

    static final int SMALL_DIMENSION = 8;

    /** Ids are drawn from this many, so upserts replace and the index stays small. */
    private static final int IDS = 5_000;

    private static final String[] LANGS = {"en", "fr", "de", "ja"};
    private static final String[] WORDS = {
        "vector", "stream", "kafka", "flink", "shard", "segment", "graph", "query", "filter",
        "merge"
    };
    private static final String[] FILTERS = {
        "{\"eq\":{\"lang\":\"en\"}}",
        "{\"in\":{\"lang\":[\"en\",\"fr\"]}}",
        "{\"range\":{\"year\":{\"gte\":2000,\"lt\":2020}}}",
        "{\"exists\":\"tag\"}",
        "{\"not\":{\"eq\":{\"lang\":\"de\"}}}",
        "{\"and\":[{\"eq\":{\"lang\":\"en\"}},{\"range\":{\"year\":{\"gt\":1999}}}]}",
        "{\"or\":[{\"eq\":{\"tag\":\"kafka\"}},{\"not\":{\"exists\":\"year\"}}]}"
    };

    private final String defaultCollection;
    private final int dimension;

    /**
     * @param defaultCollection the job's configured collection
     * @param dimension its dimension
     */
    SeedFactory(String defaultCollection, int dimension) {
        this.defaultCollection = defaultCollection;
        this.dimension = dimension;
    }

    int dimension() {
        return dimension;
    }

    /** A valid payload for {@code target} in {@code format}, keyed as the client keys it. */
    FuzzCase seed(long seq, Target target, WireFormat format, SplittableRandom rnd) {
        return switch (target) {
            case VECTORS -> {
                VectorRecord r = vectorRecord(rnd);
                yield new FuzzCase(
                        seq,
                        target,
                        format,
                        MutationClass.VALID,
                        describe(r),
                        utf8(r.getId()),
                        PayloadCodec.encode(r, format),
                        FuzzCase.ReplyTo.ABSENT);
            }
            case QUERIES -> {
                QueryRequest q = query(rnd, seq);
                yield new FuzzCase(
                        seq,
                        target,
                        format,
                        MutationClass.VALID,
                        describe(q),
                        utf8(q.getQueryId()),
                        PayloadCodec.encode(q, format),
                        FuzzCase.ReplyTo.OWN);
            }
            case COLLECTIONS -> {
                CollectionRequest c = collectionRequest(rnd, seq);
                yield new FuzzCase(
                        seq,
                        target,
                        format,
                        MutationClass.VALID,
                        c.getOp() == CollectionOp.LIST ? "LIST" : "CREATE " + c.getCollection(),
                        utf8(c.getRequestId()),
                        PayloadCodec.encode(c, format),
                        FuzzCase.ReplyTo.OWN);
            }
        };
    }

    /** An upsert (85%) or delete of one of {@value #IDS} ids, in either collection. */
    VectorRecord vectorRecord(SplittableRandom rnd) {
        boolean small = rnd.nextInt(5) == 0;
        VectorRecord.Builder b =
                VectorRecord.newBuilder()
                        .setId((small ? "s" : "v") + rnd.nextInt(IDS))
                        .setCollection(small ? SMALL_COLLECTION : defaultCollection);
        if (rnd.nextInt(100) < 15) {
            return b.setOp(Op.DELETE).build();
        }
        b.setOp(Op.UPSERT)
                .setVector(
                        FloatVectors.toBytes(unitVector(rnd, small ? SMALL_DIMENSION : dimension)))
                .setMetadata(metadata(rnd));
        int textRoll = rnd.nextInt(100);
        if (textRoll < 3) {
            b.setText(words(rnd, 1_000 + rnd.nextInt(4_000))); // up to ~32 KiB
        } else if (textRoll < 35) {
            b.setText(words(rnd, 1 + rnd.nextInt(60)));
        }
        if (rnd.nextBoolean()) {
            b.setEventTimeMs(1_700_000_000_000L + rnd.nextLong(100_000_000_000L));
        }
        return b.build();
    }

    /** A k-NN query with a random selection of the optional fields; 5% strong. */
    QueryRequest query(SplittableRandom rnd, long seq) {
        boolean small = rnd.nextInt(5) == 0;
        QueryRequest.Builder b =
                QueryRequest.newBuilder()
                        .setQueryId("q-" + seq)
                        .setCollection(small ? SMALL_COLLECTION : defaultCollection)
                        .setVector(
                                FloatVectors.toBytes(
                                        unitVector(rnd, small ? SMALL_DIMENSION : dimension)))
                        .setK(1 + rnd.nextInt(20))
                        .setIncludeMetadata(rnd.nextBoolean())
                        .setIncludeVectors(rnd.nextInt(10) == 0);
        if (rnd.nextBoolean()) {
            b.setTimeoutMs(2_000 + rnd.nextInt(8_000));
        }
        if (rnd.nextInt(100) < 30) {
            b.setFilter(FILTERS[rnd.nextInt(FILTERS.length)]);
        }
        if (rnd.nextInt(4) == 0) {
            b.setEf(10 + rnd.nextInt(200));
        }
        if (rnd.nextInt(4) == 0) {
            b.setNprobe(1 + rnd.nextInt(64));
        }
        if (rnd.nextInt(4) == 0) {
            b.setRerank(rnd.nextInt(200));
        }
        int consistency = rnd.nextInt(100);
        if (consistency < 5) {
            b.setConsistency("strong");
        } else if (consistency < 30) {
            b.setConsistency("eventual");
        }
        return b.build();
    }

    /** LIST, or the CREATE of {@link #SMALL_COLLECTION} the run set up (answered with it). */
    CollectionRequest collectionRequest(SplittableRandom rnd, long seq) {
        if (rnd.nextBoolean()) {
            return CollectionRequest.newBuilder()
                    .setRequestId("c-" + seq)
                    .setOp(CollectionOp.LIST)
                    .build();
        }
        return createSmall("c-" + seq);
    }

    /** The CREATE of {@link #SMALL_COLLECTION}: euclidean, 4 shards, HNSW with M 12. */
    static CollectionRequest createSmall(String requestId) {
        CollectionRequest.Builder b =
                CollectionRequest.newBuilder()
                        .setRequestId(requestId)
                        .setOp(CollectionOp.CREATE)
                        .setCollection(SMALL_COLLECTION)
                        .setDimension(SMALL_DIMENSION);
        smallSettings(b);
        return b.build();
    }

    /** The settings of {@link #SMALL_COLLECTION} besides its dimension. */
    static void smallSettings(CollectionRequest.Builder b) {
        b.setMetric("euclidean").setShards(4).setIndexType("hnsw").setHnswM(12);
    }

    static float[] unitVector(SplittableRandom rnd, int dim) {
        return EndToEndBench.randomUnit(rnd, dim);
    }

    private static Map<String, String> metadata(SplittableRandom rnd) {
        Map<String, String> m = new LinkedHashMap<>();
        if (rnd.nextInt(4) > 0) {
            m.put("lang", LANGS[rnd.nextInt(LANGS.length)]);
        }
        if (rnd.nextBoolean()) {
            m.put("year", Integer.toString(1990 + rnd.nextInt(36)));
        }
        if (rnd.nextBoolean()) {
            m.put("tag", WORDS[rnd.nextInt(WORDS.length)]);
        }
        return m;
    }

    static String words(SplittableRandom rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static String describe(VectorRecord r) {
        return r.getOp()
                + " "
                + r.getId()
                + " in "
                + r.getCollection()
                + (r.getText() == null ? "" : ", text " + r.getText().length() + " chars");
    }

    private static String describe(QueryRequest q) {
        return "query k="
                + q.getK()
                + " in "
                + q.getCollection()
                + (q.getFilter() == null ? "" : " filter " + q.getFilter())
                + (q.getConsistency() == null ? "" : " " + q.getConsistency());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
