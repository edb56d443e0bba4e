package io.vectorstream.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.jobs.testing.CapturedLogs;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/vectorstream local --set vectorstream.kafka.properties.<secret>=...}: the secret
 * reaches the job's Kafka clients but neither the log nor the web UI's configuration pages.
 */
class LocalSecretsITCase {

    @TempDir Path tmp;

    @Test
    void secretsSetOnTheCommandLineStayOutOfLogsAndTheWebUi() throws Exception {
        String jaasSecret = "jaas-" + UUID.randomUUID();
        String truststoreSecret = "truststore-" + UUID.randomUUID();
        int uiPort = freePort();
        LocalLauncher.Settings s =
                LocalLauncher.parse(
                        new String[] {
                            "--data-dir", tmp.toString(),
                            "--config-dir", Path.of("..", "config").toString(),
                            "--ui-port", String.valueOf(uiPort),
                            "--metrics-port", String.valueOf(freePort()),
                            "--parallelism", "1",
                            "--set",
                                    "vectorstream.kafka.properties.sasl.jaas.config="
                                        + "org.apache.kafka.common.security.plain.PlainLoginModule"
                                        + " required username=\"u\" password=\""
                                            + jaasSecret
                                            + "\";",
                            "--set",
                                    "vectorstream.kafka.properties.ssl.truststore.password="
                                            + truststoreSecret
                        });

        try (CapturedLogs logs = CapturedLogs.start()) {
            Configuration conf = LocalLauncher.flinkConfiguration(s);
            try (LocalSystem system = LocalSystem.start(tmp, 0, conf)) {
                String base = "http://localhost:" + uiPort;
                String clusterConfig = get(base + "/jobmanager/config");
                String jobConfig =
                        get(base + "/jobs/" + system.job().getJobID() + "/jobmanager/config");
                for (String page : List.of(clusterConfig, jobConfig)) {
                    assertThat(page).doesNotContain(jaasSecret).doesNotContain(truststoreSecret);
                }
                assertThat(clusterConfig + jobConfig)
                        .contains("vectorstream.kafka.properties.sasl.jaas.config");
                awaitProducers(logs, 2);
            }

            List<String> jobClients =
                    logs.events().stream()
                            .map(CapturedLogs.Event::message)
                            .filter(
                                    m ->
                                            m.matches(
                                                    "(?s)(Producer|Consumer|AdminClient)Config"
                                                            + " values:.*"))
                            .filter(m -> !m.contains("client.id = embedded-kafka-admin"))
                            .toList();
            assertThat(jobClients)
                    .hasSizeGreaterThanOrEqualTo(10)
                    .allSatisfy(
                            m ->
                                    assertThat(m)
                                            .contains("sasl.jaas.config = [hidden]")
                                            .contains("ssl.truststore.password = [hidden]"));
            assertThat(logs.text()).doesNotContain(jaasSecret).doesNotContain(truststoreSecret);
        }
    }

    private static void awaitProducers(CapturedLogs logs, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline
                && logs.events().stream()
                                .filter(e -> e.message().startsWith("ProducerConfig values:"))
                                .count()
                        < atLeast) {
            Thread.sleep(200);
        }
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(url)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
