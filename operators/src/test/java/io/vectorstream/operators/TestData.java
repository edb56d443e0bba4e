package io.vectorstream.operators;

import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.Metric;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;

/** Builders of configurations and wire messages shared by the operator tests. */
public final class TestData {
    private TestData() {}

    public static VectorStreamConfig config(int dim, Metric metric) {
        return config(dim, metric, VectorStreamConfig.IndexSettings.defaults());
    }

    public static VectorStreamConfig config(
            int dim, Metric metric, VectorStreamConfig.IndexSettings index) {
        return config(dim, metric, index, limits(4096, 64, 1_000_000, 256 * 1024));
    }

    public static VectorStreamConfig config(
            int dim, Metric metric, VectorStreamConfig.Limits limits) {
        return config(dim, metric, VectorStreamConfig.IndexSettings.defaults(), limits);
    }

    /** The tests' limits with these sizes, the defaults for the rest. */
    public static VectorStreamConfig.Limits limits(
            int maxRecordBytes, int maxIdBytes, int maxAnswerBytes, int maxDeadLetterValueBytes) {
        VectorStreamConfig.Limits d = VectorStreamConfig.Limits.defaults();
        return new VectorStreamConfig.Limits(
                maxRecordBytes,
                maxIdBytes,
                d.maxFilterBytes(),
                64,
                d.maxMetadataEntries(),
                maxAnswerBytes,
                maxDeadLetterValueBytes,
                d.maxSegmentBytes(),
                d.maxStrongQueriesHeld());
    }

    private static VectorStreamConfig config(
            int dim,
            Metric metric,
            VectorStreamConfig.IndexSettings index,
            VectorStreamConfig.Limits limits) {
        return new VectorStreamConfig(
                "default",
                dim,
                metric,
                8,
                128,
                100,
                5_000,
                60_000,
                512,
                64,
                1000,
                limits,
                index,
                0,
                VectorStreamConfig.TextSettings.defaults(),
                VectorStreamConfig.MemorySettings.defaults());
    }

    /** {@code cfg} whose configured collection embeds texts with all-MiniLM-L6-v2. */
    public static VectorStreamConfig withEmbedder(VectorStreamConfig cfg) {
        VectorStreamConfig.TextSettings t = cfg.text();
        return withText(
                cfg,
                new VectorStreamConfig.TextSettings(
                        "all-minilm-l6-v2",
                        t.embedderThreads(),
                        t.embedderCapacity(),
                        t.maxQueryTextBytes(),
                        t.maxQueryTerms(),
                        t.rankConstant()));
    }

    /** {@code cfg} with text settings {@code text}. */
    public static VectorStreamConfig withText(
            VectorStreamConfig cfg, VectorStreamConfig.TextSettings text) {
        return copy(cfg, text, cfg.memory());
    }

    /** {@code cfg} with memory settings {@code memory}. */
    public static VectorStreamConfig withMemory(
            VectorStreamConfig cfg, VectorStreamConfig.MemorySettings memory) {
        return copy(cfg, cfg.text(), memory);
    }

    private static VectorStreamConfig copy(
            VectorStreamConfig cfg,
            VectorStreamConfig.TextSettings text,
            VectorStreamConfig.MemorySettings memory) {
        return new VectorStreamConfig(
                cfg.collection(),
                cfg.dimension(),
                cfg.metric(),
                cfg.shards(),
                cfg.maxParallelism(),
                cfg.maxK(),
                cfg.defaultTimeoutMs(),
                cfg.maxTimeoutMs(),
                cfg.maxEf(),
                cfg.maxNprobe(),
                cfg.maxRerank(),
                cfg.limits(),
                cfg.index(),
                cfg.sealAfterIdleMs(),
                text,
                memory);
    }

    public static float[] randomVector(Random rnd, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    public static RawMessage upsert(String id, float[] vector, Map<String, String> metadata) {
        VectorRecord r =
                VectorRecord.newBuilder()
                        .setId(id)
                        .setOp(Op.UPSERT)
                        .setVector(FloatVectors.toBytes(vector))
                        .setMetadata(metadata)
                        .build();
        return RawMessage.of("vectors", bytes(id), PayloadCodec.encode(r, WireFormat.AVRO));
    }

    public static RawMessage delete(String id) {
        VectorRecord r = VectorRecord.newBuilder().setId(id).setOp(Op.DELETE).build();
        return RawMessage.of("vectors", bytes(id), PayloadCodec.encode(r, WireFormat.AVRO));
    }

    public static RawMessage query(String queryId, float[] vector, int k) {
        QueryRequest q =
                QueryRequest.newBuilder()
                        .setQueryId(queryId)
                        .setVector(FloatVectors.toBytes(vector))
                        .setK(k)
                        .build();
        return RawMessage.of("queries", bytes(queryId), PayloadCodec.encode(q, WireFormat.AVRO));
    }

    public static RawMessage json(String topic, String key, String json) {
        return RawMessage.of(
                topic, key == null ? null : bytes(key), json.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
