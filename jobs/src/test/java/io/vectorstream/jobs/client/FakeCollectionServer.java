package io.vectorstream.jobs.client;

import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.KafkaContract;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;

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
public final class FakeCollectionServer extends FakeJobServer {

    /** The settings a CREATE leaves unset resolve to these, as the job's defaults would. */
    public static final CollectionInfo DEFAULTS =
            new CollectionInfo(
                    "", 0, "cosine", 8, "hnsw", "full", 20_000, 16, 100, 64, 0, 0, 16, 100, 8, 0.3,
                    null);

    private final Map<String, CollectionInfo> collections = new ConcurrentHashMap<>();

    public FakeCollectionServer(String bootstrapServers) {
        super(
                bootstrapServers,
                KafkaContract.COLLECTIONS_TOPIC,
                KafkaContract.COLLECTION_RESULTS_TOPIC,
                "fake-collection-server");
        start();
    }

    @Override
    protected void onPoll(List<ConsumerRecord<byte[], byte[]>> batch) {
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            reply(r);
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
        CollectionResponse answer = answer(request, mode);
        CollectionResponse decoy =
                new CollectionResponse(
                        request.getRequestId(),
                        List.of(),
                        new CollectionError("DECOY", "another client's answer"));
        sendDecoy(r, request.getRequestId(), PayloadCodec.encode(decoy, format));
        int copies = mode.equals("twice") ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            sendAnswer(
                    r,
                    request.getRequestId(),
                    PayloadCodec.encode(answer, format),
                    !mode.equals("noheader"));
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
}
