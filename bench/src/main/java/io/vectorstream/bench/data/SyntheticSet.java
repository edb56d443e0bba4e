package io.vectorstream.bench.data;

import io.vectorstream.client.VectorFiles;
import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a seeded clustered synthetic ANN data set ({@link SyntheticData#clustered}): {@code
 * base.fvecs}, {@code query.fvecs} drawn from the same clusters but not in the base, and exact
 * top-k {@code groundtruth.ivecs} computed on all cores.
 *
 * <pre>java ... SyntheticSet --out bench/data/synth-1m --n 1000000 --dim 128</pre>
 */
public final class SyntheticSet {

    private static final String USAGE =
            "SyntheticSet --out DIR [--n 1000000] [--dim 128] [--queries 1000] [--clusters 1000]"
                    + " [--spread 0.5] [--metric euclidean|cosine|dot] [--k 100] [--seed 42]";

    record Options(
            Path out,
            int n,
            int dim,
            int queries,
            int clusters,
            double spread,
            Metric metric,
            int k,
            long seed) {

        static Options parse(String[] args) {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "out",
                                    "n",
                                    "dim",
                                    "queries",
                                    "clusters",
                                    "spread",
                                    "metric",
                                    "k",
                                    "seed"),
                            USAGE);
            String out = f.string("out", null);
            if (out == null) {
                throw new IllegalArgumentException("--out DIR is required\n" + USAGE);
            }
            return new Options(
                    Path.of(out),
                    f.integer("n", 1_000_000),
                    f.integer("dim", 128),
                    f.integer("queries", 1000),
                    f.integer("clusters", 1000),
                    f.real("spread", 0.5),
                    Metric.parse(f.string("metric", "euclidean")),
                    f.integer("k", 100),
                    f.longValue("seed", 42));
        }
    }

    private SyntheticSet() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Files.createDirectories(o.out());
        long t0 = System.nanoTime();
        // One draw for base and queries, so the queries come from the same cluster centres.
        float[][] all =
                SyntheticData.clustered(
                        o.n() + o.queries(),
                        o.dim(),
                        o.clusters(),
                        o.spread(),
                        o.metric().normalises(),
                        o.seed());
        float[][] base = Arrays.copyOfRange(all, 0, o.n());
        float[][] queries = Arrays.copyOfRange(all, o.n(), all.length);
        VectorFiles.writeFvecs(o.out().resolve("base.fvecs"), Arrays.asList(base));
        VectorFiles.writeFvecs(o.out().resolve("query.fvecs"), Arrays.asList(queries));
        double genSeconds = (System.nanoTime() - t0) / 1e9;

        long t1 = System.nanoTime();
        float[] flat = GroundTruth.flatten(Arrays.asList(base), o.dim());
        base = null; // let the rows go: the flat copy is all the scan needs
        all = null;
        int[][] truth =
                GroundTruth.compute(
                        flat,
                        o.dim(),
                        queries,
                        o.k(),
                        o.metric(),
                        Runtime.getRuntime().availableProcessors());
        IvecsFiles.write(o.out().resolve("groundtruth.ivecs"), truth);
        double gtSeconds = (System.nanoTime() - t1) / 1e9;

        Map<String, String> details = new TreeMap<>();
        details.put("source", "SyntheticData.clustered");
        details.put("base", Integer.toString(o.n()));
        details.put("queries", Integer.toString(o.queries()));
        details.put("dim", Integer.toString(o.dim()));
        details.put("clusters", Integer.toString(o.clusters()));
        details.put("spread", Double.toString(o.spread()));
        details.put("groundTruthK", Integer.toString(o.k()));
        details.put("seed", Long.toString(o.seed()));
        new DataSetInfo(
                        String.format(Locale.ROOT, "synthetic-%dx%d", o.n(), o.dim()),
                        o.metric(),
                        details)
                .write(o.out());
        System.out.printf(
                Locale.ROOT,
                "wrote %s: base %,d × %d, %,d queries (%.1f s), top-%d ground truth (%.1f s)%n",
                o.out(),
                o.n(),
                o.dim(),
                o.queries(),
                genSeconds,
                o.k(),
                gtSeconds);
    }
}
