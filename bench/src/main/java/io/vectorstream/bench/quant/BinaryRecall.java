package io.vectorstream.bench.quant;

import io.vectorstream.bench.data.IvecsFiles;
import io.vectorstream.client.FvecsReader;
import io.vectorstream.state.quant.BinaryQuantizer;
import io.vectorstream.state.search.TopK;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * How much one-bit RaBitQ-style codes ({@link BinaryQuantizer}) lose on a real data set, outside
 * the job: a flat scan of every code by its estimate, the best {@code k × oversampling} rescored
 * exactly from the full vectors, recall@10 against the set's exact ground truth, for several
 * oversampling factors; plus the bytes per vector. Issue 16's groundwork: whether one bit is enough
 * at this dimension, before a segment tier is built on it.
 *
 * <pre>
 *   java -cp ... io.vectorstream.bench.quant.BinaryRecall DATA_DIR
 * </pre>
 *
 * DATA_DIR holds base.fvecs, query.fvecs, groundtruth.ivecs and dataset.properties
 * (bench/make-ann-data.sh). Under cosine (unit vectors) the inner product ranks them; under
 * euclidean the ranking is by 2⟨x, q⟩ − ‖x‖², with each ‖x‖² kept exactly (4 more bytes).
 */
public final class BinaryRecall {

    private static final int K = 10;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<float[]> base = read(dir.resolve("base.fvecs"));
        List<float[]> queries = read(dir.resolve("query.fvecs"));
        int[][] truth = IvecsFiles.read(dir.resolve("groundtruth.ivecs"));
        Properties props = new Properties();
        try (var in = Files.newInputStream(dir.resolve("dataset.properties"))) {
            props.load(in);
        }
        boolean euclidean = "euclidean".equalsIgnoreCase(props.getProperty("metric"));
        int n = base.size();
        int dim = base.get(0).length;
        float[] flat = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(base.get(i), 0, flat, i * dim, dim);
        }
        long start = System.nanoTime();
        BinaryQuantizer quantizer = BinaryQuantizer.train(flat, n, dim, 42);
        BinaryQuantizer.Codes codes = quantizer.encode(flat, n);
        float[] squared = new float[n];
        if (euclidean) {
            for (int i = 0; i < n; i++) {
                squared[i] = dot(flat, i, dim, base.get(i));
            }
        }
        int bytes = quantizer.bytesPerVector() + (euclidean ? Float.BYTES : 0);
        System.out.printf(
                "%,d x %d (%s), %,d queries; trained and encoded in %.1f s; %d bytes/vector"
                        + " (codes and correction floats) against %d for float32: %.1fx smaller%n",
                n,
                dim,
                euclidean ? "euclidean" : "inner product",
                queries.size(),
                (System.nanoTime() - start) / 1e9,
                bytes,
                dim * 4,
                dim * 4.0 / bytes);
        System.out.println(
                "| oversampling | candidates rescored | recall@10 | queries/s (one thread, flat"
                        + " scan) |");
        System.out.println("|---:|---:|---:|---:|");
        for (int over : new int[] {1, 2, 4, 8, 16, 32, 64}) {
            int pool = K * over;
            long found = 0;
            long t0 = System.nanoTime();
            for (int q = 0; q < queries.size(); q++) {
                float[] query = queries.get(q);
                BinaryQuantizer.Estimator estimator = quantizer.estimator(query);
                TopK byEstimate = new TopK(pool);
                for (int i = 0; i < n; i++) {
                    float estimate = estimator.estimate(codes, i);
                    byEstimate.offer(euclidean ? 2 * estimate - squared[i] : estimate, i);
                }
                TopK exact = new TopK(K);
                for (long packed : byEstimate.drainBestFirst()) {
                    int i = TopK.unpackNode(packed);
                    float d = dot(flat, i, dim, query);
                    exact.offer(euclidean ? 2 * d - squared[i] : d, i);
                }
                for (long packed : exact.drainBestFirst()) {
                    int i = TopK.unpackNode(packed);
                    for (int t = 0; t < K; t++) {
                        if (truth[q][t] == i) {
                            found++;
                            break;
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "| %d | %d | %.4f | %.0f |%n",
                    over, pool, found / (double) (K * queries.size()), queries.size() / seconds);
        }
    }

    private static float dot(float[] flat, int i, int dim, float[] q) {
        float s = 0;
        for (int j = 0; j < dim; j++) {
            s += flat[i * dim + j] * q[j];
        }
        return s;
    }

    private static List<float[]> read(Path file) throws IOException {
        List<float[]> out = new ArrayList<>();
        try (FvecsReader reader = FvecsReader.open(file)) {
            for (float[] v = reader.next(); v != null; v = reader.next()) {
                out.add(v);
            }
        }
        return out;
    }
}
