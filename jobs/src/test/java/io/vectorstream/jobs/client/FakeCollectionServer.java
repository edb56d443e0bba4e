package io.vectorstream.jobs.client;

import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.avro.Schema;
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
 * Plays the collections side of the VectorStream job with a plain consumer and producer, so the
 * client is tested against the Kafka contract alone.
 *
 * <p>Every request is answered on its {@code reply-to} topic (default {@code collections.results})
 * with its {@code correlation-id} echoed, in the request's wire form, preceded by a decoy: an
 * answer with the same request id but another correlation id, as another client's answer would
 * look. CREATE keeps the collection with unset settings resolved to {@link #DEFAULTS}; creating it
 * again with the same settings answers it again, with other settings is rejected with {@code
 * COLLECTION_EXISTS}. LIST answers every kept collection by name. The collection name's prefix
 * picks other behaviour:
 *
 * <ul>
 *   <li>{@code silent}: never answered
 *   <li>{@code twice}: answered twice (at-least-once redelivery)
 *   <li>{@code noheader}: answered without the correlation-id header
 *   <li>{@code full}: rejected with {@code TOO_MANY_COLLECTIONS}
 * </ul>
 */
public final class FakeCollectionServer implements AutoCloseable {

    /** The settings a CREATE leaves unset resolve to these, as the job's defaults would. */
    public static final CollectionInfo DEFAULTS =
            new CollectionInfo(
                    "", 0, "cosine", 8, "hnsw", "full", 20_000, 16, 100, 64, 0, 0, 16, 100, 8, 0.3);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> requests =
            new ConcurrentLinkedQueue<>();
    private final Map<String, CollectionInfo> collections = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile Throwable failure;

    public FakeCollectionServer(String bootstrapServers) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(KafkaContract.COLLECTIONS_TOPIC)) {
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

        thread = new Thread(this::run, "fake-collection-server");
        thread.setDaemon(true);
        thread.start();
    }

    /** Every request read so far, with its headers. */
    public List<ConsumerRecord<byte[], byte[]>> requests() {
        return Collections.unmodifiableList(new ArrayList<>(requests));
    }

    /** The error that stopped the server, if any; tests check it to fail clearly. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    requests.add(r);
                    reply(r);
                }
                producer.flush();
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void reply(ConsumerRecord<byte[], byte[]> r) {
        CollectionRequest request = PayloadCodec.decodeCollectionRequest(r.value());
        String name = request.getCollection() == null ? "" : request.getCollection();
        String mode = mode(name);
        if (mode.equals("silent")) {
            return;
        }
        WireFormat format = WireFormat.detect(r.value());
        Header replyTo = r.headers().lastHeader(KafkaContract.REPLY_TO_HEADER);
        String topic =
                replyTo == null
                        ? KafkaContract.COLLECTION_RESULTS_TOPIC
                        : new String(replyTo.value(), StandardCharsets.UTF_8);
        Header correlation = r.headers().lastHeader(KafkaContract.CORRELATION_ID_HEADER);

        CollectionResponse answer = answer(request, mode);
        CollectionResponse decoy =
                new CollectionResponse(
                        request.getRequestId(),
                        List.of(),
                        new CollectionError("DECOY", "another client's answer"));
        send(
                topic,
                request.getRequestId(),
                PayloadCodec.encode(decoy, format),
                UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        byte[] echoed = mode.equals("noheader") || correlation == null ? null : correlation.value();
        int copies = mode.equals("twice") ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            send(topic, request.getRequestId(), PayloadCodec.encode(answer, format), echoed);
        }
    }

    private CollectionResponse answer(CollectionRequest request, String mode) {
        String id = request.getRequestId();
        if (request.getOp() == CollectionOp.LIST) {
            return new CollectionResponse(
                    id, new ArrayList<>(new TreeMap<>(collections).values()), null);
        }
        if (mode.equals("full")) {
            return rejected(id, "TOO_MANY_COLLECTIONS", "the job serves 2 collections, its limit");
        }
        CollectionInfo wanted = resolve(request);
        CollectionInfo existing = collections.putIfAbsent(wanted.getName(), wanted);
        if (existing != null && !existing.equals(wanted)) {
            return rejected(
                    id,
                    "COLLECTION_EXISTS",
                    "collection '"
                            + wanted.getName()
                            + "' exists with other settings: "
                            + existing);
        }
        return new CollectionResponse(id, List.of(wanted), null);
    }

    private static CollectionInfo resolve(CollectionRequest r) {
        CollectionInfo info = CollectionInfo.newBuilder(DEFAULTS).build();
        info.setName(r.getCollection());
        // Request fields 2.. and info fields 1.. share names; an unset one keeps the default.
        for (Schema.Field f : CollectionInfo.SCHEMA$.getFields()) {
            Schema.Field in = CollectionRequest.SCHEMA$.getField(f.name());
            if (f.pos() > 0 && in != null && r.get(in.pos()) != null) {
                info.put(f.pos(), r.get(in.pos()));
            }
        }
        return info;
    }

    private static CollectionResponse rejected(String id, String code, String message) {
        return new CollectionResponse(id, List.of(), new CollectionError(code, message));
    }

    private static String mode(String name) {
        for (String m : List.of("silent", "twice", "noheader", "full")) {
            if (name.startsWith(m + "-")) {
                return m;
            }
        }
        return "once";
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
