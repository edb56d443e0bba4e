package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Well-formed payloads whose values the validator must refuse or survive: wrong dimensions,
 * non-finite and zero vectors, odd vector byte counts, ids that are empty or too long, unknown
 * collections, out-of-range query knobs, bad and oversized filters, invalid collection settings. A
 * value the wire form cannot express (an odd byte count in JSON) is replaced by another.
 */
final class BadValues {

    private final SeedFactory seeds;

    BadValues(SeedFactory seeds) {
        this.seeds = seeds;
    }

    /** A bad variant of a valid seed of {@code target}: its key, value and what was changed. */
    FuzzCase make(long seq, Target target, WireFormat format, SplittableRandom rnd) {
        for (int attempt = 0; ; attempt++) {
            try {
                return switch (target) {
                    case VECTORS -> vector(seq, format, rnd);
                    case QUERIES -> query(seq, format, rnd);
                    case COLLECTIONS -> collection(seq, format, rnd);
                };
            } catch (CodecException e) {
                if (attempt > 20) {
                    throw new IllegalStateException("no encodable bad value for " + target, e);
                }
            }
        }
    }

    private FuzzCase vector(long seq, WireFormat format, SplittableRandom rnd) {
        VectorRecord r = seeds.vectorRecord(rnd);
        r.setOp(Op.UPSERT);
        int dim = seeds.dimension();
        String what;
        switch (rnd.nextInt(14)) {
            case 0 -> {
                int d = pick(rnd, 1, dim - 1, dim + 1, 2 * dim, 65_537);
                r.setVector(FloatVectors.toBytes(SeedFactory.unitVector(rnd, d)));
                r.setCollection("default");
                what = "vector of dimension " + d;
            }
            case 1 -> {
                r.setVector(FloatVectors.toBytes(new float[0]));
                what = "empty vector";
            }
            case 2 -> {
                float[] v = SeedFactory.unitVector(rnd, dim);
                float bad =
                        new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}
                                [rnd.nextInt(3)];
                v[rnd.nextInt(dim)] = bad;
                r.setCollection("default");
                r.setVector(FloatVectors.toBytes(v));
                what = "vector with " + bad;
            }
            case 3 -> {
                r.setCollection("default");
                r.setVector(FloatVectors.toBytes(new float[dim]));
                what = "zero vector";
            }
            case 4 -> {
                r.setVector(ByteBuffer.wrap(new byte[4 * dim + 1 + rnd.nextInt(3)]));
                what = "vector bytes not a multiple of 4";
            }
            case 5 -> {
                r.setVector(null);
                what = "upsert without a vector";
            }
            case 6 -> {
                r.setId("");
                what = "empty id";
            }
            case 7 -> {
                r.setId("i".repeat(pick(rnd, 512, 513, 4_096)));
                what = "id of " + r.getId().length() + " bytes";
            }
            case 8 -> {
                r.setCollection(pick(rnd, "", "nope", "DEFAULT", "default ", "a".repeat(300)));
                what = "collection '" + JsonMutator.abbreviate(r.getCollection()) + "'";
            }
            case 9 -> {
                r.setEventTimeMs(pick(rnd, Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L));
                what = "eventTimeMs " + r.getEventTimeMs();
            }
            case 10 -> {
                Map<String, String> m = new HashMap<>();
                int n = pick(rnd, 1_000, 10_000);
                for (int i = 0; i < n; i++) {
                    m.put("k" + i, "v" + i);
                }
                r.setMetadata(m);
                what = n + " metadata entries";
            }
            case 11 -> {
                r.setMetadata(Map.of("", "", "\u0000", "\ud800", "lang", "x".repeat(60_000)));
                what = "metadata with empty, NUL and 60 kB entries";
            }
            case 12 -> {
                r.setOp(Op.DELETE);
                r.setVector(ByteBuffer.wrap(new byte[7]));
                what = "delete with a malformed vector";
            }
            default -> {
                r.setId("\ud83d\ude00\u0000 id\n");
                what = "id with an emoji, NUL and newline";
            }
        }
        return new FuzzCase(
                seq,
                Target.VECTORS,
                format,
                MutationClass.BAD_VALUES,
                what,
                SeedFactory.utf8(r.getId()),
                PayloadCodec.encode(r, format),
                FuzzCase.ReplyTo.ABSENT);
    }

    private FuzzCase query(long seq, WireFormat format, SplittableRandom rnd) {
        QueryRequest q = seeds.query(rnd, seq);
        String what;
        switch (rnd.nextInt(12)) {
            case 0 -> {
                q.setK(pick(rnd, 0, -1, 1_001, 1_000, Integer.MAX_VALUE, Integer.MIN_VALUE));
                what = "k " + q.getK();
            }
            case 1 -> {
                q.setTimeoutMs(pick(rnd, 0, -5, 60_001, 60_000, Integer.MAX_VALUE, 1));
                what = "timeoutMs " + q.getTimeoutMs();
            }
            case 2 -> {
                q.setEf(pick(rnd, 0, -1, 4_097, Integer.MAX_VALUE, Integer.MIN_VALUE));
                what = "ef " + q.getEf();
            }
            case 3 -> {
                q.setNprobe(pick(rnd, 0, -1, 4_097, Integer.MAX_VALUE));
                q.setRerank(pick(rnd, -1, 10_001, Integer.MAX_VALUE, 0));
                what = "nprobe " + q.getNprobe() + ", rerank " + q.getRerank();
            }
            case 4 -> {
                q.setFilter(
                        pick(
                                rnd,
                                "",
                                "{",
                                "[]",
                                "null",
                                "{\"eq\":{}}",
                                "{\"and\":[]}",
                                "{\"range\":{\"year\":{\"gte\":\"x\"}}}",
                                "{\"eq\":{\"a\":\"b\"},\"in\":{\"a\":[\"b\"]}}",
                                "{\"bogus\":1}",
                                "{\"eq\":{\"a\":1e999}}",
                                "{\"in\":{\"a\":[" + "\"v\",".repeat(300) + "\"v\"]}}"));
                what = "filter " + JsonMutator.abbreviate(q.getFilter());
            }
            case 5 -> {
                int n = pick(rnd, 16_385, 100_000);
                q.setFilter("{\"eq\":{\"lang\":\"" + "x".repeat(n) + "\"}}");
                what = "filter of " + q.getFilter().length() + " chars";
            }
            case 6 -> {
                q.setConsistency(pick(rnd, "", "STRONG", "strongest", "linearizable", "\u0000"));
                what = "consistency '" + q.getConsistency() + "'";
            }
            case 7 -> {
                q.setQueryId(pick(rnd, "", "q".repeat(513)));
                what = "queryId of " + q.getQueryId().length() + " chars";
            }
            case 8 -> {
                q.setCollection(pick(rnd, "", "nope", "fuzz-small ", "z".repeat(1_000)));
                what = "collection '" + JsonMutator.abbreviate(q.getCollection()) + "'";
            }
            case 9 -> {
                int d = pick(rnd, 0, 1, seeds.dimension() + 1, 65_537);
                q.setCollection("default");
                q.setVector(FloatVectors.toBytes(SeedFactory.unitVector(rnd, d)));
                what = "query vector of dimension " + d;
            }
            case 10 -> {
                float[] v = new float[seeds.dimension()];
                if (rnd.nextBoolean()) {
                    v[0] = Float.NaN;
                }
                q.setCollection("default");
                q.setVector(FloatVectors.toBytes(v));
                what = Float.isNaN(v[0]) ? "NaN query vector" : "zero query vector";
            }
            default -> {
                q.setK(1_000);
                q.setIncludeVectors(true);
                q.setIncludeMetadata(true);
                q.setConsistency("strong");
                what = "k 1000, strong, with vectors and metadata";
            }
        }
        return new FuzzCase(
                seq,
                Target.QUERIES,
                format,
                MutationClass.BAD_VALUES,
                what,
                SeedFactory.utf8(q.getQueryId()),
                PayloadCodec.encode(q, format),
                FuzzCase.ReplyTo.OWN);
    }

    private FuzzCase collection(long seq, WireFormat format, SplittableRandom rnd) {
        CollectionRequest c = SeedFactory.createSmall("c-" + seq);
        // A bad request must not create anything by accident: give each its own name.
        c.setCollection("fuzz-bad-" + rnd.nextInt(8));
        String what;
        switch (rnd.nextInt(12)) {
            case 0 -> {
                c.setCollection(
                        pick(rnd, "", "a b", "../x", "n".repeat(65), "\u00e9t\u00e9", "a/b"));
                what = "name '" + c.getCollection() + "'";
            }
            case 1 -> {
                c.setDimension(pick(rnd, 0, -1, 65_537, Integer.MAX_VALUE, Integer.MIN_VALUE));
                what = "dimension " + c.getDimension();
            }
            case 2 -> {
                c.setDimension(null);
                what = "no dimension";
            }
            case 3 -> {
                c.setMetric(pick(rnd, "manhattan", "", "COSINE ", "\u0000"));
                what = "metric '" + c.getMetric() + "'";
            }
            case 4 -> {
                c.setShards(pick(rnd, 0, -8, 3, 256, Integer.MAX_VALUE));
                what = "shards " + c.getShards();
            }
            case 5 -> {
                c.setIndexType(pick(rnd, "lsh", "", "HNSW", "ivf"));
                what = "indexType '" + c.getIndexType() + "'";
            }
            case 6 -> {
                c.setMemoryTier(pick(rnd, "pq-codes", "disk", ""));
                what = "memoryTier '" + c.getMemoryTier() + "' with hnsw";
            }
            case 7 -> {
                c.setSealSize(pick(rnd, 0, -1, Integer.MAX_VALUE));
                c.setHnswM(pick(rnd, 0, -1, 1, Integer.MAX_VALUE));
                what = "sealSize " + c.getSealSize() + ", hnswM " + c.getHnswM();
            }
            case 8 -> {
                c.setIndexType("ivf-pq");
                c.setIvfPqM(pick(rnd, 3, 0, -1, 9, Integer.MAX_VALUE));
                c.setIvfNlist(pick(rnd, -1, 0, Integer.MAX_VALUE));
                what = "ivf-pq with pqM " + c.getIvfPqM() + ", nlist " + c.getIvfNlist();
            }
            case 9 -> {
                c.setCompactionDeletedRatio(
                        pick(rnd, 0.0, -0.5, 1.5, Double.NaN, Double.POSITIVE_INFINITY));
                what = "compactionDeletedRatio " + c.getCompactionDeletedRatio();
            }
            case 10 -> {
                c.setRequestId(pick(rnd, "", "r".repeat(513)));
                what = "requestId of " + c.getRequestId().length() + " chars";
            }
            default -> {
                c.setHnswEfConstruction(pick(rnd, 0, -1, Integer.MAX_VALUE));
                c.setHnswEfSearch(pick(rnd, 0, -1, Integer.MAX_VALUE));
                c.setCompactionMaxSegments(pick(rnd, 0, -1, Integer.MAX_VALUE));
                what =
                        "efConstruction "
                                + c.getHnswEfConstruction()
                                + ", efSearch "
                                + c.getHnswEfSearch()
                                + ", compactionMaxSegments "
                                + c.getCompactionMaxSegments();
            }
        }
        return new FuzzCase(
                seq,
                Target.COLLECTIONS,
                format,
                MutationClass.BAD_VALUES,
                what,
                SeedFactory.utf8(c.getRequestId()),
                PayloadCodec.encode(c, format),
                FuzzCase.ReplyTo.OWN);
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom rnd, T... options) {
        return options[rnd.nextInt(options.length)];
    }
}
