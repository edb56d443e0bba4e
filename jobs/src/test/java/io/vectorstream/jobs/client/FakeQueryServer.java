package io.vectorstream.jobs.client;

import io.vectorstream.schema.Hit;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Plays the query side of the VectorStream job with a plain consumer and producer, so the client is
 * tested against the Kafka contract alone.
 *
 * <p>Every request is answered on its {@code reply-to} topic (default {@code results}) with its
 * {@code correlation-id} echoed, in the request's wire form. The answer has one hit whose id is the
 * query id and whose score is the query vector's first component, so a test can tell whose answer
 * it got; a query with {@code includeVectors} gets its own vector back as the hit's vector. Before
 * each real answer it writes a decoy: an answer with the same query id but another correlation id
 * and a hit named {@code decoy}, as another client's answer would look. The mode is chosen by the
 * query id's prefix or, for tools that make their own ids, by the collection name:
 *
 * <ul>
 *   <li>{@code silent}: never answered
 *   <li>{@code twice}: answered twice (at-least-once redelivery)
 *   <li>{@code noheader}: answered without the correlation-id header
 *   <li>{@code reject}: answered with error WRONG_DIMENSION
 *   <li>{@code held}: answered only after {@link #releaseHeld()}, all at once, so a test can have
 *       many queries in flight together
 * </ul>
 *
 * Each poll's batch is answered in reverse order, so answers do not come back in request order.
 */
public final class FakeQueryServer implements AutoCloseable {

    /** Shards the fake pretends to have; answers say {@code 2/2}. */
    public static final int SHARDS = 2;

    private static final List<String> MODES =
            List.of("silent", "twice", "noheader", "reject", "held");

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> requests =
            new ConcurrentLinkedQueue<>();
    private final AtomicInteger answersSent = new AtomicInteger();
    private final AtomicInteger heldCount = new AtomicInteger();
    private final AtomicBoolean releaseHeld = new AtomicBoolean();
    // Server thread only.
    private final List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();
    private volatile boolean running = true;
    private volatile Throwable failure;

    public FakeQueryServer(String bootstrapServers) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(KafkaContract.QUERIES_TOPIC)) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(p);

        thread = new Thread(this::run, "fake-query-server");
        thread.setDaemon(true);
        thread.start();
    }

    /** Every request read so far, with its headers. */
    public List<ConsumerRecord<byte[], byte[]>> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    /** Real answers written so far (decoys not counted). */
    public int answersSent() {
        return answersSent.get();
    }

    /** {@code held-*} requests read and not answered yet. */
    public int heldRequests() {
        return heldCount.get();
    }

    /** Answers every held request, last first, and stops holding new ones. */
    public void releaseHeld() {
        releaseHeld.set(true);
    }

    /** The error that stopped the server, if any; tests check it to fail clearly. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            while (running) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                consumer.poll(Duration.ofMillis(100)).forEach(batch::add);
                Collections.reverse(batch);
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    requests.add(r);
                    answer(r);
                }
                if (releaseHeld.get() && !held.isEmpty()) {
                    Collections.reverse(held);
                    for (ConsumerRecord<byte[], byte[]> r : held) {
                        reply(r);
                    }
                    held.clear();
                    heldCount.set(0);
                }
                producer.flush();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void answer(ConsumerRecord<byte[], byte[]> r) {
        QueryRequest q = PayloadCodec.decodeQueryRequest(r.value());
        String mode = mode(q);
        if (mode.equals("held") && !releaseHeld.get()) {
            held.add(r);
            heldCount.incrementAndGet();
            return;
        }
        reply(r);
    }

    private void reply(ConsumerRecord<byte[], byte[]> r) {
        QueryRequest q = PayloadCodec.decodeQueryRequest(r.value());
        WireFormat format = WireFormat.detect(r.value());
        String mode = mode(q);
        if (mode.equals("silent")) {
            return;
        }
        Header replyTo = r.headers().lastHeader(KafkaContract.REPLY_TO_HEADER);
        String topic =
                replyTo == null
                        ? KafkaContract.RESULTS_TOPIC
                        : new String(replyTo.value(), StandardCharsets.UTF_8);
        Header correlation = r.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);

        QueryResponse decoy =
                QueryResponse.newBuilder(response(q))
                        .setHits(List.of(new Hit("decoy", -1f, Map.of(), null)))
                        .build();
        send(
                topic,
                q.getQueryId(),
                PayloadCodec.encode(decoy, format),
                UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));

        QueryResponse answer = response(q);
        if (mode.equals("reject")) {
            answer =
                    QueryResponse.newBuilder(answer)
                            .setHits(List.of())
                            .setComplete(false)
                            .setError(
                                    new QueryError(
                                            "WRONG_DIMENSION",
                                            "collection expects 384 floats, the query has "
                                                    + FloatVectors.fromBytes(q.getVector()).length))
                            .build();
        }
        byte[] echoed = mode.equals("noheader") || correlation == null ? null : correlation.value();
        int copies = mode.equals("twice") ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            send(topic, q.getQueryId(), PayloadCodec.encode(answer, format), echoed);
            answersSent.incrementAndGet();
        }
    }

    private static String mode(QueryRequest q) {
        for (String m : MODES) {
            if (q.getQueryId().startsWith(m + "-") || q.getCollection().equals(m)) {
                return m;
            }
        }
        return "once";
    }

    private static QueryResponse response(QueryRequest q) {
        float first = FloatVectors.fromBytes(q.getVector())[0];
        return QueryResponse.newBuilder()
                .setQueryId(q.getQueryId())
                .setHits(
                        List.of(
                                new Hit(
                                        q.getQueryId(),
                                        first,
                                        Map.of("k", Integer.toString(q.getK())),
                                        q.getIncludeVectors() ? q.getVector() : null)))
                .setShardsAnswered(SHARDS)
                .setShardsExpected(SHARDS)
                .setComplete(true)
                .setTookMs(1)
                .build();
    }

    private void send(String topic, String key, byte[] value, byte[] correlationId) {
        RecordHeaders headers = new RecordHeaders();
        if (correlationId != null) {
            headers.add(new RecordHeader(KafkaContract.CORRELATION_ID_HEADER, correlationId));
        }
        producer.send(
                new ProducerRecord<>(
                        topic, null, key.getBytes(StandardCharsets.UTF_8), value, headers));
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close();
    }
}
