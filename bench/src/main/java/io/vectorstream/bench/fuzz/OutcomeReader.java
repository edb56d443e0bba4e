package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the job wrote since the run started — dead letters, and answers on the run's reply
 * topics and on the default answer topics — and books each into the {@link Ledger}: a dead letter
 * by its original record's partition and offset, an answer by the correlation id the run gave its
 * request ({@code fuzz:<run>:<seq>}). One thread, which owns the consumer.
 */
final class OutcomeReader implements AutoCloseable {

    /** The correlation id of request {@code seq} of run {@code runId}. */
    static byte[] correlationId(String runId, long seq) {
        return ("fuzz:" + runId + ":" + seq).getBytes(StandardCharsets.UTF_8);
    }

    private final Ledger ledger;
    private final String prefix;
    private final String queryReplies;
    private final String collectionReplies;
    private final Properties props;
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stop;
    private Thread thread;

    /**
     * @param queryReplies the run's reply topic for queries (read from its start)
     * @param collectionReplies the run's reply topic for collection requests (from its start)
     */
    OutcomeReader(
            String bootstrap,
            String runId,
            String queryReplies,
            String collectionReplies,
            Ledger ledger) {
        this.ledger = ledger;
        this.prefix = "fuzz:" + runId + ":";
        this.queryReplies = queryReplies;
        this.collectionReplies = collectionReplies;
        props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    }

    /**
     * Starts reading; returns once the existing topics are positioned at their ends, so every
     * outcome of a case sent after this returns is seen.
     */
    void start() throws Exception {
        thread = new Thread(this::run, "fuzz-outcomes");
        thread.setDaemon(true);
        thread.start();
        if (!positioned.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the outcome reader did not start within 60 s");
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    /** The reader's failure, if it stopped on one. */
    Exception failure() {
        return failure.get();
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> fromEnd = new ArrayList<>();
            List<TopicPartition> fromStart = new ArrayList<>();
            for (String topic :
                    List.of(
                            KafkaContract.DEAD_LETTER_TOPIC,
                            KafkaContract.RESULTS_TOPIC,
                            KafkaContract.COLLECTION_RESULTS_TOPIC)) {
                fromEnd.addAll(partitions(consumer, topic));
            }
            fromStart.addAll(partitions(consumer, queryReplies));
            fromStart.addAll(partitions(consumer, collectionReplies));
            List<TopicPartition> all = new ArrayList<>(fromEnd);
            all.addAll(fromStart);
            consumer.assign(all);
            consumer.seekToEnd(fromEnd);
            consumer.seekToBeginning(fromStart);
            for (TopicPartition tp : all) {
                consumer.position(tp); // resolves the seeks now, before any case is sent
            }
            positioned.countDown();
            while (!stop) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    book(r);
                }
            }
        } catch (Exception e) {
            failure.set(e);
            positioned.countDown();
        }
    }

    private static List<TopicPartition> partitions(
            KafkaConsumer<byte[], byte[]> consumer, String topic) {
        List<TopicPartition> out = new ArrayList<>();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic '" + topic + "' does not exist");
        }
        for (PartitionInfo p : infos) {
            out.add(new TopicPartition(topic, p.partition()));
        }
        return out;
    }

    private void book(ConsumerRecord<byte[], byte[]> r) {
        if (r.topic().equals(KafkaContract.DEAD_LETTER_TOPIC)) {
            bookDeadLetter(r);
            return;
        }
        Header h = r.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);
        String correlation = h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
        if (!correlation.startsWith(prefix)) {
            return; // another client's answer
        }
        long seq = Long.parseLong(correlation.substring(prefix.length()));
        Target target = ledger.target(seq);
        ledger.answer(seq, target == null ? "FOREIGN" : answerCode(target, r.value()));
    }

    private void bookDeadLetter(ConsumerRecord<byte[], byte[]> r) {
        try {
            DeadLetter d = PayloadCodec.decodeDeadLetter(r.value());
            if (d.getTopic().equals(KafkaContract.VECTORS_TOPIC)) {
                ledger.deadLetter(d.getPartition(), d.getOffset(), d.getCode());
            }
        } catch (RuntimeException e) {
            // Dead letters are always Avro; one that is not cannot be matched to its record.
            Header code = r.headers().lastHeader(KafkaContract.ERROR_CODE_HEADER);
            System.err.println(
                    "undecodable dead letter at offset "
                            + r.offset()
                            + (code == null
                                    ? ""
                                    : " (code "
                                            + new String(code.value(), StandardCharsets.UTF_8)
                                            + ")"));
        }
    }

    /**
     * An answer's error code; {@code OK} for an answer without error, {@code OK_INCOMPLETE} for a
     * query answer without error that not every shard contributed to (a strong query that could not
     * catch up in time), {@code ANSWER_UNDECODABLE} when it is not the request's response.
     */
    private static String answerCode(Target target, byte[] value) {
        try {
            if (target == Target.QUERIES) {
                QueryResponse q = PayloadCodec.decodeQueryResponse(value);
                if (q.getError() != null) {
                    return q.getError().getCode();
                }
                return q.getComplete() ? "OK" : "OK_INCOMPLETE";
            }
            CollectionResponse c = PayloadCodec.decodeCollectionResponse(value);
            return c.getError() != null ? c.getError().getCode() : "OK";
        } catch (RuntimeException e) {
            return "ANSWER_UNDECODABLE";
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        if (thread != null) {
            thread.join(10_000);
        }
    }
}
