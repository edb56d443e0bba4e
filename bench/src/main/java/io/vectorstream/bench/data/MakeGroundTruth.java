package io.vectorstream.bench.data;

import io.vectorstream.client.VectorFiles;
import io.vectorstream.state.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * (Re)computes {@code groundtruth.ivecs} of a directory holding {@code base.fvecs} and {@code
 * query.fvecs}, by brute force on all cores, and writes {@code dataset.properties} when the
 * directory has none: for vector files made elsewhere, or when an earlier run stopped after writing
 * the vectors.
 *
 * <pre>java ... MakeGroundTruth --data DIR --metric cosine [--k 100] [--name NAME]</pre>
 */
public final class MakeGroundTruth {

    private static final String USAGE =
            "MakeGroundTruth --data DIR --metric cosine|dot|euclidean [--k 100] [--name NAME]";

    private MakeGroundTruth() {}

    public static void main(String[] args) throws Exception {
        Flags f = Flags.parse(args, Set.of("data", "metric", "k", "name"), USAGE);
        String data = f.string("data", null);
        String metricName = f.string("metric", null);
        if (data == null || metricName == null) {
            throw new IllegalArgumentException("--data and --metric are required\n" + USAGE);
        }
        Path dir = Path.of(data);
        Metric metric = Metric.parse(metricName);
        int k = f.integer("k", 100);

        List<float[]> base = VectorFiles.readFvecs(dir.resolve("base.fvecs"));
        float[][] queries =
                VectorFiles.readFvecs(dir.resolve("query.fvecs")).toArray(new float[0][]);
        int dim = base.get(0).length;
        long t0 = System.nanoTime();
        int[][] truth =
                GroundTruth.compute(
                        GroundTruth.flatten(base, dim),
                        dim,
                        queries,
                        k,
                        metric,
                        Runtime.getRuntime().availableProcessors());
        IvecsFiles.write(dir.resolve("groundtruth.ivecs"), truth);
        if (!Files.exists(dir.resolve(DataSetInfo.FILE))) {
            Map<String, String> details = new TreeMap<>();
            details.put("base", Integer.toString(base.size()));
            details.put("queries", Integer.toString(queries.length));
            details.put("dim", Integer.toString(dim));
            details.put("groundTruthK", Integer.toString(k));
            new DataSetInfo(f.string("name", dir.getFileName().toString()), metric, details)
                    .write(dir);
        }
        System.out.printf(
                Locale.ROOT,
                "wrote %s: top-%d of %,d queries over %,d × %d (%.1f s)%n",
                dir.resolve("groundtruth.ivecs"),
                k,
                queries.length,
                base.size(),
                dim,
                (System.nanoTime() - t0) / 1e9);
    }
}
