package io.vectorstream.bench.quant;

import io.vectorstream.bench.data.IvecsFiles;
import io.vectorstream.client.FvecsReader;
import io.vectorstream.state.quant.BinaryQuantizer;
import io.vectorstream.state.search.TopK;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
 * DATA_DIR holds base.fvecs, query.fvecs and groundtruth.ivecs (bench/make-ann-data.sh); vectors
 * are unit length (cosine), so the inner product ranks them.
 */
public final class BinaryRecall {

    private static final int K = 10;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<float[]> base = read(dir.resolve("base.fvecs"));
        List<float[]> queries = read(dir.resolve("query.fvecs"));
        int[][] truth = IvecsFiles.read(dir.resolve("groundtruth.ivecs"));
        int n = base.size();
        int dim = base.get(0).length;
        float[] flat = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(base.get(i), 0, flat, i * dim, dim);
        }
        long start = System.nanoTime();
        BinaryQuantizer quantizer = BinaryQuantizer.train(flat, n, dim, 42);
        BinaryQuantizer.Codes codes = quantizer.encode(flat, n);
        System.out.printf(
                "%,d x %d, %,d queries; trained and encoded in %.1f s; %d bytes/vector (codes and"
                        + " two floats) against %d for float32: %.1fx smaller%n",
                n,
                dim,
                queries.size(),
                (System.nanoTime() - start) / 1e9,
                quantizer.bytesPerVector(),
                dim * 4,
                dim * 4.0 / quantizer.bytesPerVector());
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
                    byEstimate.offer(estimator.estimate(codes, i), i);
                }
                TopK exact = new TopK(K);
                for (long packed : byEstimate.drainBestFirst()) {
                    int i = TopK.unpackNode(packed);
                    exact.offer(dot(flat, i, dim, query), i);
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
