package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.codec.WireFormat;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.LongFunction;
import java.util.stream.Stream;

/**
 * Saves fuzz cases to a directory and reads them back for a replay: per case {@code <seq>.bin}
 * holds the Kafka value and {@code <seq>.properties} the topic, key (hex), reply-to header and what
 * the mutation did, so a payload can also be sent again with plain Kafka tools.
 */
final class CaseFiles {
    private static final HexFormat HEX = HexFormat.of();

    private CaseFiles() {}

    static void save(Path dir, List<FuzzCase> cases) throws IOException {
        save(dir, cases, seq -> null);
    }

    /**
     * @param outcomeOf the code a case's dead letter or answer had, null for none (also saved)
     */
    static void save(Path dir, List<FuzzCase> cases, LongFunction<String> outcomeOf)
            throws IOException {
        Files.createDirectories(dir);
        for (FuzzCase c : cases) {
            Files.write(dir.resolve(c.seq() + ".bin"), c.value());
            Properties p = new Properties();
            p.setProperty("seq", Long.toString(c.seq()));
            p.setProperty("topic", c.target().topic);
            p.setProperty("target", c.target().name());
            p.setProperty("format", c.format().name());
            p.setProperty("mutation", c.mutation().label());
            p.setProperty("description", c.description());
            p.setProperty("size", Integer.toString(c.value().length));
            if (c.key() != null) {
                p.setProperty("key.hex", HEX.formatHex(c.key()));
            }
            p.setProperty("reply-to", c.replyTo().kind().name());
            String outcome = outcomeOf.apply(c.seq());
            if (outcome != null) {
                p.setProperty("outcome", outcome);
            }
            if (c.replyTo().literal() != null) {
                p.setProperty("reply-to.hex", HEX.formatHex(c.replyTo().literal()));
            }
            try (Writer w = Files.newBufferedWriter(dir.resolve(c.seq() + ".properties"))) {
                p.store(w, "VectorStream payload fuzzer case; the value is " + c.seq() + ".bin");
            }
        }
    }

    /** The cases saved in {@code dir}, in sending order. */
    static List<FuzzCase> load(Path dir) throws IOException {
        List<FuzzCase> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".properties")).toList();
        }
        for (Path f : files) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(f)) {
                p.load(r);
            }
            long seq = Long.parseLong(p.getProperty("seq"));
            String key = p.getProperty("key.hex");
            String replyTo = p.getProperty("reply-to.hex");
            out.add(
                    new FuzzCase(
                            seq,
                            Target.valueOf(p.getProperty("target")),
                            WireFormat.valueOf(p.getProperty("format")),
                            MutationClass.parse(p.getProperty("mutation")),
                            p.getProperty("description"),
                            key == null ? null : HEX.parseHex(key),
                            Files.readAllBytes(dir.resolve(seq + ".bin")),
                            new FuzzCase.ReplyTo(
                                    FuzzCase.ReplyTo.Kind.valueOf(p.getProperty("reply-to")),
                                    replyTo == null ? null : HEX.parseHex(replyTo))));
        }
        out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
        return out;
    }
}
