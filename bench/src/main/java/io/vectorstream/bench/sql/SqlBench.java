package io.vectorstream.bench.sql;

import static io.vectorstream.bench.BenchHost.cpuModel;
import static io.vectorstream.bench.BenchHost.deleteRecursively;
import static io.vectorstream.bench.BenchHost.freePort;
import static io.vectorstream.bench.BenchHost.loadAverage;
import static io.vectorstream.bench.BenchHost.memTotal;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.bench.FlinkRest;
import io.vectorstream.bench.JobMetrics;
import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.data.Flags;
import io.vectorstream.bench.data.GroundTruth;
import io.vectorstream.bench.serving.JobSettings;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.connector.VectorStreamTableFactory;
import io.vectorstream.jobs.local.LocalSystem;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * The Flink SQL connector ({@code 'connector' = 'vectorstream'}) against the real job on a real
 * data set, next to the plain Java client on the same queries. Starts the whole system in this JVM
 * as the serving bench does ({@link LocalSystem}: embedded KRaft broker, the job with {@code
 * config/config.yaml}, the set's dimension and metric, RocksDB and checkpoints as configured there,
 * at {@code --parallelism}, on free ports), and a second Flink mini cluster in the same JVM for the
 * SQL statements (one task manager, {@link #SQL_SLOTS} slots, reached through a remote environment
 * at its REST port), so that the job's cluster has exactly the slots and managed memory of the
 * serving bench. Then:
 *
 * <ol>
 *   <li>{@code CREATE TABLE docs (...) WITH ('connector' = 'vectorstream', ...)};
 *   <li>{@code INSERT INTO docs} from a bounded DataStream of the first N base vectors (ids {@code
 *       "0".."N-1"}, metadata {@code {ordinal: i}}, text {@code "doc i"}), insert-only, sink at
 *       {@code --sink-parallelism}: rows/s from the {@code executeSql} call (plan and submit) to
 *       the job's end (its writers wait for every Kafka ack at end of input), and from the moment
 *       its last task ran ({@code RUNNING} in Flink's REST subtask times) to the end;
 *   <li>one strong-consistency {@code VECTOR_SEARCH} right after the INSERT, whose answer waits
 *       until everything published is indexed: the time from the INSERT's {@code executeSql} call
 *       to that answer is "searchable"; the job's {@code vectorsIndexed} is read right after it as
 *       a check;
 *   <li>waits until the index is at rest ({@link JobMetrics#awaitAtRest}), warms up with one
 *       unmeasured pass of Java client queries;
 *   <li>per search parallelism and {@code max-concurrent-operations}: a {@code VECTOR_SEARCH}
 *       lateral join over M query rows (the set's queries, cycled), collected; searches/s over the
 *       time from the collecting job's last task {@code RUNNING} to the last result row at the
 *       client (and also over the time from the {@code executeSql} call), recall@10;
 *   <li>the same M queries through one {@link VectorStreamClient} with C queries in flight (closed
 *       loop: the next one goes out when one is answered), from the first send to the last answer.
 * </ol>
 *
 * Recall is against {@code groundtruth.ivecs} when N is the whole set, else against exact brute
 * force over the first N computed here. Prints progress and, at the end, the report as Markdown;
 * {@code bench/run-sql.sh} tees it into {@code bench/results/sql-LABEL.md}. Usage: see {@link
 * #USAGE}.
 */
public final class SqlBench {

    private static final int K = 10;

    /** Slots of the SQL cluster: one statement runs at a time, at parallelism 2 at most. */
    private static final int SQL_SLOTS = 4;

    private static final Duration METRICS_FETCH_INTERVAL = Duration.ofMillis(200);

    /** How long no segment build may be in flight before the index counts as at rest. */
    private static final Duration BUILDS_QUIET = Duration.ofSeconds(2);

    /** How long the wait for rest waits for the shards to fold into one segment each. */
    private static final Duration REST_WAIT = Duration.ofMinutes(3);

    /**
     * The {@code timeout} of every VECTOR_SEARCH call (the job gets 4/5 of it, the client 9/10).
     */
    private static final Duration SEARCH_TIMEOUT = Duration.ofSeconds(60);

    /** The Java client's queries as the search function sends them: same deadlines. */
    private static final Duration CLIENT_WAIT = SEARCH_TIMEOUT.multipliedBy(9).dividedBy(10);

    private static final int JOB_TIMEOUT_MS = (int) (SEARCH_TIMEOUT.toMillis() * 4 / 5);

    /** Unmeasured Java client queries before the measured runs (JIT, caches, reply readers). */
    private static final int WARMUP_QUERIES = 500;

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: bench/run-sql.sh --data DIR [options]",
                    "  --vectors N               base vectors to INSERT, the first N (0 = all)",
                    "  --queries M               VECTOR_SEARCH input rows per run, the set's"
                            + " queries cycled (1000)",
                    "  --concurrency 10,64       max-concurrent-operations of the SQL runs and"
                            + " queries in flight of the Java client runs",
                    "  --search-parallelism 1,2  parallelism of the VECTOR_SEARCH operator",
                    "  --output-modes ordered    the async operator's output modes to run"
                            + " (ordered, allow_unordered)",
                    "  --sink-parallelism N      parallelism of the INSERT's sink (2)",
                    "  --parallelism N           the job's parallelism and task slots (2)",
                    "  --set key=value           any Flink or vectorstream.* setting of the job,"
                            + " applied last; repeatable",
                    "  --ingest-minutes M        most minutes for the INSERT, indexing and the"
                            + " wait for rest (30)",
                    "  --label NAME              names the run (run)",
                    "  --commit TEXT             the commit measured, for the report",
                    "  --log FILE                the job's log (bench/results/sql.log)",
                    "  --config-dir DIR          the config.yaml to start from (config)");

    /** The bench's settings. */
    record Options(
            Path data,
            int vectors,
            int queries,
            int[] concurrency,
            int[] searchParallelism,
            List<String> outputModes,
            int sinkParallelism,
            int parallelism,
            Map<String, String> overrides,
            Duration ingestTimeout,
            String label,
            String commit,
            Path log,
            Path configDir) {

        static Options parse(String[] args) {
            Flags f =
                    Flags.parse(
                            args,
                            Set.of(
                                    "data",
                                    "vectors",
                                    "queries",
                                    "concurrency",
                                    "search-parallelism",
                                    "output-modes",
                                    "sink-parallelism",
                                    "parallelism",
                                    "set",
                                    "ingest-minutes",
                                    "label",
                                    "commit",
                                    "log",
                                    "config-dir"),
                            USAGE);
            String data = f.string("data", "");
            if (data.isEmpty()) {
                throw new IllegalArgumentException("--data DIR is required\n" + USAGE);
            }
            Options o =
                    new Options(
                            Paths.get(data),
                            f.integer("vectors", 0),
                            f.integer("queries", 1000),
                            counts(f.string("concurrency", "10,64"), "--concurrency"),
                            counts(f.string("search-parallelism", "1,2"), "--search-parallelism"),
                            outputModes(f.string("output-modes", "ordered")),
                            f.integer("sink-parallelism", 2),
                            f.integer("parallelism", 2),
                            JobSettings.parseOverrides(f.all("set")),
                            Duration.ofMinutes(f.integer("ingest-minutes", 30)),
                            f.string("label", "run"),
                            f.string("commit", "unknown"),
                            Paths.get(f.string("log", "bench/results/sql.log")),
                            Paths.get(f.string("config-dir", "config")));
            if (o.queries() < 1 || o.vectors() < 0 || o.sinkParallelism() < 1) {
                throw new IllegalArgumentException(
                        "--queries and --sink-parallelism take positive counts\n" + USAGE);
            }
            if (Math.max(o.sinkParallelism(), Arrays.stream(o.searchParallelism()).max().orElse(1))
                    > SQL_SLOTS) {
                throw new IllegalArgumentException(
                        "the SQL cluster has " + SQL_SLOTS + " slots: parallelism at most that");
            }
            return o;
        }

        private static List<String> outputModes(String csv) {
            List<String> modes = new ArrayList<>();
            for (String m : csv.split(",")) {
                String mode = m.trim().toLowerCase(Locale.ROOT);
                if (!mode.equals("ordered") && !mode.equals("allow_unordered")) {
                    throw new IllegalArgumentException(
                            "--output-modes takes ordered and/or allow_unordered, not " + m);
                }
                modes.add(mode);
            }
            return modes;
        }

        private static int[] counts(String csv, String flag) {
            int[] out =
                    Arrays.stream(csv.split(","))
                            .mapToInt(s -> Integer.parseInt(s.trim()))
                            .toArray();
            if (out.length == 0 || Arrays.stream(out).anyMatch(c -> c <= 0)) {
                throw new IllegalArgumentException(flag + " takes positive counts, e.g. 1,2");
            }
            return out;
        }
    }

    /**
     * The base and query vectors the SQL jobs' sources read. The SQL cluster runs in this JVM, so
     * its sources read them from here rather than from the job graph (N x 384 floats would be ~100
     * MB in the submitted graph).
     */
    private static volatile float[][] sourceBase;

    private static volatile float[][] sourceQueries;

    private final Options o;
    private final List<String> header = new ArrayList<>();
    private final List<String> ingestRows = new ArrayList<>();
    private final List<String> searchRows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private SqlBench(Options o) {
        this.o = o;
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Files.createDirectories(o.log().toAbsolutePath().getParent());
            // Before any Flink class creates a logger, or the log goes to java.io.tmpdir.
            System.setProperty("vectorstream.log.file", o.log().toAbsolutePath().toString());
            new SqlBench(o).run();
            System.exit(0);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1); // the embedded broker's threads would keep the JVM alive
        }
    }

    // ------------------------------------------------------------------------------------ run

    private void run() throws Exception {
        AnnDataSet ds = AnnDataSet.read(o.data());
        int dim = ds.dimension();
        int n = o.vectors() <= 0 ? ds.base().length : Math.min(o.vectors(), ds.base().length);
        int m = o.queries();
        String metric = ds.metric().name().toLowerCase(Locale.ROOT);
        float[][] distinct =
                Arrays.copyOf(
                        ds.queries(),
                        Math.min(m, ds.queries().length)); // query q = qid % |distinct|
        sourceBase = ds.base();
        sourceQueries = distinct;

        Configuration conf = jobConfiguration(ds);
        int restPort = conf.get(RestOptions.PORT);
        boolean sealsAfterIdle = conf.get(VectorStreamOptions.SEAL_AFTER_IDLE).toMillis() > 0;
        int shards = conf.get(VectorStreamOptions.SHARDS);
        List<String> settings = JobSettings.nonDefault(conf, o.overrides());

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
                        "- data: %s (%s), %,d of %,d base vectors x %d, %s; %,d query rows per"
                                + " run over %,d distinct queries%s",
                        ds.name(),
                        o.data(),
                        n,
                        ds.base().length,
                        dim,
                        metric,
                        m,
                        distinct.length,
                        m > distinct.length ? " (cycled)" : ""));
        header.add(
                "- job: one JVM, embedded KRaft broker + the VectorStream job on its own local mini"
                        + " cluster ("
                        + o.parallelism()
                        + " slots); settings not at their defaults: "
                        + String.join(", ", settings));
        header.add(
                "- SQL: a second mini cluster in the same JVM (1 task manager, "
                        + SQL_SLOTS
                        + " slots), statements through a StreamTableEnvironment on a remote"
                        + " environment at its REST port, no checkpointing in the SQL jobs; INSERT"
                        + " source parallelism "
                        + o.sinkParallelism()
                        + ", sink parallelism "
                        + o.sinkParallelism()
                        + "; VECTOR_SEARCH at the parallelism of its query-row source (a split"
                        + " sequence, chained to it), collected at parallelism 1; k="
                        + K
                        + ", eventual, 'include-vectors' false, 'timeout' '"
                        + SEARCH_TIMEOUT.toSeconds()
                        + " s', output-mode as in each row");
        header.add(
                "- Java client yardstick: one VectorStreamClient, C queries in flight (closed"
                        + " loop), the same requests the search function sends (collection, k,"
                        + " metadata on, vectors off, same job timeout), eventual");

        log(
                "%s: %,d of %,d base vectors x %d (%s), %,d query rows; load %s",
                ds.name(), n, ds.base().length, dim, metric, m, loadAverage());
        log("job settings not at their defaults: %s", String.join(", ", settings));
        for (Class<?> c :
                List.of(
                        SqlBench.class,
                        LocalSystem.class,
                        VectorStreamClient.class,
                        VectorStreamTableFactory.class,
                        Metric.class)) {
            log(
                    "%s from %s",
                    c.getSimpleName(), c.getProtectionDomain().getCodeSource().getLocation());
        }
        int[][] truth = truth(ds, n, distinct);

        Path dataDir = Files.createTempDirectory("vectorstream-sql");
        MiniCluster sqlCluster = null;
        try (LocalSystem system = LocalSystem.start(dataDir, 0, conf)) {
            JobMetrics metrics = new JobMetrics(restPort, system.job().getJobID().toHexString());
            sqlCluster = startSqlCluster();
            int sqlRestPort = sqlCluster.getRestAddress().get().getPort();
            log("the job runs; SQL cluster's REST port %d", sqlRestPort);
            FlinkRest sqlRest = new FlinkRest(sqlRestPort);

            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createRemoteEnvironment(
                            "localhost", sqlRestPort, new Configuration());
            env.setParallelism(o.sinkParallelism());
            StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
            tEnv.executeSql(
                    "CREATE TABLE docs (id STRING, embedding ARRAY<FLOAT>,"
                            + " metadata MAP<STRING, STRING>, text STRING,"
                            + " PRIMARY KEY (id) NOT ENFORCED) WITH ("
                            + " 'connector' = 'vectorstream',"
                            + " 'bootstrap-servers' = '"
                            + system.bootstrapServers()
                            + "', 'collection' = 'docs', 'collection.dimension' = '"
                            + dim
                            + "', 'collection.metric' = '"
                            + metric
                            + "')");

            long deadline = System.nanoTime() + o.ingestTimeout().toNanos();
            insert(env, tEnv, sqlRest, metrics, ds, n, deadline, sealsAfterIdle, shards);

            warmUp(system.bootstrapServers(), distinct, m);
            for (String mode : o.outputModes()) {
                for (int p : o.searchParallelism()) {
                    for (int c : o.concurrency()) {
                        sqlSearch(env, tEnv, sqlRest, m, p, c, mode, truth);
                    }
                }
            }
            try (VectorStreamClient client = client(system.bootstrapServers(), "yardstick")) {
                for (int c : o.concurrency()) {
                    clientSearch(client, distinct, m, c, truth);
                }
            }
        } finally {
            if (sqlCluster != null) {
                sqlCluster.close();
            }
            deleteRecursively(dataDir);
        }
        printReport(System.out);
    }

    /** The job's configuration, as the serving bench builds it (config.yaml's shards). */
    private Configuration jobConfiguration(AnnDataSet ds) throws IOException {
        return JobSettings.of(
                o.configDir(),
                ds,
                o.parallelism(),
                0,
                freePort(),
                freePort(),
                METRICS_FETCH_INTERVAL.toMillis(),
                o.overrides());
    }

    private static MiniCluster startSqlCluster() throws Exception {
        Configuration c = new Configuration();
        c.setString("rest.bind-address", "localhost");
        c.setString("rest.address", "localhost");
        c.setString("rest.bind-port", "0");
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(c)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(SQL_SLOTS)
                                .build());
        cluster.start();
        return cluster;
    }

    // ------------------------------------------------------------------------ insert, rest

    private void insert(
            StreamExecutionEnvironment env,
            StreamTableEnvironment tEnv,
            FlinkRest sqlRest,
            JobMetrics metrics,
            AnnDataSet ds,
            int n,
            long deadline,
            boolean sealsAfterIdle,
            int shards)
            throws Exception {
        TypeInformation<Row> type =
                Types.ROW_NAMED(
                        new String[] {"id", "embedding", "metadata", "text"},
                        Types.STRING,
                        Types.OBJECT_ARRAY(Types.FLOAT),
                        Types.MAP(Types.STRING, Types.STRING),
                        Types.STRING);
        DataStream<Row> rows =
                env.fromSequence(0, n - 1)
                        .setParallelism(o.sinkParallelism())
                        .map(new BaseRow())
                        .returns(type)
                        .setParallelism(o.sinkParallelism())
                        .name("base vectors");
        tEnv.createTemporaryView(
                "base_rows",
                tEnv.fromChangelogStream(
                        rows,
                        Schema.newBuilder()
                                .column("id", DataTypes.STRING().notNull())
                                .column("embedding", DataTypes.ARRAY(DataTypes.FLOAT()))
                                .column(
                                        "metadata",
                                        DataTypes.MAP(DataTypes.STRING(), DataTypes.STRING()))
                                .column("text", DataTypes.STRING())
                                .build(),
                        ChangelogMode.insertOnly()));
        tEnv.getConfig()
                .set(
                        "table.exec.resource.default-parallelism",
                        String.valueOf(o.sinkParallelism()));
        String insert = "INSERT INTO docs SELECT * FROM base_rows";
        tEnv.explainSql(insert); // loads and warms the planner outside the timed part

        long t0 = System.currentTimeMillis();
        TableResult result = tEnv.executeSql(insert);
        long submitted = System.currentTimeMillis();
        JobClient job = result.getJobClient().orElseThrow();
        job.getJobExecutionResult().get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
        long finished = System.currentTimeMillis();
        JobTimes insertTimes = jobTimes(sqlRest, job);
        log(
                "INSERT of %,d rows: %.2f s from executeSql to finished (plan+submit %.2f s,"
                        + " last task RUNNING after %s); vertices %s",
                n,
                (finished - t0) / 1e3,
                (submitted - t0) / 1e3,
                insertTimes.secondsAfter(t0),
                insertTimes.vertices());

        // Right after the INSERT: one strong search, answered once everything is indexed.
        float[] probe = ds.base()[n - 1];
        String strong =
                "SELECT id, score FROM TABLE(VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), "
                        + arrayLiteral(probe)
                        + ", 1, MAP['consistency', 'strong', 'include-vectors', 'false',"
                        + " 'on-error', 'skip', 'timeout', '"
                        + SEARCH_TIMEOUT.toSeconds()
                        + " s']))";
        tEnv.getConfig().set("table.exec.resource.default-parallelism", "1");
        tEnv.explainSql(strong);
        long strongStart = System.currentTimeMillis();
        List<Row> answer = List.of();
        int attempts = 0;
        JobTimes strongTimes = null;
        while (answer.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no strong VECTOR_SEARCH answer within --ingest-minutes");
            }
            attempts++;
            TableResult r = tEnv.executeSql(strong);
            answer = collect(r);
            strongTimes = jobTimes(sqlRest, r.getJobClient().orElseThrow());
            if (answer.isEmpty()) {
                log("strong VECTOR_SEARCH attempt %d: no answer in time; again", attempts);
            }
        }
        long searchable = System.currentTimeMillis();
        long indexedAtAnswer = metrics.freshSum("vectorsIndexed", METRICS_FETCH_INTERVAL);
        String top = (String) answer.get(0).getField(0);
        log(
                "strong VECTOR_SEARCH answered %.2f s after executeSql of the INSERT (%.2f s"
                        + " after it finished; %d attempt(s), its own job %.2f s, last task"
                        + " RUNNING after %s); top hit '%s' (probe is '%d'); vectorsIndexed"
                        + " %,d of %,d just after",
                (searchable - t0) / 1e3,
                (searchable - finished) / 1e3,
                attempts,
                (searchable - strongStart) / 1e3,
                strongTimes.secondsAfter(strongStart),
                top,
                n - 1,
                indexedAtAnswer,
                n);
        String indexedNote = String.format(Locale.ROOT, "%,d of %,d", indexedAtAnswer, n);
        if (indexedAtAnswer < n) {
            notes.add(
                    String.format(
                            Locale.ROOT,
                            "The strong VECTOR_SEARCH answered while the job had indexed only"
                                    + " %,d of %,d rows (its vectorsIndexed, read fresh right"
                                    + " after the answer): it did not wait for everything"
                                    + " published, so 'searchable' is not what it claims;"
                                    + " see 'all indexed (metric)'.",
                            indexedAtAnswer,
                            n));
            log("WARNING: %s", notes.get(notes.size() - 1));
        }
        metrics.awaitSum(
                "vectorsIndexed", n, Duration.ofNanos(Math.max(1, remainingNanos(deadline))));
        long indexed = System.currentTimeMillis();

        // At rest: no seal or merge in flight, nothing growing (as the serving bench waits).
        Duration remaining = Duration.ofNanos(Math.max(1, remainingNanos(deadline)));
        long restStart = System.nanoTime();
        if (sealsAfterIdle) {
            metrics.awaitAtRest(shards, BUILDS_QUIET, REST_WAIT, remaining);
        } else {
            metrics.awaitBuildsSettled(BUILDS_QUIET, remaining, false);
        }
        double restWait = (System.nanoTime() - restStart) / 1e9;
        String segments =
                String.format(
                        Locale.ROOT,
                        "%,d growing, %d sealed segments, %d builds",
                        metrics.sum("growingVectors"),
                        metrics.sum("sealedSegments"),
                        metrics.sum("graphBuilds"));
        log("at rest after %.1f s more: %s", restWait, segments);

        double insertSeconds = (finished - t0) / 1e3;
        Optional<Double> insertRunning = insertTimes.secondsFromRunningTo(finished);
        double searchableSeconds = (searchable - t0) / 1e3;
        ingestRows.add(
                String.format(
                        Locale.ROOT,
                        "| %s | %,d | %.2f | %,.0f | %s | %.2f | %,.0f | %s | %.2f | %.1f | %s |",
                        o.label(),
                        n,
                        insertSeconds,
                        n / insertSeconds,
                        insertRunning
                                .map(s -> String.format(Locale.ROOT, "%,.0f (%.2f s)", n / s, s))
                                .orElse("n/a"),
                        searchableSeconds,
                        n / searchableSeconds,
                        indexedNote,
                        (indexed - t0) / 1e3,
                        restWait,
                        segments));
    }

    // ------------------------------------------------------------------------------ searches

    private void sqlSearch(
            StreamExecutionEnvironment env,
            StreamTableEnvironment tEnv,
            FlinkRest sqlRest,
            int m,
            int parallelism,
            int concurrency,
            String outputMode,
            int[][] truth)
            throws Exception {
        String view = "queries_p" + parallelism + "_c" + concurrency + "_" + outputMode;
        // The planner gives the VECTOR_SEARCH operator its input's parallelism (the default
        // parallelism alone leaves it at the source's), so the query rows come at the same.
        DataStream<Row> rows =
                env.fromSequence(0, m - 1)
                        .setParallelism(parallelism)
                        .map(new QueryRow())
                        .returns(
                                Types.ROW_NAMED(
                                        new String[] {"qid", "q"},
                                        Types.INT,
                                        Types.OBJECT_ARRAY(Types.FLOAT)))
                        .setParallelism(parallelism)
                        .name("query rows");
        tEnv.createTemporaryView(view, tEnv.fromDataStream(rows));
        tEnv.getConfig()
                .set("table.exec.resource.default-parallelism", String.valueOf(parallelism));
        String sql =
                "SELECT q.qid, id, score FROM "
                        + view
                        + " AS q, LATERAL TABLE(VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding),"
                        + " q.q, "
                        + K
                        + ", MAP['max-concurrent-operations', '"
                        + concurrency
                        + "', 'output-mode', '"
                        + outputMode
                        + "', 'include-vectors', 'false', 'timeout', '"
                        + SEARCH_TIMEOUT.toSeconds()
                        + " s']))";
        tEnv.explainSql(sql);
        List<List<String>> answers = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            answers.add(new ArrayList<>());
        }
        long t0 = System.currentTimeMillis();
        TableResult result;
        long last;
        int rowCount = 0;
        String error = null;
        JobTimes times = null;
        try {
            result = tEnv.executeSql(sql);
            try (CloseableIterator<Row> it = result.collect()) {
                while (it.hasNext()) {
                    Row r = it.next();
                    answers.get((Integer) r.getField(0)).add((String) r.getField(1));
                    rowCount++;
                }
            }
            last = System.currentTimeMillis();
            times = jobTimes(sqlRest, result.getJobClient().orElseThrow());
        } catch (Exception e) {
            last = System.currentTimeMillis();
            error = rootMessage(e);
            log("SQL run p=%d c=%d failed: %s", parallelism, concurrency, error);
        }
        long answered = answers.stream().filter(a -> !a.isEmpty()).count();
        double total = (last - t0) / 1e3;
        Optional<Double> window =
                times == null ? Optional.empty() : times.secondsFromRunningTo(last);
        double recall = recall(answers, truth);
        String searchVertex = times == null ? "?" : times.parallelismOf("VectorSearch");
        String row =
                String.format(
                        Locale.ROOT,
                        "| %s | SQL VECTOR_SEARCH, %s | %d (vertex: %s) | %d | %,d | %s | %s |"
                                + " %,.0f (%.2f s) | %.4f | - | %s |",
                        o.label(),
                        outputMode,
                        parallelism,
                        searchVertex,
                        concurrency,
                        m,
                        window.map(s -> String.format(Locale.ROOT, "**%,.0f**", m / s))
                                .orElse("n/a"),
                        window.map(s -> String.format(Locale.ROOT, "%.2f", s)).orElse("n/a"),
                        m / total,
                        total,
                        recall,
                        error == null
                                ? (m - answered) + " unanswered"
                                : "FAILED: " + error.replace('|', '/'));
        searchRows.add(row);
        log(
                "%s  [%,d result rows; vertices %s]",
                row, rowCount, times == null ? "?" : times.vertices());
    }

    private void clientSearch(
            VectorStreamClient client, float[][] distinct, int m, int inFlight, int[][] truth)
            throws Exception {
        ClientRun r = closedLoop(client, distinct, m, inFlight);
        double recall = recall(r.answers(), truth);
        long[] sorted = r.micros().clone();
        Arrays.sort(sorted);
        String row =
                String.format(
                        Locale.ROOT,
                        "| %s | Java client | - | %d | %,d | **%,.0f** | %.2f | - | %.4f | %.1f /"
                                + " %.1f | %d failed |",
                        o.label(),
                        inFlight,
                        m,
                        m / r.seconds(),
                        r.seconds(),
                        recall,
                        nearestRank(sorted, 0.50) / 1000.0,
                        nearestRank(sorted, 0.99) / 1000.0,
                        r.failed());
        searchRows.add(row);
        log("%s", row);
    }

    private void warmUp(String bootstrap, float[][] distinct, int m) throws Exception {
        try (VectorStreamClient client = client(bootstrap, "warmup")) {
            int count = Math.min(WARMUP_QUERIES, m);
            ClientRun r = closedLoop(client, distinct, count, o.concurrency()[0]);
            log(
                    "warm-up: %,d Java client queries at %d in flight in %.2f s (not reported)",
                    count, o.concurrency()[0], r.seconds());
        }
    }

    /**
     * What one Java client run got.
     *
     * @param answers hit ids of each query row, best first (empty when it failed)
     * @param micros round trip of each query row
     */
    private record ClientRun(
            List<List<String>> answers, long[] micros, double seconds, int failed) {}

    /**
     * Query rows {@code 0..m-1} (query {@code qid % distinct.length}) with {@code inFlight} in
     * flight: the next one is sent when one is answered. Timed from the first send to the last
     * answer.
     */
    private static ClientRun closedLoop(
            VectorStreamClient client, float[][] distinct, int m, int inFlight)
            throws InterruptedException {
        List<List<String>> answers = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            answers.add(List.of());
        }
        long[] micros = new long[m];
        Semaphore permits = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(m);
        AtomicInteger failed = new AtomicInteger();
        AtomicLong lastAnswer = new AtomicLong();
        long start = System.nanoTime();
        for (int i = 0; i < m; i++) {
            permits.acquire();
            int qid = i;
            long sent = System.nanoTime();
            client.query(request(distinct[qid % distinct.length]), CLIENT_WAIT)
                    .whenComplete(
                            (response, error) -> {
                                long now = System.nanoTime();
                                micros[qid] = (now - sent) / 1000;
                                if (error == null
                                        && response.getError() == null
                                        && response.getComplete()) {
                                    answers.set(
                                            qid,
                                            response.getHits().stream()
                                                    .map(h -> h.getId())
                                                    .collect(Collectors.toList()));
                                } else {
                                    failed.incrementAndGet();
                                }
                                lastAnswer.accumulateAndGet(now, Math::max);
                                permits.release();
                                done.countDown();
                            });
        }
        done.await();
        return new ClientRun(answers, micros, (lastAnswer.get() - start) / 1e9, failed.get());
    }

    /** What the search function sends for one row of {@code SELECT q.qid, id, score ...}. */
    private static QueryRequest request(float[] vector) {
        return QueryRequest.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setCollection("docs")
                .setVector(FloatVectors.toBytes(vector))
                .setK(K)
                .setIncludeMetadata(true) // Flink 2.2 does not push the projection into the search
                .setIncludeVectors(false)
                .setTimeoutMs(JOB_TIMEOUT_MS)
                .setConsistency("eventual")
                .build();
    }

    private static VectorStreamClient client(String bootstrap, String name) {
        return VectorStreamClient.builder()
                .bootstrapServers(bootstrap)
                .clientId("sql-bench-" + name)
                .defaultTimeout(CLIENT_WAIT)
                .build();
    }

    // --------------------------------------------------------------------------- recall, truth

    /**
     * Mean recall@{@value #K} of {@code answers} (hit ids {@code "<ordinal>"} per query row {@code
     * qid}, scored against query {@code qid % truth.length}); a row without answer counts as
     * misses.
     */
    private static double recall(List<List<String>> answers, int[][] truth) {
        long hits = 0;
        for (int qid = 0; qid < answers.size(); qid++) {
            int[] t = truth[qid % truth.length];
            List<String> found = answers.get(qid);
            for (int j = 0; j < Math.min(K, found.size()); j++) {
                int ordinal = Integer.parseInt(found.get(j));
                for (int i = 0; i < K && i < t.length; i++) {
                    if (t[i] == ordinal) {
                        hits++;
                        break;
                    }
                }
            }
        }
        return (double) hits / ((long) answers.size() * K);
    }

    /**
     * The exact top-{@value #K} of each distinct query over the first n base vectors: the stored
     * ground truth for the whole set, else brute force here.
     */
    private int[][] truth(AnnDataSet ds, int n, float[][] distinct) throws Exception {
        if (n == ds.base().length) {
            for (int[] row : ds.truth()) {
                if (row.length < K) {
                    throw new IllegalArgumentException(
                            "groundtruth.ivecs holds " + row.length + " neighbours, need " + K);
                }
            }
            header.add("- recall@10 against " + o.data().resolve("groundtruth.ivecs"));
            return ds.truth();
        }
        long start = System.nanoTime();
        int[][] truth =
                GroundTruth.compute(
                        GroundTruth.flatten(Arrays.asList(ds.base()).subList(0, n), ds.dimension()),
                        ds.dimension(),
                        distinct,
                        K,
                        ds.metric(),
                        Runtime.getRuntime().availableProcessors());
        log(
                "exact top-%d of %,d queries over the first %,d vectors in %.1f s",
                K, distinct.length, n, (System.nanoTime() - start) / 1e9);
        header.add(
                "- recall@10 against exact brute force over the first "
                        + n
                        + " vectors (computed here)");
        return truth;
    }

    // ------------------------------------------------------------------------- SQL job times

    /**
     * A finished SQL job as Flink's REST API tells it.
     *
     * @param lastRunningMillis when its last subtask switched to {@code RUNNING} (epoch ms), so
     *     everything after it is the job's work rather than its start; 0 if unknown
     * @param vertexParallelism each vertex's name and parallelism
     */
    private record JobTimes(long lastRunningMillis, Map<String, Integer> vertexParallelism) {

        Optional<Double> secondsFromRunningTo(long endMillis) {
            return lastRunningMillis <= 0
                    ? Optional.empty()
                    : Optional.of(Math.max(1, endMillis - lastRunningMillis) / 1e3);
        }

        String secondsAfter(long startMillis) {
            return lastRunningMillis <= 0
                    ? "n/a"
                    : String.format(Locale.ROOT, "%.2f s", (lastRunningMillis - startMillis) / 1e3);
        }

        /** The parallelism of the vertex whose name contains {@code part}, "?" if none. */
        String parallelismOf(String part) {
            return vertexParallelism.entrySet().stream()
                    .filter(e -> e.getKey().contains(part))
                    .map(e -> String.valueOf(e.getValue()))
                    .findFirst()
                    .orElse("?");
        }

        String vertices() {
            return vertexParallelism.entrySet().stream()
                    .map(e -> abbreviate(e.getKey()) + " x" + e.getValue())
                    .collect(Collectors.joining("; ", "[", "]"));
        }

        private static String abbreviate(String name) {
            String flat = name.replaceAll("\\s+", " ");
            return flat.length() <= 90 ? flat : flat.substring(0, 87) + "...";
        }
    }

    /** Reads a finished job's subtask times; a failed read leaves the times unknown. */
    private static JobTimes jobTimes(FlinkRest rest, JobClient job) {
        String base = "/jobs/" + job.getJobID().toHexString();
        Map<String, Integer> parallelism = new java.util.LinkedHashMap<>();
        long lastRunning = 0;
        try {
            for (JsonNode v : rest.get(base).path("vertices")) {
                parallelism.put(v.path("name").asText(), v.path("parallelism").asInt());
                JsonNode times =
                        rest.get(base + "/vertices/" + v.path("id").asText() + "/subtasktimes");
                for (JsonNode s : times.path("subtasks")) {
                    long running = s.path("timestamps").path("RUNNING").asLong(0);
                    if (running <= 0) {
                        return new JobTimes(0, parallelism); // a subtask never ran: unknown
                    }
                    lastRunning = Math.max(lastRunning, running);
                }
            }
        } catch (IOException e) {
            log("could not read the SQL job's times: %s", e.getMessage());
            return new JobTimes(0, parallelism);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new JobTimes(0, parallelism);
        }
        return new JobTimes(lastRunning, parallelism);
    }

    // ------------------------------------------------------------------------------- sources

    /** Base vector {@code i} as the row ("i", its vector, {ordinal: i}, "doc i"). */
    private static final class BaseRow implements MapFunction<Long, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Row map(Long i) {
            int ordinal = (int) (long) i;
            String id = String.valueOf(ordinal);
            return Row.of(id, boxed(sourceBase[ordinal]), Map.of("ordinal", id), "doc " + ordinal);
        }
    }

    /** Query row {@code qid} as (qid, query {@code qid % distinct}). */
    private static final class QueryRow implements MapFunction<Long, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Row map(Long i) {
            int qid = (int) (long) i;
            float[][] q = sourceQueries;
            return Row.of(qid, boxed(q[qid % q.length]));
        }
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    // -------------------------------------------------------------------------------- report

    private void printReport(PrintStream out) {
        out.println();
        out.println("## SQL connector bench: " + o.label());
        out.println();
        header.forEach(out::println);
        out.println();
        out.println(
                "| run | rows | INSERT s (executeSql to finished) | INSERT rows/s | INSERT rows/s"
                        + " from last task RUNNING | searchable after s (executeSql to strong"
                        + " answer) | rows/s to searchable | vectorsIndexed at strong answer |"
                        + " all indexed (metric) after s | then at rest after s | index at"
                        + " rest |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        ingestRows.forEach(out::println);
        out.println();
        out.println(
                "| run | path | search parallelism | in flight | queries | searches/s | timed s |"
                        + " searches/s incl. job start (s) | recall@10 | round trip p50 / p99 ms"
                        + " | errors |");
        out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|");
        searchRows.forEach(out::println);
        out.println();
        out.println(
                "Timers. INSERT: from the executeSql call (plan, translate, submit) to the job's"
                        + " end (its writers flush and wait for every Kafka ack at end of input);"
                        + " 'from last task RUNNING' starts when the INSERT job's last subtask"
                        + " switched to RUNNING (Flink REST subtask times), i.e. after the"
                        + " writers opened their clients and made sure the collection exists."
                        + " Searchable: from the same executeSql call to the answer of one"
                        + " strong-consistency VECTOR_SEARCH (k=1, parallelism 1) submitted as soon"
                        + " as the INSERT finished; includes that statement's own job start."
                        + " SQL searches/s: query rows / time from the collecting job's last"
                        + " subtask RUNNING (search clients opened, collection checked; each"
                        + " subtask's first query still starts its reply reader) to the last"
                        + " result row at the client; 'incl. job start' from the executeSql call."
                        + " Java client: from the first send to the last answer.");
        notes.forEach(n -> out.println("\nNote: " + n));
    }

    // ------------------------------------------------------------------------------- helpers

    private static List<Row> collect(TableResult result) throws Exception {
        List<Row> out = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static String arrayLiteral(float[] v) {
        StringBuilder b = new StringBuilder("CAST(ARRAY[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append("CAST(").append(v[i]).append(" AS FLOAT)");
        }
        return b.append("] AS ARRAY<FLOAT>)").toString();
    }

    private static long nearestRank(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t.getClass().getSimpleName() + ": " + t.getMessage();
        return msg.length() <= 300 ? msg : msg.substring(0, 297) + "...";
    }

    private static long remainingNanos(long deadline) {
        return deadline - System.nanoTime();
    }

    private static void log(String format, Object... args) {
        System.out.printf("[%tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }
}
