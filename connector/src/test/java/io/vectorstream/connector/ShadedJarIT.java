package io.vectorstream.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.PayloadCodec;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.factories.Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar a user drops into Flink's {@code lib/}, as the shade step wrote it (run by failsafe after
 * {@code package}): it holds only VectorStream's packages, and loaded beside Flink alone, without
 * any Kafka, Avro or Jackson on the class path, Flink finds the factory and its relocated Kafka
 * client really writes to a broker and reads from it.
 */
class ShadedJarIT {

    @TempDir Path tmp;

    private static Path jar() {
        String path = System.getProperty("shaded.jar");
        assertThat(path).as("failsafe passes the shaded jar's path").isNotNull();
        return Path.of(path);
    }

    @Test
    void holdsOnlyVectorStreamClassesWithTheRestRelocated() throws IOException {
        List<String> foreign = new ArrayList<>();
        try (JarFile jar = new JarFile(jar().toFile())) {
            jar.stream()
                    .map(e -> e.getName().replaceFirst("^META-INF/versions/\\d+/", ""))
                    .filter(n -> n.endsWith(".class"))
                    .filter(n -> !n.startsWith("io/vectorstream/"))
                    .forEach(foreign::add);
            assertThat(
                            jar.getEntry(
                                    "io/vectorstream/shaded/org/apache/kafka/clients/producer/KafkaProducer.class"))
                    .isNotNull();
            assertThat(jar.getEntry("META-INF/services/org.apache.flink.table.factories.Factory"))
                    .isNotNull();
        }
        assertThat(foreign).isEmpty();
    }

    @Test
    void besideFlinkAloneItIsFoundAndItsKafkaClientWrites() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
                URLClassLoader loader =
                        new URLClassLoader(
                                new URL[] {jar().toUri().toURL()}, new FlinkOnly(getClass()))) {
            kafka.createTopic("vectors", 1);
            kafka.createTopic("results", 1);

            Factory found = null;
            for (Factory f : ServiceLoader.load(Factory.class, loader)) {
                if (f.factoryIdentifier().equals("vectorstream")) {
                    found = f;
                }
            }
            assertThat(found).isNotNull();
            assertThat(found.getClass().getClassLoader()).isSameAs(loader);

            // As the planner would: through ConnectionSettings, with a foreign context loader.
            Object settings =
                    loader.loadClass("io.vectorstream.connector.ConnectionSettings")
                            .getMethod("of", ReadableConfig.class, Map.class)
                            .invoke(
                                    null,
                                    Configuration.fromMap(
                                            Map.of("bootstrap-servers", kafka.bootstrapServers())),
                                    Map.of());
            Class<?> clientClass = loader.loadClass("io.vectorstream.client.VectorStreamClient");
            try (AutoCloseable client =
                    (AutoCloseable)
                            settings.getClass()
                                    .getMethod("newClient", String.class)
                                    .invoke(settings, "shaded-jar-it")) {
                Future<?> ack =
                        (Future<?>)
                                clientClass
                                        .getMethod(
                                                "upsert",
                                                String.class,
                                                String.class,
                                                float[].class,
                                                Map.class)
                                        .invoke(
                                                client,
                                                "docs",
                                                "from-the-shaded-jar",
                                                new float[] {1f, 2f},
                                                Map.of("k", "v"));
                assertThat(ack.get(60, TimeUnit.SECONDS).getClass().getName())
                        .startsWith("io.vectorstream.shaded.org.apache.kafka.");
                // The reply reader's consumer is made on a thread of the client's own, whatever
                // the caller's context class loader (here the test's, which also sees this jar).
                ((Future<?>) clientClass.getMethod("startReplyReader").invoke(client))
                        .get(60, TimeUnit.SECONDS);
            }

            VectorRecord record =
                    PayloadCodec.decodeVectorRecord(
                            KafkaTopics.awaitAnyRecord(kafka.bootstrapServers(), "vectors")
                                    .value());
            assertThat(record.getId()).isEqualTo("from-the-shaded-jar");
            assertThat(record.getCollection()).isEqualTo("docs");
            assertThat(record.getMetadata()).containsEntry("k", "v");
        }
    }

    /**
     * What a Flink distribution's class path offers the jar: Flink and the JDK, but none of the
     * libraries the jar brings (nor the test's own unshaded copies of VectorStream).
     */
    private static final class FlinkOnly extends ClassLoader {
        FlinkOnly(Class<?> test) {
            super(test.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.vectorstream.")
                    || name.startsWith("org.apache.kafka.")
                    || name.startsWith("org.apache.avro.")
                    || name.startsWith("com.fasterxml.jackson.")) {
                throw new ClassNotFoundException(
                        name + " is not on a Flink distribution's class path");
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith("META-INF/services/") ? null : super.getResource(name);
        }

        @Override
        public java.util.Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/services/")
                    ? java.util.Collections.emptyEnumeration()
                    : super.getResources(name);
        }
    }
}
