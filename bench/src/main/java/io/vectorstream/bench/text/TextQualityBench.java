package io.vectorstream.bench.text;

import static io.vectorstream.bench.BenchHost.cpuModel;
import static io.vectorstream.bench.BenchHost.deleteRecursively;
import static io.vectorstream.bench.BenchHost.freePort;
import static io.vectorstream.bench.BenchHost.loadAverage;
import static io.vectorstream.bench.BenchHost.memTotal;

import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.serving.JobSettings;
import io.vectorstream.bench.text.DebianCorpus.Corpus;
import io.vectorstream.bench.text.DebianCorpus.Doc;
import io.vectorstream.bench.text.DebianCorpus.Query;
import io.vectorstream.bench.text.DebianCorpus.ReadStats;
import io.vectorstream.bench.text.DebianCorpus.Selection;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * Search quality on real text through the whole job: keyword-only (BM25), vector-only (the job
 * embeds the query text) and hybrid (reciprocal rank fusion of the two), on the Debian package
 * descriptions ({@link DebianCorpus}). A query is a package's synopsis, and its one right answer is
 * that package's long description, which does not contain the synopsis.
 *
 * <p>Starts the whole system in this JVM as the serving bench does ({@link LocalSystem}: embedded
 * KRaft broker, the job with {@code config/config.yaml} at {@code --parallelism}, the {@code --set}
 * overrides, see {@link JobSettings}) on free ports and a fresh data directory, then:
 *
 * <ol>
 *   <li>creates collection {@code --collection} with {@code embedder} = {@code --embedder} through
 *       the Java client;
 *   <li>publishes every document as a {@link VectorRecord} with its text and metadata and no vector
 *       (the job embeds it), and sends a strong-consistency keyword query once the broker has
 *       acknowledged them all, again until one is answered by every shard: it is answered once
 *       everything published before it is indexed. Texts/s = documents / (first publish to that
 *       answer), the in-job embedding and indexing rate; the job's {@code vectorsIndexed} is
 *       sampled meanwhile for the steady rate. Then waits until no segment build is in flight and
 *       the shards are at rest, as the serving bench does;
 *   <li>per mode, {@code --warmup} unmeasured queries (synopses of other documents than the
 *       queries'), then every query once with {@code --in-flight} in flight ({@link ModeRun}): hit
 *       rate @1 and @10 and MRR@10 of the labelled package ({@code hit.getId()}), queries/s and
 *       round trip p50/p99.
 * </ol>
 *
 * Prints the report as Markdown and appends it to {@code --results}. {@code --dry-run} only reads
 * the corpus and prints counts and samples. Usage: {@code bench/run-text-quality.sh}; see {@link
 * TextQualityOptions#USAGE}.
 */
public final class TextQualityBench {

    private static final Duration METRICS_FETCH_INTERVAL = Duration.ofMillis(200);

    /** How long no segment build may be in flight before the index counts as at rest. */
    private static final Duration BUILDS_QUIET = Duration.ofSeconds(2);

    /** How long the wait for rest waits for the shards to fold into one segment each. */
    private static final Duration REST_WAIT = Duration.ofMinutes(3);

    /** The strong probe's {@code timeoutMs}: the job caps it at its max-timeout (60 s). */
    private static final int STRONG_TIMEOUT_MS = 60_000;

    /** How often ingest progress is logged. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final TextQualityOptions o;
    private final List<String> header = new ArrayList<>();
    private final List<String> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private TextQualityBench(TextQualityOptions o) {
        this.o = o;
    }

    public static void main(String[] args) {
        TextQualityOptions o;
        try {
            o = TextQualityOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            if (o.dryRun()) {
                new TextQualityBench(o).dryRun();
                System.exit(0);
            }
            Files.createDirectories(o.log().toAbsolutePath().getParent());
            // Before any Flink class creates a logger, or the log goes to java.io.tmpdir.
            System.setProperty("vectorstream.log.file", o.log().toAbsolutePath().toString());
            new TextQualityBench(o).run();
            System.exit(0);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    // ------------------------------------------------------------------------------- corpus

    private Selection corpus() throws IOException {
        long start = System.nanoTime();
        Corpus corpus = DebianCorpus.read(o.packages(), o.translations());
        ReadStats s = corpus.stats();
        log(
                "read %s%s in %.1f s: %,d package stanzas (%,d repeated names dropped), %,d with a"
                        + " synopsis; long description inline %,d, from Translation-en %,d (%,d"
                        + " descriptions there), none %,d",
                o.packages(),
                o.translations().isEmpty()
                        ? ""
                        : " + "
                                + o.translations().stream()
                                        .map(Path::toString)
                                        .collect(Collectors.joining(", ")),
                secondsSince(start),
                s.stanzas(),
                s.duplicateNames(),
                s.withSynopsis(),
                s.longInline(),
                s.longFromTranslations(),
                s.translationEntries(),
                s.noLongDescription());
        Selection sel = DebianCorpus.select(corpus.packages(), o.docs(), o.queries(), o.seed());
        if (sel.docs().isEmpty() || sel.queries().isEmpty()) {
            throw new IllegalArgumentException(
                    "no documents or no queries: the packages have no long descriptions. apt's"
                            + " Packages index holds only synopses; pass its Translation-en"
                            + " files with --translations (bench/run-text-quality.sh fetches"
                            + " them)");
        }
        log(
                "%,d packages with a long description; %,d documents (seed %d), %,d of them"
                        + " with a synopsis another document shares (never a query), %,d with a"
                        + " text another document has too; %,d queries (%,d of whose documents"
                        + " share their text)",
                sel.eligible(),
                sel.docs().size(),
                o.seed(),
                sel.sharedSynopsis(),
                sel.sharedText(),
                sel.queries().size(),
                sel.queriesWithSharedText());
        return sel;
    }

    private void dryRun() throws IOException {
        Selection sel = corpus();
        int[] words =
                sel.docs().stream().mapToInt(d -> d.text().split("\\s+").length).sorted().toArray();
        long chars = sel.docs().stream().mapToLong(d -> d.text().length()).sum();
        log(
                "document words: p50 %d, p90 %d, p99 %d, max %d; %,d characters in all (%.0f per"
                        + " document)",
                quantile(words, 0.5),
                quantile(words, 0.9),
                quantile(words, 0.99),
                words[words.length - 1],
                chars,
                (double) chars / words.length);
        System.out.println();
        for (Doc d : sel.docs().subList(0, Math.min(3, sel.docs().size()))) {
            System.out.printf(
                    "doc %s %s (synopsis: %s)%n%s%n%n",
                    d.id(), d.metadata(), d.synopsis(), d.text());
        }
        for (Query q : sel.queries().subList(0, Math.min(3, sel.queries().size()))) {
            System.out.printf("query \"%s\" -> %s%n", q.text(), q.answer());
        }
    }

    // ---------------------------------------------------------------------------------- run

    private void run() throws Exception {
        Selection sel = corpus();
        int n = sel.docs().size();
        // JobSettings takes the configured collection's dimension and metric from a data set:
        // the embedder's (the configured "default" collection stays empty).
        AnnDataSet shape =
                new AnnDataSet(
                        "debian-text",
                        Metric.COSINE,
                        new float[][] {new float[o.dimension()]},
                        new float[0][],
                        new int[0][]);
        Configuration conf =
                JobSettings.of(
                        o.configDir(),
                        shape,
                        o.parallelism(),
                        0,
                        freePort(),
                        freePort(),
                        METRICS_FETCH_INTERVAL.toMillis(),
                        o.overrides());
        int restPort = conf.get(RestOptions.PORT);
        boolean sealsAfterIdle = conf.get(VectorStreamOptions.SEAL_AFTER_IDLE).toMillis() > 0;
        List<String> settings = JobSettings.nonDefault(conf, o.overrides());

        header.add("- command: `" + o.command() + "`");
        header.add(
                String.format(
                        Locale.ROOT,
                        "- machine: %d cores (nproc), %s, %s RAM; load at start %s",
                        Runtime.getRuntime().availableProcessors(),
                        cpuModel(),
                        memTotal(),
                        loadAverage()));
        header.add("- commit: " + o.commit());
        header.add(
                String.format(
                        Locale.ROOT,
                        "- corpus: Debian packages (apt-cache dumpavail, long descriptions from"
                                + " Translation-en): %,d documents of %,d packages with a long"
                                + " description (seed %d); a document is a package's long"
                                + " description (id = package name), without its synopsis",
                        n,
                        sel.eligible(),
                        o.seed()));
        header.add(
                String.format(
                        Locale.ROOT,
                        "- queries: %,d synopses of those packages (seed %d), each labelled with"
                                + " its package; %,d documents whose synopsis another shares are"
                                + " never queries; %,d queries' documents share their text with"
                                + " another document (e.g. -dev/-doc siblings), so rank 1 is a"
                                + " coin toss for them",
                        sel.queries().size(),
                        o.seed(),
                        sel.sharedSynopsis(),
                        sel.queriesWithSharedText()));
        header.add(
                "- job: one JVM, embedded KRaft broker + the VectorStream job on a local mini"
                        + " cluster ("
                        + o.parallelism()
                        + " slots); collection '"
                        + o.collection()
                        + "' with embedder "
                        + o.embedder()
                        + " (dimension "
                        + o.dimension()
                        + "); settings not at their defaults: "
                        + String.join(", ", settings));
        header.add(
                String.format(
                        Locale.ROOT,
                        "- search: one VectorStreamClient, %d queries in flight (closed loop),"
                                + " k=%d, eventual, timeoutMs %d, query text only (no vector: the"
                                + " job embeds it in vector and hybrid mode); %d unmeasured"
                                + " queries per mode first (synopses of other packages)",
                        o.inFlight(),
                        o.k(),
                        o.queryTimeoutMs(),
                        o.warmup()));
        log("job settings not at their defaults: %s", String.join(", ", settings));
        for (Class<?> c :
                List.of(
                        TextQualityBench.class,
                        LocalSystem.class,
                        VectorStreamClient.class,
                        QueryRequest.class,
                        Metric.class)) {
            log(
                    "%s from %s",
                    c.getSimpleName(), c.getProtectionDomain().getCodeSource().getLocation());
        }

        Path dataDir = Files.createTempDirectory("vectorstream-text");
        try (LocalSystem system = LocalSystem.start(dataDir, 0, conf);
                VectorStreamClient client =
                        VectorStreamClient.builder()
                                .bootstrapServers(system.bootstrapServers())
                                .clientId("text-quality-bench")
                                .defaultTimeout(Duration.ofSeconds(120))
                                .build()) {
            JobMetrics metrics = new JobMetrics(restPort, system.job().getJobID().toHexString());
            client.startReplyReader().get(120, TimeUnit.SECONDS);
            CollectionInfo info =
                    client.createCollection(
                                    o.collection(),
                                    o.dimension(),
                                    s -> s.setEmbedder(o.embedder()),
                                    Duration.ofSeconds(120))
                            .get(130, TimeUnit.SECONDS);
            log("collection created: %s", info);

            ingest(client, metrics, sel, info.getShards(), sealsAfterIdle);

            for (String mode : o.modes()) {
                List<Query> queries = sel.queries();
                if (o.warmup() > 0) {
                    List<Query> warm = new ArrayList<>();
                    for (int i = 0; i < o.warmup(); i++) {
                        warm.add(sel.warmup().get(i % sel.warmup().size()));
                    }
                    ModeRun.run(
                            client,
                            o.collection(),
                            mode,
                            warm,
                            o.k(),
                            o.inFlight(),
                            o.queryTimeoutMs());
                }
                ModeRun.Result r =
                        ModeRun.run(
                                client,
                                o.collection(),
                                mode,
                                queries,
                                o.k(),
                                o.inFlight(),
                                o.queryTimeoutMs());
                String row = row(r);
                rows.add(row);
                log("%s (%.1f s; load %s)", row, r.seconds(), loadAverage());
                if (r.firstError() != null) {
                    notes.add(
                            mode
                                    + ": "
                                    + r.errorCount()
                                    + " errors "
                                    + r.errors()
                                    + ", "
                                    + r.failed()
                                    + " without answer; first: "
                                    + r.firstError());
                }
            }
            String vertices =
                    metrics.vertices().stream()
                            .map(v -> v.name().replaceAll("\\s+", " ") + " x" + v.parallelism())
                            .collect(Collectors.joining("; "));
            log("job vertices: %s", vertices);
        } finally {
            deleteRecursively(dataDir);
        }
        String report = report();
        System.out.print(report);
        Path results = o.results();
        if (results.toAbsolutePath().getParent() != null) {
            Files.createDirectories(results.toAbsolutePath().getParent());
        }
        Files.writeString(
                results,
                report,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        log("appended the report to %s", results);
    }

    // ------------------------------------------------------------------------------- ingest

    /**
     * Publishes every document (text and metadata, no vector), then waits for a strong answer
     * (everything embedded and indexed), then for the index to come to rest.
     */
    private void ingest(
            VectorStreamClient client,
            JobMetrics metrics,
            Selection sel,
            int shards,
            boolean sealsAfterIdle)
            throws Exception {
        int n = sel.docs().size();
        long start = System.nanoTime();
        long deadline = start + o.ingestTimeout().toNanos();
        CompletableFuture<?>[] acks = new CompletableFuture<?>[n];
        for (int i = 0; i < n; i++) {
            Doc d = sel.docs().get(i);
            acks[i] =
                    client.publish(
                            VectorRecord.newBuilder()
                                    .setId(d.id())
                                    .setOp(Op.UPSERT)
                                    .setCollection(o.collection())
                                    .setText(d.text())
                                    .setMetadata(new LinkedHashMap<>(d.metadata()))
                                    .build());
        }
        CompletableFuture.allOf(acks).get(remaining(deadline), TimeUnit.NANOSECONDS);
        double acked = secondsSince(start);
        log("ingest: %,d documents published and acknowledged after %.1f s", n, acked);

        // Progress samples (seconds since start, vectorsIndexed) for the steady rate.
        List<double[]> samples = new ArrayList<>();
        long nextProgress = System.nanoTime();
        QueryRequest probe = null;
        CompletableFuture<QueryResponse> answer = null;
        int attempts = 0;
        double searchable = -1;
        while (searchable < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        String.format(
                                Locale.ROOT,
                                "not all %,d documents searchable within --ingest-minutes %d;"
                                        + " vectorsIndexed %,d, recordsRejected %,d",
                                n,
                                o.ingestTimeout().toMinutes(),
                                metrics.sum("vectorsIndexed"),
                                metrics.sum("validate-vectors", "recordsRejected")));
            }
            if (answer == null) {
                attempts++;
                probe = strongProbe(sel.queries().get(0).text());
                answer = client.query(probe, Duration.ofMillis(STRONG_TIMEOUT_MS + 15_000L));
            }
            if (System.nanoTime() >= nextProgress) {
                long indexed = metrics.sum("vectorsIndexed");
                double t = secondsSince(start);
                samples.add(new double[] {t, indexed});
                log(
                        "ingest: %.0f s, vectorsIndexed %,d of %,d (%.0f texts/s so far)",
                        t, indexed, n, indexed / t);
                nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
            }
            try {
                QueryResponse r = answer.get(1, TimeUnit.SECONDS);
                answer = null;
                if (r.getError() != null) {
                    String code = r.getError().getCode();
                    if (!code.equals("TOO_MANY_STRONG_QUERIES")
                            && !code.equals("OFFSETS_UNAVAILABLE")) {
                        throw new IllegalStateException(
                                "the strong probe "
                                        + probe
                                        + " was refused: "
                                        + code
                                        + ": "
                                        + r.getError().getMessage());
                    }
                    log("strong probe attempt %d: %s; again", attempts, code);
                    Thread.sleep(1000);
                } else if (r.getComplete()) {
                    searchable = secondsSince(start);
                } else {
                    log(
                            "strong probe attempt %d: %d of %d shards caught up by its deadline;"
                                    + " again",
                            attempts, r.getShardsAnswered(), r.getShardsExpected());
                }
            } catch (TimeoutException stillWaiting) {
                // poll again: progress, deadline
            } catch (ExecutionException e) {
                answer = null;
                log("strong probe attempt %d failed (%s); again", attempts, e.getCause());
            }
        }
        long indexedAtAnswer = metrics.freshSum("vectorsIndexed", METRICS_FETCH_INTERVAL);
        long rejected = metrics.sum("validate-vectors", "recordsRejected");
        log(
                "ingest: all searchable (strong answer, %d attempt(s)) %.1f s after the first"
                        + " publish: %.1f texts/s; vectorsIndexed %,d of %,d, recordsRejected %,d",
                attempts, searchable, n / searchable, indexedAtAnswer, n, rejected);
        if (indexedAtAnswer < n || rejected > 0) {
            notes.add(
                    String.format(
                            Locale.ROOT,
                            "vectorsIndexed was %,d of %,d documents at the strong answer and"
                                    + " validate-vectors rejected %,d records (dead letters): the"
                                    + " missing documents count as misses",
                            indexedAtAnswer,
                            n,
                            rejected));
        }
        String steady = steadyRate(samples, n);

        long buildsEnded =
                sealsAfterIdle
                        ? metrics.awaitAtRest(
                                shards,
                                BUILDS_QUIET,
                                REST_WAIT,
                                Duration.ofNanos(remaining(deadline)))
                        : metrics.awaitBuildsSettled(
                                BUILDS_QUIET, Duration.ofNanos(remaining(deadline)), false);
        double settled = Math.max(searchable, (buildsEnded - start) / 1e9);
        String segments =
                String.format(
                        Locale.ROOT,
                        "%,d growing vectors, %d sealed segments, %d builds",
                        metrics.sum("growingVectors"),
                        metrics.sum("sealedSegments"),
                        metrics.sum("graphBuilds"));
        log("ingest: at rest %.1f s after the first publish (%s)", settled, segments);
        header.add(
                String.format(
                        Locale.ROOT,
                        "- ingest: %,d documents (%,d characters of text) published in %.1f s"
                                + " (acknowledged); all searchable after %.1f s = **%.1f texts/s**"
                                + " embedded and indexed in the job (first publish to a strong"
                                + " answer); steady rate %s; index at rest after %.1f s (%s)",
                        n,
                        sel.docs().stream().mapToLong(d -> d.text().length()).sum(),
                        acked,
                        searchable,
                        n / searchable,
                        steady,
                        settled,
                        segments));
    }

    /** A strong keyword query: answered once every shard has applied what came before it. */
    private QueryRequest strongProbe(String text) {
        QueryRequest r = ModeRun.request(o.collection(), "keyword", text, 1, STRONG_TIMEOUT_MS);
        r.setConsistency("strong");
        return r;
    }

    /**
     * texts/s between the samples at 10 % and 90 % of {@code n} indexed ({@code vectorsIndexed} as
     * the REST API reported it every {@link #PROGRESS_EVERY}); "n/a" with fewer samples.
     */
    private static String steadyRate(List<double[]> samples, int n) {
        double[] from = null;
        double[] to = null;
        for (double[] s : samples) {
            if (from == null && s[1] >= 0.1 * n) {
                from = s;
            }
            if (s[1] <= 0.9 * n) {
                to = s;
            }
        }
        if (from == null || to == null || to[0] - from[0] < 1 || to[1] <= from[1]) {
            return "n/a (too few vectorsIndexed samples between 10 % and 90 %)";
        }
        return String.format(
                Locale.ROOT,
                "%.1f texts/s (vectorsIndexed %,.0f to %,.0f, %.0f s)",
                (to[1] - from[1]) / (to[0] - from[0]),
                from[1],
                to[1],
                to[0] - from[0]);
    }

    // ------------------------------------------------------------------------------- report

    private String row(ModeRun.Result r) {
        return String.format(
                Locale.ROOT,
                "| %s | %,d | %.3f | %.3f | %.3f | %.1f | %.1f / %.1f | %d / %d / %d |",
                r.mode(),
                r.queries(),
                r.hitRate(1),
                r.hitRate(10),
                r.mrr(10),
                r.queriesPerSecond(),
                r.roundTripMs(0.5),
                r.roundTripMs(0.99),
                r.errorCount(),
                r.incomplete(),
                r.failed());
    }

    private String report() {
        StringBuilder b = new StringBuilder();
        b.append("\n## Text search quality: ").append(o.label()).append("\n\n");
        header.forEach(h -> b.append(h).append('\n'));
        b.append('\n');
        b.append(
                "| mode | queries | hit@1 | hit@10 | MRR@10 | queries/s | p50 / p99 latency ms |"
                        + " errors / incomplete / no answer |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach(r -> b.append(r).append('\n'));
        b.append('\n');
        b.append(
                "hit@n: share of queries whose package is among the first n hits; MRR@10: mean of"
                        + " 1/rank over the first 10 (0 beyond); a query with an error or no"
                        + " answer counts as a miss. queries/s: queries / time from the first send"
                        + " to the last answer; latency: client round trip of the answered"
                        + " ones.\n");
        notes.forEach(n -> b.append("\nNote: ").append(n).append('\n'));
        return b.toString();
    }

    // ------------------------------------------------------------------------------ helpers

    private static int quantile(int[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }
}
