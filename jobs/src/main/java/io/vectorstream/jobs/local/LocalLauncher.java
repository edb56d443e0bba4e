package io.vectorstream.jobs.local;

import io.vectorstream.metrics.BoundPrometheusReporterFactory;
import io.vectorstream.operators.VectorStreamOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * Runs the whole system on one machine: an embedded Kafka broker, a local Flink cluster with the
 * web UI and the Prometheus endpoint, the topics, and the job.
 *
 * <p>Data (Kafka log, checkpoints, logs) lives under one directory; a restart resumes the job from
 * its newest retained checkpoint, so nothing published is lost across restarts.
 */
public final class LocalLauncher {

    /** Command-line settings of a local run. */
    record Settings(
            Path dataDir,
            Path configDir,
            String bindAddress,
            int kafkaPort,
            int uiPort,
            int metricsPort,
            int parallelism,
            boolean fresh,
            Map<String, String> overrides) {}

    private LocalLauncher() {}

    public static void main(String[] args) throws Exception {
        // Nothing before the log file properties below may create a logger (no Flink class: its
        // Configuration has one), or the log goes to the fallback file in java.io.tmpdir.
        Settings s = parse(args);
        if (s == null) {
            return;
        }
        // The lock comes before anything touches the directory, --fresh included; the OS releases
        // it when this process ends.
        DataDirLock lock;
        try {
            lock =
                    DataDirLock.acquire(
                            s.dataDir(), "bin/vectorstream local " + String.join(" ", args));
        } catch (DataDirLock.InUseException e) {
            System.err.println(inUseMessage(e));
            System.exit(1);
            return;
        }
        if (s.fresh()) {
            lock.clear();
        }
        Files.createDirectories(s.dataDir().resolve("logs"));
        // Before the first logger exists: send Flink's and Kafka's logs to a file, not the
        // terminal.
        System.setProperty(
                "vectorstream.log.file", s.dataDir().resolve("logs/vectorstream.log").toString());
        System.setProperty("log.file", s.dataDir().resolve("logs/vectorstream.log").toString());

        Configuration conf = flinkConfiguration(s);
        LocalSystem system = LocalSystem.start(s.dataDir(), s.bindAddress(), s.kafkaPort(), conf);
        JobClient job = system.job();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        // Ctrl+C (SIGINT) and SIGTERM both run this hook; a background job of a shell ignores
        // SIGINT, so service managers and scripts stop the system with SIGTERM. The JVM then exits
        // with 128 + the signal number: 130 after Ctrl+C, 143 after SIGTERM.
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    System.out.println(
                                            "\n"
                                                    + "Stopping: cancelling the job (its last"
                                                    + " checkpoint is kept) and the broker...");
                                    stopping.set(true);
                                    system.close();
                                    System.out.println("Stopped.");
                                    stopped.countDown();
                                },
                                "vectorstream-shutdown"));

        printBanner(s, system, conf);
        try {
            job.getJobExecutionResult().get();
            System.out.println(
                    "The job ended; see " + s.dataDir().resolve("logs/vectorstream.log"));
        } catch (Exception e) {
            if (!stopping.get()) {
                System.out.println(
                        "The job failed: "
                                + e.getMessage()
                                + "\nSee "
                                + s.dataDir().resolve("logs/vectorstream.log"));
            }
        }
        stopped.await(60, TimeUnit.SECONDS);
    }

    static Configuration flinkConfiguration(Settings s) {
        if (!Files.isRegularFile(s.configDir().resolve("config.yaml"))) {
            throw new IllegalArgumentException(
                    "no config.yaml in "
                            + s.configDir().toAbsolutePath()
                            + "; run from the project root or pass --config-dir");
        }
        Configuration conf = GlobalConfiguration.loadConfiguration(s.configDir().toString());
        // Safe by default on the network (README, "Security"): the web UI/REST API and the
        // Prometheus endpoint (and Kafka) listen on --bind-address, this machine only unless told
        // otherwise; the blob server serves this process alone and stays on loopback; jobs are
        // submitted in-process, so jar upload through the web UI stays off unless configured on.
        conf.set(RestOptions.BIND_ADDRESS, s.bindAddress());
        conf.set(RestOptions.PORT, s.uiPort());
        conf.set(JobManagerOptions.BIND_HOST, LocalSystem.LOOPBACK);
        if (!conf.contains(WebOptions.SUBMIT_ENABLE)) {
            conf.set(WebOptions.SUBMIT_ENABLE, false);
        }
        // Flink's own reporter has no address option and listens on every interface.
        conf.setString(
                "metrics.reporter.prom.factory.class",
                BoundPrometheusReporterFactory.class.getName());
        conf.setString(
                "metrics.reporter.prom." + BoundPrometheusReporterFactory.BIND_ADDRESS,
                s.bindAddress());
        conf.setString(
                "metrics.reporter.prom." + BoundPrometheusReporterFactory.PORT,
                String.valueOf(s.metricsPort()));
        conf.setString("parallelism.default", String.valueOf(s.parallelism()));
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(s.parallelism()));
        conf.setString("web.log.path", s.dataDir().resolve("logs/vectorstream.log").toString());
        s.overrides().forEach(conf::setString);
        return conf;
    }

    private static void printBanner(Settings s, LocalSystem system, Configuration conf)
            throws UnknownHostException {
        String host = LocalSystem.reachableHost(s.bindAddress());
        boolean local = InetAddress.getByName(s.bindAddress()).isLoopbackAddress();
        int dim = conf.get(VectorStreamOptions.DIMENSION);
        int exampleDim = dim == 0 ? 384 : dim;
        String n = System.lineSeparator();
        System.out.println(
                n
                        + "VectorStream is running."
                        + n
                        + "  Kafka bootstrap     "
                        + system.bootstrapServers()
                        + n
                        + "  Topics              "
                        + conf.get(VectorStreamOptions.VECTORS_TOPIC)
                        + ", "
                        + conf.get(VectorStreamOptions.QUERIES_TOPIC)
                        + ", "
                        + conf.get(VectorStreamOptions.RESULTS_TOPIC)
                        + ", "
                        + conf.get(VectorStreamOptions.DLQ_TOPIC)
                        + n
                        + "  Collection          '"
                        + conf.get(VectorStreamOptions.COLLECTION)
                        + "', dimension "
                        + (conf.get(VectorStreamOptions.DIMENSION) == 0
                                ? "taken from the first vector"
                                : String.valueOf(conf.get(VectorStreamOptions.DIMENSION)))
                        + ", metric "
                        + conf.get(VectorStreamOptions.METRIC)
                        + n
                        + "  Flink web UI        "
                        + LocalSystem.webUrl(conf)
                        + n
                        + "  Prometheus metrics  http://"
                        + host
                        + ":"
                        + s.metricsPort()
                        + "/metrics"
                        + n
                        + "  Listening on        "
                        + s.bindAddress()
                        + (local
                                ? " (this machine only; --bind-address to change)"
                                : " (reachable from other machines, without authentication;"
                                        + " README, \"Security\")")
                        + n
                        + "  Job id              "
                        + system.job().getJobID()
                        + n
                        + "  Data directory      "
                        + s.dataDir().toAbsolutePath()
                        + system.resumedFrom()
                                .map(p -> " (resumed from " + p.getFileName() + ")")
                                .orElse("")
                        + n
                        + "  Logs                "
                        + s.dataDir().resolve("logs/vectorstream.log").toAbsolutePath()
                        + n
                        + n
                        + "Try it from another terminal:"
                        + n
                        + "  bin/vectorstream produce --random 1000 --dim "
                        + exampleDim
                        + n
                        + "  bin/vectorstream query --random --dim "
                        + exampleDim
                        + " --k 5"
                        + n
                        + "Stop with Ctrl+C, or kill "
                        + ProcessHandle.current().pid()
                        + " (SIGTERM): the data is kept (--fresh starts empty).");
    }

    static Settings parse(String[] args) {
        // bin/vectorstream passes the project directory, so the defaults do not depend on the cwd.
        Path home = Paths.get(System.getProperty("vectorstream.home", "."));
        Path dataDir = home.resolve("data");
        Path configDir = home.resolve("config");
        String bindAddress = LocalSystem.LOOPBACK;
        int kafkaPort = 9092;
        int uiPort = 8081;
        int metricsPort = 9249;
        int parallelism = 2;
        boolean fresh = false;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.println(usage());
                    return null;
                }
                case "--fresh" -> fresh = true;
                case "--data-dir" -> dataDir = Paths.get(value(args, ++i, a));
                case "--config-dir" -> configDir = Paths.get(value(args, ++i, a));
                case "--bind-address" -> bindAddress = value(args, ++i, a);
                case "--kafka-port" -> kafkaPort = Integer.parseInt(value(args, ++i, a));
                case "--ui-port" -> uiPort = Integer.parseInt(value(args, ++i, a));
                case "--metrics-port" -> metricsPort = Integer.parseInt(value(args, ++i, a));
                case "--parallelism" -> parallelism = Integer.parseInt(value(args, ++i, a));
                case "--set" -> {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException(
                                "--set takes key=value, got '" + kv + "'");
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default ->
                        throw new IllegalArgumentException(
                                "unknown option '" + a + "'\n" + usage());
            }
        }
        return new Settings(
                dataDir,
                configDir,
                bindAddress,
                kafkaPort,
                uiPort,
                metricsPort,
                parallelism,
                fresh,
                Collections.unmodifiableMap(overrides));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static String inUseMessage(DataDirLock.InUseException e) {
        String stop =
                e.holderPid().isPresent()
                        ? "Ctrl+C in its terminal, or kill " + e.holderPid().getAsLong()
                        : "Ctrl+C in its terminal";
        return "vectorstream local: the data directory "
                + e.getMessage()
                + System.lineSeparator()
                + "One system per data directory: stop that one first ("
                + stop
                + "), or start this one with another --data-dir.";
    }

    static String usage() {
        return String.join(
                System.lineSeparator(),
                "usage: bin/vectorstream local [options]",
                "  --data-dir DIR       Kafka log, checkpoints and logs (default <project>/data)",
                "  --config-dir DIR     directory of config.yaml (default <project>/config)",
                "  --bind-address ADDR  where the web UI/REST API, the Prometheus endpoint and"
                        + " Kafka listen",
                "                       (default 127.0.0.1: this machine only; 0.0.0.0: every"
                        + " interface,",
                "                       unauthenticated: see the README's \"Security\" first)",
                "  --kafka-port N       Kafka client port (default 9092)",
                "  --ui-port N          Flink web UI port (default 8081)",
                "  --metrics-port N     Prometheus endpoint port (default 9249)",
                "  --parallelism N      index parallelism and task slots (default 2)",
                "  --set KEY=VALUE      override any config.yaml option, e.g. --set"
                        + " vectorstream.collection.dimension=128",
                "  --fresh              delete the data directory's contents first",
                "Only one system at a time can use a data directory: a second launcher on it stops"
                        + " at once,",
                "naming the process that has it (the lock is <data-dir>/"
                        + DataDirLock.FILE_NAME
                        + ").",
                "Ctrl+C or SIGTERM stops the system: the job is cancelled (its last checkpoint is"
                        + " kept), then the broker.");
    }
}
