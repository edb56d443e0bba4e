package io.vectorstream.jobs.cli;

import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** {@code tail-dlq}: prints the dead letters, i.e. why vector records were rejected. */
final class TailDlqCommand implements Command {

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream tail-dlq [--max N] [--timeout-ms T] [--from-beginning]"
                            + " [--topic TOPIC] [common options]",
                    "",
                    "Prints the records the job rejected: reason code and text, where the",
                    "record was (topic/partition@offset), its key and size. Starts with the last",
                    "N of each partition (or the first, with --from-beginning), then waits for",
                    "new ones; stops after N dead letters or when none arrived for T ms. With",
                    "--collection, only records of that collection (and undecodable ones).",
                    "  --max N          at most N dead letters (default 20)",
                    "  --timeout-ms T   stop after T ms without a new one (default 5000)",
                    "  --from-beginning start at the oldest dead letter instead of the last N",
                    "  --topic TOPIC    dead-letter topic (default "
                            + KafkaContract.DEAD_LETTER_TOPIC
                            + ")");

    private static final Duration POLL = Duration.ofMillis(200);

    @Override
    public String name() {
        return "tail-dlq";
    }

    @Override
    public String summary() {
        return "show rejected vector records and the reasons";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("max", "timeout-ms", "topic");
    }

    @Override
    public Set<String> flags() {
        return Set.of("from-beginning");
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        if (!args.positionals().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
        }
        int max = args.intValue("max", 20, 1, Integer.MAX_VALUE);
        Duration idle = Duration.ofMillis(args.longValue("timeout-ms", 5000, 1, Long.MAX_VALUE));
        String topic = args.string("topic", KafkaContract.DEAD_LETTER_TOPIC);
        try {
            String collection = args.has("collection") ? common.collection() : null;
            int shown =
                    tail(
                            consumerProperties(common),
                            topic,
                            collection,
                            max,
                            idle,
                            args.flag("from-beginning"),
                            out);
            out.println(shown == 0 ? "no dead letters on " + topic : shown + " dead letters shown");
            return ExitCodes.OK;
        } catch (KafkaException | IllegalStateException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    /**
     * Prints up to {@code max} dead letters of {@code topic}, then returns when {@code max} were
     * printed or none arrived for {@code idle}.
     *
     * @param collection when not null, skips dead letters whose record names another collection
     *     (undecodable records name none and are always shown)
     * @return how many were printed
     */
    static int tail(
            Properties consumerProperties,
            String topic,
            String collection,
            int max,
            Duration idle,
            boolean fromBeginning,
            PrintStream out) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException(
                        "topic '"
                                + topic
                                + "' does not exist; is the VectorStream job set up on this"
                                + " cluster?");
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                for (TopicPartition tp : partitions) {
                    consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - max));
                }
            }
            int shown = 0;
            long idleNanos = idle.toNanos();
            long lastSeen = System.nanoTime();
            while (shown < max && System.nanoTime() - lastSeen < idleNanos) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    lastSeen = System.nanoTime();
                    if (shown < max && print(r, collection, out)) {
                        shown++;
                    }
                }
            }
            return shown;
        }
    }

    /** Prints one dead letter unless the collection filter skips it; returns whether it printed. */
    private static boolean print(
            ConsumerRecord<byte[], byte[]> r, String collection, PrintStream out) {
        DeadLetter d;
        try {
            d = PayloadCodec.decodeDeadLetter(r.value());
        } catch (CodecException e) {
            out.println(
                    r.topic()
                            + "/"
                            + r.partition()
                            + "@"
                            + r.offset()
                            + "  (not a dead letter: "
                            + e.getMessage()
                            + ")");
            return true;
        }
        String recordCollection = collection == null ? null : collectionOf(d);
        if (recordCollection != null && !recordCollection.equals(collection)) {
            return false;
        }
        out.println(
                d.getCode()
                        + "  "
                        + d.getTopic()
                        + "/"
                        + d.getPartition()
                        + "@"
                        + d.getOffset()
                        + "  key="
                        + describeKey(d.getKey())
                        + "  value="
                        + describeValue(d)
                        + "  at "
                        + Instant.ofEpochMilli(d.getTimestampMs()));
        out.println("    " + d.getReason());
        return true;
    }

    /** "none", "N bytes", or "first N of M bytes" when the dead letter carries a prefix. */
    private static String describeValue(DeadLetter d) {
        if (d.getValue() == null) {
            return "none";
        }
        int carried = d.getValue().remaining();
        Integer size = d.getValueSize();
        return size != null && size > carried
                ? "first " + carried + " of " + size + " bytes"
                : carried + " bytes";
    }

    /** The collection the rejected record named, or null when its bytes do not decode. */
    private static String collectionOf(DeadLetter d) {
        if (d.getValue() == null) {
            return null;
        }
        ByteBuffer v = d.getValue().duplicate();
        byte[] bytes = new byte[v.remaining()];
        v.get(bytes);
        try {
            return PayloadCodec.decodeVectorRecord(bytes).getCollection();
        } catch (CodecException e) {
            return null;
        }
    }

    /** The key as text when it is UTF-8, else its size: keys are meant to be ids. */
    private static String describeKey(ByteBuffer key) {
        if (key == null) {
            return "none";
        }
        try {
            return "'" + StandardCharsets.UTF_8.newDecoder().decode(key.duplicate()) + "'";
        } catch (CharacterCodingException e) {
            return "(" + key.remaining() + " bytes, not UTF-8)";
        }
    }

    private static Properties consumerProperties(CommonOptions common) {
        Properties p = new Properties();
        p.putAll(common.kafkaProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, common.bootstrap());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "vectorstream-cli-dlq");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        // Read only, shared by anyone: no group, nothing committed.
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }
}
