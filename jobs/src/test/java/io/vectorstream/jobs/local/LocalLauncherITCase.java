package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.jobs.Main;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/vectorstream local} as a user runs it, in a JVM of its own (the launcher's {@code
 * main}, the shipped config.yaml, the production log configuration, free ports): everything it
 * listens on is bound to loopback and the web UI takes no jars; a second launcher on the same data
 * directory is refused at once and touches nothing; SIGTERM stops the system the way Ctrl+C does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalLauncherITCase {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path PROC_NET_TCP = Path.of("/proc/net/tcp");

    @TempDir static Path tmp;

    private static Path dataDir;
    private static Ports ports;
    private static Launcher first;

    @BeforeAll
    static void startTheFirstLauncher() throws Exception {
        dataDir = tmp.resolve("data");
        ports = Ports.free();
        first = Launcher.start(tmp.resolve("first"), dataDir, ports);
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
    void everySocketOfTheSystemListensOnLoopbackOnly() throws Exception {
        assertThat(PROC_NET_TCP).as("Linux's table of TCP sockets").isReadable();
        List<InetSocketAddress> listening = ListeningSockets.of(first.process().pid());

        // The web UI/REST API, the Prometheus endpoint, Kafka, and whatever else Flink and Kafka
        // open (the blob server, Kafka's controller).
        assertThat(listening)
                .extracting(InetSocketAddress::getPort)
                .contains(ports.ui(), ports.metrics(), ports.kafka());
        assertThat(listening)
                .allSatisfy(
                        a ->
                                assertThat(a.getAddress().isLoopbackAddress())
                                        .as("%s is a loopback address", a)
                                        .isTrue());
        // Where this machine has other addresses, nothing answers on them.
        for (InetAddress other : nonLoopbackAddresses()) {
            for (int port : List.of(ports.ui(), ports.metrics(), ports.kafka())) {
                assertThatThrownBy(() -> new Socket(other, port).close())
                        .as("connect to %s:%d", other, port)
                        .isInstanceOf(ConnectException.class);
            }
        }
        assertThat(get("http://127.0.0.1:" + ports.metrics() + "/metrics").body())
                .contains("flink_jobmanager_numRegisteredTaskManagers");
    }

    @Test
    @Order(2)
    void theWebUiTakesNoJars() throws Exception {
        assertThat(JSON.readTree(get(web("/config")).body()).at("/features/web-submit").asText())
                .as("/config features.web-submit")
                .isEqualTo("false");

        String boundary = "vectorstream-" + System.nanoTime();
        byte[] body =
                concat(
                        ("--"
                                        + boundary
                                        + "\r\nContent-Disposition: form-data; name=\"jarfile\";"
                                        + " filename=\"upload.jar\"\r\nContent-Type:"
                                        + " application/x-java-archive\r\n\r\n")
                                .getBytes(StandardCharsets.UTF_8),
                        smallJar(),
                        ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> upload =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(web("/jars/upload")))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        // Flink's router answers 400 "POST request not allowed": no handler takes the upload.
        assertThat(upload.statusCode())
                .as("POST /jars/upload: %s", upload.body())
                .isBetween(400, 499);
        assertThat(upload.body()).doesNotContain("success").doesNotContain("filename");
        assertThat(get(web("/jars")).statusCode()).as("GET /jars").isBetween(400, 499);
    }

    @Test
    @Order(3)
    void aSecondLauncherOnTheSameDirectoryIsRefusedAtOnceAndTouchesNothing() throws Exception {
        Path log = dataDir.resolve("logs/vectorstream.log");
        String firstLine = Files.readAllLines(log).get(0);
        long logSize = Files.size(log);
        String clusterId = Files.readString(dataDir.resolve("kafka/cluster.id"));

        // --fresh would delete the directory's contents: the lock comes first.
        Launcher second = Launcher.start(tmp.resolve("second"), dataDir, Ports.free(), "--fresh");
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
        assertThat(get(web("/overview")).body())
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

    /** The ports of one launcher, free when picked. */
    record Ports(int kafka, int ui, int metrics) {
        static Ports free() throws IOException {
            return new Ports(freePort(), freePort(), freePort());
        }
    }

    /** A launcher JVM with its output in files under {@code dir}. */
    record Launcher(Process process, Path out, Path err) {

        static Launcher start(Path dir, Path dataDir, Ports ports, String... extra)
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
                            String.valueOf(ports.kafka()),
                            "--ui-port",
                            String.valueOf(ports.ui()),
                            "--metrics-port",
                            String.valueOf(ports.metrics()),
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

    /**
     * The TCP sockets a process listens on, as the kernel has them bound whatever addresses the
     * machine has: its socket inodes (/proc/PID/fd) looked up in /proc/net/tcp and tcp6.
     */
    static final class ListeningSockets {
        private static final String LISTEN = "0A";

        static List<InetSocketAddress> of(long pid) throws IOException {
            Set<String> inodes = new HashSet<>();
            try (DirectoryStream<Path> fds =
                    Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "fd"))) {
                for (Path fd : fds) {
                    try {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[")) {
                            inodes.add(target.substring("socket:[".length(), target.length() - 1));
                        }
                    } catch (IOException closedMeanwhile) {
                        // the descriptor was closed after the listing
                    }
                }
            }
            List<InetSocketAddress> listening = new ArrayList<>();
            for (Path table : List.of(PROC_NET_TCP, PROC_NET_TCP.resolveSibling("tcp6"))) {
                if (!Files.isReadable(table)) {
                    continue;
                }
                List<String> lines = Files.readAllLines(table);
                for (String line : lines.subList(1, lines.size())) {
                    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                    String[] f = line.trim().split("\\s+");
                    if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
                        listening.add(address(f[1]));
                    }
                }
            }
            return listening;
        }

        /** "0100007F:1F90" (IPv4) or 32 hex digits:port (IPv6); 32-bit words little-endian. */
        private static InetSocketAddress address(String hex) throws IOException {
            String[] parts = hex.split(":");
            byte[] bytes = new byte[parts[0].length() / 2];
            for (int word = 0; word < bytes.length / 4; word++) {
                for (int b = 0; b < 4; b++) {
                    int at = word * 8 + (3 - b) * 2;
                    bytes[word * 4 + b] =
                            (byte) Integer.parseInt(parts[0].substring(at, at + 2), 16);
                }
            }
            return new InetSocketAddress(
                    InetAddress.getByAddress(bytes), Integer.parseInt(parts[1], 16));
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

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
    }

    private static byte[] smallJar() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            jar.putNextEntry(new JarEntry("hello.txt"));
            jar.write("hello".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String web(String path) {
        return "http://localhost:" + ports.ui() + path;
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
