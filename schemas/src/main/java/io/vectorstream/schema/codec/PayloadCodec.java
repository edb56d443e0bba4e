package io.vectorstream.schema.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.internal.DecodeGuard;
import io.vectorstream.schema.codec.internal.SingleObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads and writes the payloads of every topic in both wire forms (see {@link WireFormat}).
 *
 * <p>The JSON form mirrors the Avro fields by name; vectors are JSON arrays of numbers there
 * instead of bytes. Decoding failures throw {@link CodecException} with a code and a message that
 * names the offending field. Thread-safe.
 *
 * <p>Avro payloads written with an earlier version of a schema stay readable: the decoders know
 * every earlier version (kept as {@code .avsc} resources under {@value #HISTORY}) and resolve them
 * to the current one, filling new fields with their defaults.
 *
 * <p>Decoding is bounded: no payload makes the codec allocate more than a small multiple of its own
 * size or nest deeper than a few dozen levels. Avro bodies are checked against the schema they were
 * written with before Avro allocates anything they claim ({@link
 * io.vectorstream.schema.codec.internal.AvroBounds}); JSON is read with {@link #JSON_LIMITS}. A
 * payload beyond these bounds is {@code UNDECODABLE}.
 */
public final class PayloadCodec {

    /** Resource folder of the earlier schema versions, {@code <Name>-v<n>.avsc}. */
    static final String HISTORY = "/io/vectorstream/schema/history/";

    /**
     * What a JSON payload may hold. Every field nests at most 3 levels except a filter object,
     * which the filter parser lets nest 64 levels (its own limit) and which sits one level inside
     * the payload. A float32 written out in full, without an exponent, takes up to ~50 characters.
     * No legitimate string is longer than the 4 MiB message the local Kafka accepts (the job's
     * default {@code max-record-bytes} is 1 MiB).
     */
    static final StreamReadConstraints JSON_LIMITS =
            StreamReadConstraints.builder()
                    .maxNestingDepth(65)
                    .maxNumberLength(100)
                    .maxStringLength(4 << 20)
                    .build();

    private static final ObjectMapper JSON =
            JsonMapper.builder(JsonFactory.builder().streamReadConstraints(JSON_LIMITS).build())
                    .build();

    private static final SingleObjectReader<VectorRecord> VECTOR_RECORD_AVRO =
            SingleObjectReader.of(
                    VectorRecord.createDecoder(null), VectorRecord.getClassSchema(), List.of());

    private static final SingleObjectReader<QueryRequest> QUERY_REQUEST_AVRO =
            SingleObjectReader.of(
                    QueryRequest.createDecoder(null),
                    QueryRequest.getClassSchema(),
                    history(
                            "QueryRequest-v1.avsc",
                            "QueryRequest-v2.avsc",
                            "QueryRequest-v3.avsc",
                            "QueryRequest-v4.avsc"));

    private static final SingleObjectReader<QueryResponse> QUERY_RESPONSE_AVRO =
            SingleObjectReader.of(
                    QueryResponse.createDecoder(null),
                    QueryResponse.getClassSchema(),
                    history("QueryResponse-v1.avsc", "QueryResponse-v2.avsc"));

    private static final SingleObjectReader<CollectionRequest> COLLECTION_REQUEST_AVRO =
            SingleObjectReader.of(
                    CollectionRequest.createDecoder(null),
                    CollectionRequest.getClassSchema(),
                    history("CollectionRequest-v1.avsc"));

    private static final SingleObjectReader<CollectionResponse> COLLECTION_RESPONSE_AVRO =
            SingleObjectReader.of(
                    CollectionResponse.createDecoder(null),
                    CollectionResponse.getClassSchema(),
                    history("CollectionResponse-v1.avsc"));

    /** A collection's settings as the job keeps them in state: every version of CollectionInfo. */
    private static final SingleObjectReader<CollectionInfo> COLLECTION_INFO_AVRO =
            SingleObjectReader.of(
                    CollectionInfo.createDecoder(null),
                    CollectionInfo.getClassSchema(),
                    history("CollectionResponse-v1.avsc").stream()
                            .map(r -> r.getField("collections").schema().getElementType())
                            .toList());

    private static final SingleObjectReader<DeadLetter> DEAD_LETTER_AVRO =
            SingleObjectReader.of(
                    DeadLetter.createDecoder(null),
                    DeadLetter.getClassSchema(),
                    history("DeadLetter-v1.avsc"));

    private PayloadCodec() {}

    // ---------------------------------------------------------------- vectors topic

    public static VectorRecord decodeVectorRecord(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::vectorRecord, payload);
    }

    private static VectorRecord vectorRecord(byte[] payload) {
        if (WireFormat.detect(payload) == WireFormat.AVRO) {
            return VECTOR_RECORD_AVRO.decode(payload);
        }
        ObjectNode o = parseObject(payload);
        VectorRecord.Builder b = VectorRecord.newBuilder();
        b.setId(requiredText(o, "id", "MISSING_ID"));
        String op = optionalText(o, "op");
        b.setOp(op == null ? Op.UPSERT : parseOp(op));
        String collection = optionalText(o, "collection");
        if (collection != null) {
            b.setCollection(collection);
        }
        JsonNode vector = o.get("vector");
        b.setVector(
                vector == null || vector.isNull()
                        ? null
                        : FloatVectors.toBytes(floats(vector, "vector")));
        b.setMetadata(stringMap(o.get("metadata"), "metadata"));
        b.setText(optionalText(o, "text"));
        b.setEventTimeMs(optionalLong(o, "eventTimeMs"));
        return b.build();
    }

    public static byte[] encode(VectorRecord r, WireFormat format) {
        if (format == WireFormat.AVRO) {
            return encodeAvro(VectorRecord.getEncoder(), r);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.getId());
        o.put("op", r.getOp().name().toLowerCase(Locale.ROOT));
        o.put("collection", r.getCollection());
        if (r.getVector() != null) {
            o.set("vector", floatArray(FloatVectors.fromBytes(r.getVector())));
        }
        o.set("metadata", mapNode(r.getMetadata()));
        if (r.getText() != null) {
            o.put("text", r.getText());
        }
        if (r.getEventTimeMs() != null) {
            o.put("eventTimeMs", r.getEventTimeMs());
        }
        return writeJson(o);
    }

    // ---------------------------------------------------------------- queries topic

    public static QueryRequest decodeQueryRequest(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::queryRequest, payload);
    }

    private static QueryRequest queryRequest(byte[] payload) {
        if (WireFormat.detect(payload) == WireFormat.AVRO) {
            return QUERY_REQUEST_AVRO.decode(payload);
        }
        ObjectNode o = parseObject(payload);
        QueryRequest.Builder b = QueryRequest.newBuilder();
        b.setQueryId(requiredText(o, "queryId", "MISSING_QUERY_ID"));
        String collection = optionalText(o, "collection");
        if (collection != null) {
            b.setCollection(collection);
        }
        // Whether a query may lack its vector depends on its mode and collection: the validator's
        // call.
        b.setVector(optionalVector(o, "vector"));
        Long k = optionalLong(o, "k");
        if (k != null) {
            b.setK(toInt(k, "k"));
        }
        Boolean includeMetadata = optionalBoolean(o, "includeMetadata");
        if (includeMetadata != null) {
            b.setIncludeMetadata(includeMetadata);
        }
        b.setTimeoutMs(optionalInt(o, "timeoutMs"));
        b.setFilter(filterText(o.get("filter")));
        b.setEf(optionalInt(o, "ef"));
        b.setNprobe(optionalInt(o, "nprobe"));
        b.setRerank(optionalInt(o, "rerank"));
        Boolean includeVectors = optionalBoolean(o, "includeVectors");
        if (includeVectors != null) {
            b.setIncludeVectors(includeVectors);
        }
        b.setConsistency(optionalText(o, "consistency"));
        b.setOffset(optionalInt(o, "offset"));
        b.setMinScore(optionalFloat(o, "minScore"));
        b.setMaxDistance(optionalFloat(o, "maxDistance"));
        b.setGroupBy(optionalText(o, "groupBy"));
        b.setGroupSize(optionalInt(o, "groupSize"));
        b.setText(optionalText(o, "text"));
        b.setMode(optionalText(o, "mode"));
        b.setRankConstant(optionalInt(o, "rankConstant"));
        Boolean includeText = optionalBoolean(o, "includeText");
        if (includeText != null) {
            b.setIncludeText(includeText);
        }
        return b.build();
    }

    public static byte[] encode(QueryRequest q, WireFormat format) {
        if (format == WireFormat.AVRO) {
            return encodeAvro(QueryRequest.getEncoder(), q);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("queryId", q.getQueryId());
        o.put("collection", q.getCollection());
        if (q.getVector() != null) {
            o.set("vector", floatArray(FloatVectors.fromBytes(q.getVector())));
        }
        o.put("k", q.getK());
        o.put("includeMetadata", q.getIncludeMetadata());
        if (q.getTimeoutMs() != null) {
            o.put("timeoutMs", q.getTimeoutMs());
        }
        if (q.getFilter() != null) {
            o.set("filter", filterNode(q.getFilter()));
        }
        if (q.getEf() != null) {
            o.put("ef", q.getEf());
        }
        if (q.getNprobe() != null) {
            o.put("nprobe", q.getNprobe());
        }
        if (q.getRerank() != null) {
            o.put("rerank", q.getRerank());
        }
        o.put("includeVectors", q.getIncludeVectors());
        if (q.getConsistency() != null) {
            o.put("consistency", q.getConsistency());
        }
        if (q.getOffset() != null) {
            o.put("offset", q.getOffset());
        }
        if (q.getMinScore() != null) {
            o.put("minScore", q.getMinScore());
        }
        if (q.getMaxDistance() != null) {
            o.put("maxDistance", q.getMaxDistance());
        }
        if (q.getGroupBy() != null) {
            o.put("groupBy", q.getGroupBy());
        }
        if (q.getGroupSize() != null) {
            o.put("groupSize", q.getGroupSize());
        }
        if (q.getText() != null) {
            o.put("text", q.getText());
        }
        if (q.getMode() != null) {
            o.put("mode", q.getMode());
        }
        if (q.getRankConstant() != null) {
            o.put("rankConstant", q.getRankConstant());
        }
        o.put("includeText", q.getIncludeText());
        return writeJson(o);
    }

    // ---------------------------------------------------------------- results topic

    public static QueryResponse decodeQueryResponse(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::queryResponse, payload);
    }

    private static QueryResponse queryResponse(byte[] payload) {
        if (WireFormat.detect(payload) == WireFormat.AVRO) {
            return QUERY_RESPONSE_AVRO.decode(payload);
        }
        ObjectNode o = parseObject(payload);
        QueryResponse.Builder b = QueryResponse.newBuilder();
        b.setQueryId(requiredText(o, "queryId", "MISSING_QUERY_ID"));
        List<Hit> hits = new ArrayList<>();
        JsonNode hitsNode = o.get("hits");
        if (hitsNode != null && hitsNode.isArray()) {
            for (JsonNode h : hitsNode) {
                if (!(h instanceof ObjectNode ho)) {
                    throw new CodecException(
                            "BAD_FIELD", "every element of 'hits' must be an object");
                }
                hits.add(
                        new Hit(
                                requiredText(ho, "id", "BAD_FIELD"),
                                (float) ho.path("score").asDouble(),
                                stringMap(ho.get("metadata"), "metadata"),
                                optionalVector(ho, "vector"),
                                optionalText(ho, "text")));
            }
        }
        b.setHits(hits);
        b.setShardsAnswered(o.path("shardsAnswered").asInt());
        b.setShardsExpected(o.path("shardsExpected").asInt());
        b.setComplete(o.path("complete").asBoolean());
        JsonNode err = o.get("error");
        if (err != null && err.isObject()) {
            b.setError(new QueryError(err.path("code").asText(), err.path("message").asText()));
        }
        b.setTookMs(o.path("tookMs").asLong());
        return b.build();
    }

    public static byte[] encode(QueryResponse r, WireFormat format) {
        if (format == WireFormat.AVRO) {
            return encodeAvro(QueryResponse.getEncoder(), r);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("queryId", r.getQueryId());
        ArrayNode hits = o.putArray("hits");
        for (Hit h : r.getHits()) {
            ObjectNode ho = hits.addObject();
            ho.put("id", h.getId());
            ho.put("score", h.getScore());
            ho.set("metadata", mapNode(h.getMetadata()));
            if (h.getVector() != null) {
                ho.set("vector", floatArray(FloatVectors.fromBytes(h.getVector())));
            }
            if (h.getText() != null) {
                ho.put("text", h.getText());
            }
        }
        o.put("shardsAnswered", r.getShardsAnswered());
        o.put("shardsExpected", r.getShardsExpected());
        o.put("complete", r.getComplete());
        if (r.getError() == null) {
            o.putNull("error");
        } else {
            ObjectNode e = o.putObject("error");
            e.put("code", r.getError().getCode());
            e.put("message", r.getError().getMessage());
        }
        o.put("tookMs", r.getTookMs());
        return writeJson(o);
    }

    // ---------------------------------------------------------------- collections topic

    /**
     * A control request. The JSON form names the Avro fields, {@code op} in any case; unlike the
     * data topics it rejects unknown fields, because a misspelt setting would otherwise silently
     * take its default for the life of the collection.
     */
    public static CollectionRequest decodeCollectionRequest(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::collectionRequest, payload);
    }

    private static CollectionRequest collectionRequest(byte[] payload) {
        if (WireFormat.detect(payload) == WireFormat.AVRO) {
            return COLLECTION_REQUEST_AVRO.decode(payload);
        }
        ObjectNode o = parseObject(payload);
        CollectionRequest r = new CollectionRequest();
        for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (CollectionRequest.SCHEMA$.getField(name) == null) {
                throw new CodecException(
                        "BAD_FIELD",
                        "unknown field '"
                                + name
                                + "'; a collection request has "
                                + fieldNames(CollectionRequest.SCHEMA$));
            }
        }
        for (Schema.Field f : CollectionRequest.SCHEMA$.getFields()) {
            switch (f.name()) {
                case "requestId" ->
                        r.setRequestId(requiredText(o, "requestId", "MISSING_REQUEST_ID"));
                case "op" -> r.setOp(parseCollectionOp(requiredText(o, "op", "BAD_FIELD")));
                default -> r.put(f.pos(), optionalScalar(o, f));
            }
        }
        return r;
    }

    public static byte[] encode(CollectionRequest r, WireFormat format) {
        if (format == WireFormat.AVRO) {
            return encodeAvro(CollectionRequest.getEncoder(), r);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("requestId", r.getRequestId());
        o.put("op", r.getOp().name().toLowerCase(Locale.ROOT));
        for (Schema.Field f : CollectionRequest.SCHEMA$.getFields()) {
            Object v = r.get(f.pos());
            if (f.pos() > 1 && v != null) {
                o.set(f.name(), JSON.valueToTree(v));
            }
        }
        return writeJson(o);
    }

    /**
     * A {@link CollectionInfo} in Avro single-object form ({@code CollectionInfo#toByteBuffer}), as
     * written now or by an earlier version (before {@code embedder}): what the job keeps in state.
     */
    public static CollectionInfo decodeCollectionInfo(byte[] payload) {
        return DecodeGuard.decode(COLLECTION_INFO_AVRO::decode, payload);
    }

    public static CollectionResponse decodeCollectionResponse(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::collectionResponse, payload);
    }

    private static CollectionResponse collectionResponse(byte[] payload) {
        if (WireFormat.detect(payload) == WireFormat.AVRO) {
            return COLLECTION_RESPONSE_AVRO.decode(payload);
        }
        ObjectNode o = parseObject(payload);
        List<CollectionInfo> collections = new ArrayList<>();
        JsonNode list = o.get("collections");
        if (list != null && list.isArray()) {
            for (JsonNode c : list) {
                if (!(c instanceof ObjectNode co)) {
                    throw new CodecException(
                            "BAD_FIELD", "every element of 'collections' must be an object");
                }
                CollectionInfo info = new CollectionInfo();
                for (Schema.Field f : CollectionInfo.SCHEMA$.getFields()) {
                    Object v = optionalScalar(co, f);
                    if (v == null && f.schema().getType() != Schema.Type.UNION) {
                        throw new CodecException(
                                "BAD_FIELD", "collection field '" + f.name() + "' is missing");
                    }
                    info.put(f.pos(), v);
                }
                collections.add(info);
            }
        }
        JsonNode err = o.get("error");
        return new CollectionResponse(
                requiredText(o, "requestId", "MISSING_REQUEST_ID"),
                collections,
                err != null && err.isObject()
                        ? new CollectionError(
                                err.path("code").asText(), err.path("message").asText())
                        : null);
    }

    public static byte[] encode(CollectionResponse r, WireFormat format) {
        if (format == WireFormat.AVRO) {
            return encodeAvro(CollectionResponse.getEncoder(), r);
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("requestId", r.getRequestId());
        ArrayNode list = o.putArray("collections");
        for (CollectionInfo c : r.getCollections()) {
            ObjectNode co = list.addObject();
            for (Schema.Field f : CollectionInfo.SCHEMA$.getFields()) {
                co.set(f.name(), JSON.valueToTree(c.get(f.pos())));
            }
        }
        if (r.getError() == null) {
            o.putNull("error");
        } else {
            ObjectNode e = o.putObject("error");
            e.put("code", r.getError().getCode());
            e.put("message", r.getError().getMessage());
        }
        return writeJson(o);
    }

    // ---------------------------------------------------------------- dead letters (Avro only)

    public static DeadLetter decodeDeadLetter(byte[] payload) {
        return DecodeGuard.decode(PayloadCodec::deadLetter, payload);
    }

    private static DeadLetter deadLetter(byte[] payload) {
        return DEAD_LETTER_AVRO.decode(payload);
    }

    public static byte[] encode(DeadLetter d) {
        return encodeAvro(DeadLetter.getEncoder(), d);
    }

    // ---------------------------------------------------------------- plumbing

    /** The earlier schema versions in {@code files}, under {@value #HISTORY}. */
    private static List<Schema> history(String... files) {
        List<Schema> versions = new ArrayList<>();
        for (String file : files) {
            try (InputStream in = PayloadCodec.class.getResourceAsStream(HISTORY + file)) {
                if (in == null) {
                    throw new IllegalStateException("schema resource missing: " + HISTORY + file);
                }
                // One parser per file: every version defines the same record names.
                versions.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + HISTORY + file, e);
            }
        }
        return versions;
    }

    private static <T extends SpecificRecord> byte[] encodeAvro(
            BinaryMessageEncoder<T> encoder, T record) {
        try {
            ByteBuffer buf = encoder.encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("Avro encoding to memory failed", e);
        }
    }

    private static ObjectNode parseObject(byte[] payload) {
        JsonNode node;
        try {
            node = JSON.readTree(payload);
        } catch (StreamConstraintsException e) {
            throw new CodecException(
                    "UNDECODABLE",
                    "JSON payload exceeds a decoding limit: " + firstLine(e.getOriginalMessage()),
                    e);
        } catch (IOException e) {
            throw new CodecException(
                    "UNDECODABLE", "malformed JSON: " + firstLine(e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode o)) {
            throw new CodecException("UNDECODABLE", "JSON payload must be an object");
        }
        return o;
    }

    private static String requiredText(ObjectNode o, String field, String missingCode) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw new CodecException(missingCode, "field '" + field + "' is required");
        }
        if (!n.isTextual()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be a string");
        }
        return n.textValue();
    }

    private static String optionalText(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be a string");
        }
        return n.textValue();
    }

    private static Long optionalLong(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be an integer");
        }
        return n.longValue();
    }

    private static Integer optionalInt(ObjectNode o, String field) {
        Long v = optionalLong(o, field);
        return v == null ? null : toInt(v, field);
    }

    /** A JSON number as a float; NaN and infinities cannot be written in JSON. */
    private static Float optionalFloat(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be a number");
        }
        return n.floatValue();
    }

    private static Boolean optionalBoolean(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be true or false");
        }
        return n.booleanValue();
    }

    private static ByteBuffer optionalVector(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || n.isNull() ? null : FloatVectors.toBytes(floats(n, field));
    }

    /** A filter is a JSON object, or its JSON text in a string; the job parses and checks it. */
    private static String filterText(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            return jsonText(n);
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        throw new CodecException(
                "BAD_FIELD", "field 'filter' must be a JSON object or a string holding one");
    }

    /** The filter as a JSON object when its text is one, else as the string it is. */
    private static JsonNode filterNode(String filter) {
        try {
            JsonNode n = JSON.readTree(filter);
            if (n instanceof ObjectNode) {
                return n;
            }
        } catch (IOException e) {
            // Not JSON: sent as a string, and the job rejects it with the parser's reason.
        }
        return JSON.getNodeFactory().textNode(filter);
    }

    private static int toInt(long v, String field) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' is out of range");
        }
        return (int) v;
    }

    private static Op parseOp(String op) {
        switch (op.toUpperCase(Locale.ROOT)) {
            case "UPSERT":
                return Op.UPSERT;
            case "DELETE":
                return Op.DELETE;
            default:
                throw new CodecException(
                        "BAD_FIELD",
                        "field 'op' must be \"upsert\" or \"delete\", not \"" + op + "\"");
        }
    }

    private static CollectionOp parseCollectionOp(String op) {
        for (CollectionOp candidate : CollectionOp.values()) {
            if (candidate.name().equalsIgnoreCase(op)) {
                return candidate;
            }
        }
        throw new CodecException(
                "BAD_FIELD", "field 'op' must be \"create\" or \"list\", not \"" + op + "\"");
    }

    /** A string, int or double field whose Avro type is that scalar or a union of it with null. */
    private static Object optionalScalar(ObjectNode o, Schema.Field f) {
        Schema.Type type = f.schema().getType();
        if (type == Schema.Type.UNION) {
            type = f.schema().getTypes().get(1).getType();
        }
        return switch (type) {
            case STRING -> optionalText(o, f.name());
            case INT -> optionalInt(o, f.name());
            case DOUBLE -> optionalDouble(o, f.name());
            default -> throw new IllegalStateException("no JSON mapping for " + f);
        };
    }

    private static Double optionalDouble(ObjectNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new CodecException("BAD_FIELD", "field '" + field + "' must be a number");
        }
        return n.doubleValue();
    }

    private static String fieldNames(Schema schema) {
        List<String> names = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            names.add(f.name());
        }
        return String.join(", ", names);
    }

    private static float[] floats(JsonNode n, String field) {
        if (!n.isArray()) {
            throw new CodecException(
                    "BAD_FIELD", "field '" + field + "' must be an array of numbers");
        }
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = n.get(i);
            if (!e.isNumber()) {
                throw new CodecException(
                        e.getNodeType() == JsonNodeType.STRING ? "NOT_FINITE" : "BAD_FIELD",
                        "field '" + field + "' element " + i + " is not a finite number: " + e);
            }
            out[i] = e.floatValue();
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode n, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw new CodecException(
                    "BAD_FIELD", "field '" + field + "' must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue; // an absent value: nothing to store
            }
            if (v.isContainerNode()) {
                // Arrays and objects are kept as their JSON text rather than rejecting the record.
                out.put(e.getKey(), jsonText(v));
                continue;
            }
            out.put(e.getKey(), v.asText());
        }
        return out;
    }

    /**
     * The JSON text of a parsed node. Writing recurses once per level, which is safe because the
     * parser refused anything nested deeper than {@link #JSON_LIMITS} allows.
     */
    private static String jsonText(JsonNode parsed) {
        try {
            return JSON.writeValueAsString(parsed);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON encoding of a parsed node failed", e);
        }
    }

    private static ArrayNode floatArray(float[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (float f : v) {
            a.add(f);
        }
        return a;
    }

    private static ObjectNode mapNode(Map<String, String> m) {
        ObjectNode o = JSON.createObjectNode();
        m.forEach(o::put);
        return o;
    }

    private static byte[] writeJson(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON encoding failed", e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
