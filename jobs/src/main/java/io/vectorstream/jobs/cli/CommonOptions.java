package io.vectorstream.jobs.cli;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.codec.WireFormat;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The options every command takes: where Kafka is, which collection, how to write payloads, and
 * extra Kafka client settings (security) from a properties file, as Kafka's own tools take them.
 */
record CommonOptions(
        String bootstrap, String collection, WireFormat format, Properties kafkaProperties) {

    static final Set<String> NAMES = Set.of("bootstrap", "collection", "format", "command-config");

    static final String USAGE =
            String.join(
                    "\n",
                    "Common options:",
                    "  --bootstrap HOST:PORT[,...]  Kafka brokers (default localhost:9092)",
                    "  --collection NAME            target collection (default 'default')",
                    "  --format avro|json           payload form to write (default avro)",
                    "  --command-config FILE        Kafka client properties (security.protocol,"
                            + " sasl.*, ssl.*)",
                    "  --help                       this text");

    static CommonOptions parse(CliArgs args) throws UsageException {
        String formatName = args.string("format", "avro");
        WireFormat format;
        try {
            format = WireFormat.valueOf(formatName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--format must be avro or json, not '" + formatName + "'");
        }
        String collection = args.string("collection", VectorStreamClient.DEFAULT_COLLECTION);
        if (collection.isEmpty()) {
            throw new UsageException("--collection must not be empty");
        }
        return new CommonOptions(
                args.string("bootstrap", "localhost:9092"),
                collection,
                format,
                loadProperties(args.string("command-config", null)));
    }

    VectorStreamClient.Builder clientBuilder() {
        return VectorStreamClient.builder()
                .bootstrapServers(bootstrap)
                .wireFormat(format)
                .clientId("vectorstream-cli")
                .properties(kafkaProperties);
    }

    /** Builds the client; a bad setting (e.g. --bootstrap without port) is a usage error. */
    VectorStreamClient client() throws UsageException {
        try {
            return clientBuilder().build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }

    private static Properties loadProperties(String file) throws UsageException {
        Properties p = new Properties();
        if (file == null) {
            return p;
        }
        try (Reader in = Files.newBufferedReader(Path.of(file))) {
            p.load(in);
        } catch (NoSuchFileException e) {
            throw new UsageException("--command-config file '" + file + "' does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException(
                    "--command-config file '" + file + "' cannot be read: " + e.getMessage());
        }
        return p;
    }
}
