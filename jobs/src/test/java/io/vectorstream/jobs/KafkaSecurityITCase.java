package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.cli.VectorStreamCli;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.CapturedLogs;
import io.vectorstream.schema.CollectionInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka security settings reach every Kafka client the job, the client library and the CLI create,
 * and no secret shows up in the logs.
 *
 * <p>The job runs against a real broker with two secrets (a JAAS config and a truststore password)
 * and a harmless marker setting under {@code vectorstream.kafka.properties.}. Each Kafka client
 * logs its whole configuration when it is created, with password settings as {@code [hidden]}; so
 * every such log line must show the marker and both secrets as {@code [hidden]} (a client without
 * the settings would show their defaults), and the secret values must appear in no log event. The
 * broker is PLAINTEXT, so the secrets are carried but not used.
 */
class KafkaSecurityITCase {

    private static final String MARKER_KEY = "metrics.sample.window.ms";
    private static final String MARKER_VALUE = "31234";

    @TempDir static Path tmp;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void securitySettingsReachEveryKafkaClientAndSecretsAreNeverLogged() throws Exception {
        String jaasSecret = "jaas-secret-" + UUID.randomUUID();
        String truststoreSecret = "truststore-secret-" + UUID.randomUUID();
        Map<String, String> kafkaProperties =
                Map.of(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"vectorstream\" password=\""
                                + jaasSecret
                                + "\";",
                        "ssl.truststore.password",
                        truststoreSecret,
                        MARKER_KEY,
                        MARKER_VALUE);

        try (CapturedLogs logs = CapturedLogs.start();
                EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            for (String topic :
                    List.of(
                            "vectors",
                            "queries",
                            "results",
                            "vectors.dlq",
                            "collections",
                            "collections.results")) {
                kafka.createTopic(topic, 1);
            }
            Configuration conf = new Configuration();
            conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
            kafkaProperties.forEach(
                    (k, v) -> conf.setString("vectorstream.kafka.properties." + k, v));
            conf.setString("parallelism.default", "1");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            VectorStreamJob.attachKafka(env, conf);
            JobClient job = env.executeAsync("kafka-security-itcase");

            Properties clientProperties = new Properties();
            clientProperties.putAll(kafkaProperties);
            try (VectorStreamClient client =
                    VectorStreamClient.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .properties(clientProperties)
                            .defaultTimeout(Duration.ofSeconds(60))
                            .build()) {
                // A round trip through the job's sources and answers sink, and both reply readers
                // of the client.
                List<CollectionInfo> collections =
                        client.listCollections().get(90, TimeUnit.SECONDS);
                assertThat(collections).extracting(CollectionInfo::getName).contains("default");
                client.query(new float[] {1f, 0f, 0f}, 1).get(60, TimeUnit.SECONDS);

                // The CLI takes the same settings from --command-config: a producer and a reply
                // consumer for "collections", a consumer of its own for "tail-dlq".
                Path commandConfig = tmp.resolve("client.properties");
                try (Writer w = Files.newBufferedWriter(commandConfig)) {
                    clientProperties.store(w, null);
                }
                String bootstrap = kafka.bootstrapServers();
                String[][] commands = {
                    {"collections", "--bootstrap", bootstrap},
                    {
                        "tail-dlq",
                        "--from-beginning",
                        "--timeout-ms",
                        "500",
                        "--bootstrap",
                        bootstrap
                    }
                };
                for (String[] command : commands) {
                    String[] args = Arrays.copyOf(command, command.length + 2);
                    args[command.length] = "--command-config";
                    args[command.length + 1] = commandConfig.toString();
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    int exit;
                    try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                        exit = VectorStreamCli.run(args, ps, ps);
                    }
                    String printed = out.toString(StandardCharsets.UTF_8);
                    assertThat(exit).as("%s printed %s", command[0], printed).isZero();
                    assertThat(printed).doesNotContain(jaasSecret).doesNotContain(truststoreSecret);
                }

                // The job's clients: the control history reader (at submission), three sources
                // (reader consumer and enumerator admin each), the reply-topic and end-offset admin
                // clients, two sinks; the client library's producer and two reply consumers; the
                // CLI's.
                awaitClients(logs, "ProducerConfig", 4);
                awaitClients(logs, "ConsumerConfig", 8);
                awaitClients(logs, "AdminClientConfig", 5);
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }

            List<String> dumps = clientConfigDumps(logs);
            assertThat(dumps)
                    .allSatisfy(
                            dump ->
                                    assertThat(dump)
                                            .contains(MARKER_KEY + " = " + MARKER_VALUE)
                                            .contains("sasl.jaas.config = [hidden]")
                                            .contains("ssl.truststore.password = [hidden]"));
            assertThat(logs.text()).doesNotContain(jaasSecret).doesNotContain(truststoreSecret);
        }
    }

    /**
     * The configuration dumps of every Kafka client created so far, except the test broker's own
     * admin client.
     */
    private static List<String> clientConfigDumps(CapturedLogs logs) {
        Predicate<String> ours = m -> !m.contains("client.id = embedded-kafka-admin");
        return logs.events().stream()
                .map(CapturedLogs.Event::message)
                .filter(m -> m.matches("(?s)(Producer|Consumer|AdminClient)Config values:.*"))
                .filter(ours)
                .toList();
    }

    private static void awaitClients(CapturedLogs logs, String kind, int atLeast)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long seen = 0;
        while (System.nanoTime() < deadline) {
            seen = clientConfigDumps(logs).stream().filter(m -> m.startsWith(kind)).count();
            if (seen >= atLeast) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(seen)
                .as("Kafka clients that logged their %s", kind)
                .isGreaterThanOrEqualTo(atLeast);
    }
}
