package io.vectorstream.bench.ann;

import io.vectorstream.bench.data.Flags;
import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.search.ExactSearch;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorKernels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Recall@10 against queries per second of our HNSW, IVF-Flat and IVF-PQ indexes, single-threaded,
 * on a data set from {@code EmbedCorpus}/{@code SyntheticSet} (or a small synthetic one made in
 * memory). Prints Markdown tables and writes {@code RESULTS/NAME.csv} and {@code NAME-build.csv};
 * {@code bench/anchors/anchors.py} writes the same columns for hnswlib and FAISS, and {@code
 * bench/run-ann.sh} runs both and compares them at equal recall.
 *
 * <pre>java ... AnnBench --data bench/data/minilm --m 16 --ef-construction 200</pre>
 */
public final class AnnBench {

    private static final String USAGE =
            "AnnBench (--data DIR | --synthetic N [--dim 128]) [--algorithms hnsw,ivf-flat,ivf-pq]"
                    + " [--m 16] [--ef-construction 200] [--efs 10,16,24,32,48,64,96,128,256]"
                    + " [--nlist sqrt(n)] [--pq-m dim/8] [--nprobes 1,2,4,8,16,32,64,128]"
                    + " [--reranks 0,100] [--train-size 65536] [--train-iterations 25] [--k 10]"
                    + " [--min-seconds 1] [--seed 42] [--results bench/results] [--name NAME]";

    record Options(
            Path data,
            int synthetic,
            int dim,
            List<String> algorithms,
            int m,
            int efConstruction,
            int[] efs,
            int nlist,
            int pqM,
            int[] nprobes,
            int[] reranks,
            int trainSize,
            int trainIterations,
            int k,
            double minSeconds,
            long seed,
            Path results,
            String name) {

        static Options parse(String[] args) {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "data",
                                    "synthetic",
                                    "dim",
                                    "algorithms",
                                    "m",
                                    "ef-construction",
                                    "efs",
                                    "nlist",
                                    "pq-m",
                                    "nprobes",
                                    "reranks",
                                    "train-size",
                                    "train-iterations",
                                    "k",
                                    "min-seconds",
                                    "seed",
                                    "results",
                                    "name"),
                            USAGE);
            String data = f.string("data", null);
            int synthetic = f.integer("synthetic", 0);
            if ((data == null) == (synthetic == 0)) {
                throw new IllegalArgumentException(
                        "give exactly one of --data DIR and --synthetic N\n" + USAGE);
            }
            return new Options(
                    data == null ? null : Path.of(data),
                    synthetic,
                    f.integer("dim", 128),
                    List.of(f.string("algorithms", "hnsw,ivf-flat,ivf-pq").split(",")),
                    f.integer("m", 16),
                    f.integer("ef-construction", 200),
                    ints(f.string("efs", "10,16,24,32,48,64,96,128,256")),
                    f.integer("nlist", 0),
                    f.integer("pq-m", 0),
                    ints(f.string("nprobes", "1,2,4,8,16,32,64,128")),
                    ints(f.string("reranks", "0,100")),
                    f.integer("train-size", 65536),
                    f.integer("train-iterations", 25),
                    f.integer("k", 10),
                    f.real("min-seconds", 1.0),
                    f.longValue("seed", 42),
                    Path.of(f.string("results", "bench/results")),
                    f.string("name", null));
        }

        private static int[] ints(String csv) {
            return Arrays.stream(csv.split(","))
                    .mapToInt(s -> Integer.parseInt(s.trim()))
                    .toArray();
        }
    }

    private AnnBench() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        AnnDataSet data = o.data() != null ? AnnDataSet.read(o.data()) : synthetic(o);
        String name = o.name() != null ? o.name() : data.name() + "-vectorstream";
        int n = data.base().length;
        int nlist = o.nlist() > 0 ? o.nlist() : Math.max(1, (int) Math.round(Math.sqrt(n)));
        int pqM = o.pqM() > 0 ? o.pqM() : Math.max(1, data.dimension() / 8);
        System.out.printf(
                Locale.ROOT,
                "## %s: %,d base × %d, %,d queries, %s, recall@%d, one thread, %s %s,"
                        + " %s distance kernel%n",
                data.name(),
                n,
                data.dimension(),
                data.queries().length,
                data.metric().name().toLowerCase(Locale.ROOT),
                o.k(),
                System.getProperty("java.vm.name"),
                System.getProperty("java.version"),
                VectorKernels.active().name());

        Report report = new Report(System.out);
        for (String algorithm : o.algorithms()) {
            switch (algorithm.trim()) {
                case "hnsw":
                    sweep(
                            data,
                            HnswBuild.build(data, o.m(), o.efConstruction(), o.seed(), report),
                            o.efs(),
                            o,
                            report);
                    break;
                case "ivf-flat":
                    for (BuiltIndex ivf :
                            IvfBuild.build(
                                    data,
                                    nlist,
                                    0,
                                    o.trainSize(),
                                    o.trainIterations(),
                                    o.reranks(),
                                    o.seed(),
                                    report)) {
                        sweep(data, ivf, o.nprobes(), o, report);
                    }
                    break;
                case "ivf-pq":
                    for (BuiltIndex ivf :
                            IvfBuild.build(
                                    data,
                                    nlist,
                                    pqM,
                                    o.trainSize(),
                                    o.trainIterations(),
                                    o.reranks(),
                                    o.seed(),
                                    report)) {
                        sweep(data, ivf, o.nprobes(), o, report);
                    }
                    break;
                default:
                    throw new IllegalArgumentException(
                            "unknown algorithm '" + algorithm + "'; use hnsw, ivf-flat, ivf-pq");
            }
            report.writeCsv(o.results(), name); // after each, so a late failure keeps the rest
        }
        System.out.println("\nwrote " + o.results().resolve(name + ".csv"));
    }

    private static void sweep(
            AnnDataSet data, BuiltIndex index, int[] params, Options o, Report report) {
        for (int p : params) {
            report.point(Sweep.measure(data, index, o.k(), p, o.minSeconds()));
        }
    }

    /** A small clustered set made in memory, ground truth by brute force: for quick checks. */
    private static AnnDataSet synthetic(Options o) {
        int nq = 1000;
        float[][] all =
                SyntheticData.clustered(o.synthetic() + nq, o.dim(), 100, 0.5, false, o.seed());
        float[][] base = Arrays.copyOf(all, o.synthetic());
        float[][] queries = Arrays.copyOfRange(all, o.synthetic(), all.length);
        int[][] truth = new int[nq][];
        for (int q = 0; q < nq; q++) {
            truth[q] = ExactSearch.search(base, queries[q], o.k(), Metric.EUCLIDEAN, null).nodes();
        }
        return new AnnDataSet(
                "synthetic-" + o.synthetic() + "x" + o.dim(),
                Metric.EUCLIDEAN,
                base,
                queries,
                truth);
    }
}
