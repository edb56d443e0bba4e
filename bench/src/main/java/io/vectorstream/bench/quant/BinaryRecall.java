package io.vectorstream.bench.quant;

import io.vectorstream.bench.data.IvecsFiles;
import io.vectorstream.client.FvecsReader;
import io.vectorstream.state.kmeans.KMeans;
import io.vectorstream.state.quant.BinaryQuantizer;
import io.vectorstream.state.search.TopK;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 *   java -cp ... io.vectorstream.bench.quant.BinaryRecall DATA_DIR [LISTS [QUERIES]]
 * </pre>
 *
 * With LISTS above 0 the vectors are split into that many k-means lists and each is coded around
 * its own centroid (RaBitQ's IVF form; the scan still reads every list, so only the codes' quality
 * changes); without, one centre serves the whole set.
 *
 * <p>DATA_DIR holds base.fvecs, query.fvecs, groundtruth.ivecs and dataset.properties
 * (bench/make-ann-data.sh). Under cosine (unit vectors) the inner product ranks them; under
 * euclidean the ranking is by 2⟨x, q⟩ − ‖x‖², with each ‖x‖² kept exactly (4 more bytes).
 */
public final class BinaryRecall {

    private static final int K = 10;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<float[]> base = read(dir.resolve("base.fvecs"));
        List<float[]> queries = read(dir.resolve("query.fvecs"));
        if (args.length > 2) {
            queries = queries.subList(0, Math.min(queries.size(), Integer.parseInt(args[2])));
        }
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
        int lists = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        BinaryQuantizer quantizer = BinaryQuantizer.train(flat, n, dim, 42);
        int[] listOf = new int[n];
        BinaryQuantizer[] byList = {quantizer};
        if (lists > 0) {
            float[] centroids = new KMeans(lists, 10, false, 42).train(flat, n, dim);
            byList = new BinaryQuantizer[lists];
            for (int l = 0; l < lists; l++) {
                byList[l] =
                        quantizer.withCenter(Arrays.copyOfRange(centroids, l * dim, (l + 1) * dim));
            }
            for (int i = 0; i < n; i++) {
                listOf[i] = KMeans.nearest(centroids, lists, dim, flat, i * dim);
            }
        }
        // Each vector coded by its list's quantizer, kept at its own ordinal.
        BinaryQuantizer.Codes codes = encode(byList, listOf, flat, n, dim);
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
                BinaryQuantizer.Estimator[] estimators =
                        new BinaryQuantizer.Estimator[byList.length];
                for (int l = 0; l < byList.length; l++) {
                    estimators[l] = byList[l].estimator(query);
                }
                TopK byEstimate = new TopK(pool);
                for (int i = 0; i < n; i++) {
                    float estimate = estimators[listOf[i]].estimate(codes, i);
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

    /** The codes of all vectors, each made by its list's quantizer, in ordinal order. */
    private static BinaryQuantizer.Codes encode(
            BinaryQuantizer[] byList, int[] listOf, float[] flat, int n, int dim) {
        BinaryQuantizer.Codes all = byList[0].encode(flat, n);
        if (byList.length == 1) {
            return all;
        }
        int words = all.words();
        for (int i = 0; i < n; i++) {
            BinaryQuantizer.Codes one =
                    byList[listOf[i]].encode(Arrays.copyOfRange(flat, i * dim, (i + 1) * dim), 1);
            System.arraycopy(one.bits(), 0, all.bits(), i * words, words);
            all.norms()[i] = one.norms()[0];
            all.factors()[i] = one.factors()[0];
            all.offsets()[i] = one.offsets()[0];
        }
        return all;
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
