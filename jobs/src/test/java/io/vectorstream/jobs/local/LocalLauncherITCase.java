package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.jobs.Main;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/vectorstream local} as a user runs it, in a JVM of its own (the launcher's {@code
 * main}, the production log configuration, free ports): a second launcher on the same data
 * directory is refused at once and touches nothing, and SIGTERM stops the system the way Ctrl+C
 * does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalLauncherITCase {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir static Path tmp;

    private static Path dataDir;
    private static int uiPort;
    private static Launcher first;

    @BeforeAll
    static void startTheFirstLauncher() throws Exception {
        dataDir = tmp.resolve("data");
        uiPort = freePort();
        first = Launcher.start(tmp.resolve("first"), dataDir, uiPort);
        first.awaitOutput("VectorStream is running.", TimeUnit.MINUTES.toMillis(3));
    }

    @AfterAll
    static void stop() throws Exception {
        if (first != null) {
            first.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(1)
    void aSecondLauncherOnTheSameDirectoryIsRefusedAtOnceAndTouchesNothing() throws Exception {
        Path log = dataDir.resolve("logs/vectorstream.log");
        String firstLine = Files.readAllLines(log).get(0);
        long logSize = Files.size(log);
        String clusterId = Files.readString(dataDir.resolve("kafka/cluster.id"));

        // --fresh would delete the directory's contents: the lock comes first.
        Launcher second = Launcher.start(tmp.resolve("second"), dataDir, freePort(), "--fresh");
        assertThat(second.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.process().exitValue()).isEqualTo(1);
        assertThat(second.stderr())
                .contains("the data directory " + dataDir.toAbsolutePath() + " is in use by")
                .contains("process " + first.process().pid() + " (bin/vectorstream local ")
                .contains("kill " + first.process().pid())
                .contains("another --data-dir");
        assertThat(second.stdout()).doesNotContain("VectorStream is running.");

        assertThat(Files.readAllLines(log).get(0)).isEqualTo(firstLine);
        assertThat(Files.size(log)).isGreaterThanOrEqualTo(logSize);
        assertThat(Files.readString(dataDir.resolve("kafka/cluster.id"))).isEqualTo(clusterId);
        assertThat(get("http://localhost:" + uiPort + "/overview"))
                .as("the first system still runs")
                .contains("\"jobs-running\":1");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void sigtermStopsTheSystemAsCtrlCDoes() throws Exception {
        first.process().destroy(); // SIGTERM

        assertThat(first.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(first.process().exitValue()).as("128 + SIGTERM").isEqualTo(143);
        assertThat(first.stdout()).contains("Stopping: cancelling the job").contains("Stopped.");
        String log = Files.readString(dataDir.resolve("logs/vectorstream.log"));
        assertThat(log)
                .contains("switched from state CANCELLING to CANCELED")
                .containsPattern("Embedded Kafka at \\S+ stopped in")
                .doesNotContain("switched from state RUNNING to FAILING");
        assertThat(dataDir.resolve("kafka/kafka-logs/.kafka_cleanshutdown"))
                .as("the broker shut down cleanly")
                .exists();
        DataDirLock.acquire(dataDir, "after the stop").close();
    }

    // ------------------------------------------------------------------------------ helpers

    /** A launcher JVM with its output in files under {@code dir}. */
    record Launcher(Process process, Path out, Path err) {

        static Launcher start(Path dir, Path dataDir, int uiPort, String... extra)
                throws IOException {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>();
            command.add(System.getProperty("java.home") + "/bin/java");
            command.add("-Xmx1g");
            command.addAll(moduleFlags());
            command.add("-cp");
            command.add(productionClassPath());
            command.add(Main.class.getName());
            command.addAll(
                    List.of(
                            "local",
                            "--data-dir",
                            dataDir.toString(),
                            "--config-dir",
                            Path.of("..", "config").toString(),
                            "--kafka-port",
                            String.valueOf(freePort()),
                            "--ui-port",
                            String.valueOf(uiPort),
                            "--metrics-port",
                            String.valueOf(freePort()),
                            "--parallelism",
                            "1"));
            command.addAll(Arrays.asList(extra));
            Path out = dir.resolve("stdout");
            Path err = dir.resolve("stderr");
            Process p =
                    new ProcessBuilder(command)
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile())
                            .start();
            return new Launcher(p, out, err);
        }

        void awaitOutput(String text, long timeoutMs) throws Exception {
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (!stdout().contains(text)) {
                assertThat(process.isAlive())
                        .as("launcher ended: %s%n%s", stdout(), stderr())
                        .isTrue();
                assertThat(System.currentTimeMillis())
                        .as("'%s' within %d ms: %s", text, timeoutMs, stdout())
                        .isLessThan(deadline);
                Thread.sleep(200);
            }
        }

        String stdout() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String stderr() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }
    }

    /** The module flags Flink needs on Java 17, as this JVM got them from the build. */
    private static List<String> moduleFlags() {
        List<String> flags = new ArrayList<>();
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--add-opens") || a.startsWith("--add-exports")) {
                flags.add(a);
            } else if (a.startsWith("--add-modules")) {
                flags.add(a);
                if (a.equals("--add-modules")) {
                    flags.add(args.get(++i));
                }
            }
        }
        return flags;
    }

    /** This JVM's class path without the test classes, so the launcher logs as in production. */
    private static String productionClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("test-classes") && !e.endsWith("-tests.jar"))
                .reduce((a, b) -> a + File.pathSeparator + b)
                .orElseThrow();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }
}
