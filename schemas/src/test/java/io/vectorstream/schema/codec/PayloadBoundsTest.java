package io.vectorstream.schema.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.internal.AvroBytes;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No payload makes decoding allocate more than a small multiple of its size or nest without bound.
 *
 * <p>The Avro payloads here are ~20 bytes with a valid header that claim ~2 GB. The module's tests
 * run with a 256 MB heap, so a claim that reached Avro's decoder would be an {@link
 * OutOfMemoryError}; each test also checks the message is the bounds check's, not the last-resort
 * conversion of such an error.
 */
class PayloadBoundsTest {

    /** About 2 GB: more than the test heap, less than Avro's own limits of ~2 GiB. */
    private static final long CLAIM = 2_000_000_000L;

    static Stream<Arguments> avroBombs() throws IOException {
        Schema queryV1 = history("QueryRequest-v1.avsc");
        Schema queryV2 = history("QueryRequest-v2.avsc");
        Schema responseV1 = history("QueryResponse-v1.avsc");
        Function<byte[], ?> vectors = PayloadCodec::decodeVectorRecord;
        Function<byte[], ?> queries = PayloadCodec::decodeQueryRequest;
        Function<byte[], ?> results = PayloadCodec::decodeQueryResponse;
        Function<byte[], ?> collections = PayloadCodec::decodeCollectionRequest;
        Function<byte[], ?> collectionResults = PayloadCodec::decodeCollectionResponse;
        Function<byte[], ?> deadLetters = PayloadCodec::decodeDeadLetter;
        return Stream.of(
                bomb(
                        "VectorRecord id string",
                        vectors,
                        "id",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .number(CLAIM)
                                .raw('d', 'o', 'c', '-', '1')),
                bomb(
                        "VectorRecord vector bytes",
                        vectors,
                        "vector",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("") // id
                                .number(0) // op UPSERT
                                .string("") // collection
                                .number(1) // vector: the bytes branch
                                .number(CLAIM)
                                .raw(0, 0, 0, 0)),
                bomb(
                        "VectorRecord metadata map count",
                        vectors,
                        "metadata",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("")
                                .number(0)
                                .string("")
                                .number(0) // vector: null
                                .number(CLAIM) // entries
                                .string("k")
                                .string("v")),
                bomb(
                        "VectorRecord metadata negative count",
                        vectors,
                        "metadata",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("")
                                .number(0)
                                .string("")
                                .number(0)
                                .number(-CLAIM) // entries, sized
                                .number(4) // block bytes
                                .string("k")
                                .string("v")),
                bomb(
                        "VectorRecord metadata negative count with a huge byte size",
                        vectors,
                        "metadata",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("")
                                .number(0)
                                .string("")
                                .number(0)
                                .number(-1)
                                .number(CLAIM) // block bytes
                                .string("k")
                                .string("v")),
                bomb(
                        "VectorRecord metadata key string",
                        vectors,
                        "metadata",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("")
                                .number(0)
                                .string("")
                                .number(0)
                                .number(1)
                                .number(CLAIM) // key length
                                .raw('k', 'e', 'y')),
                bomb(
                        "VectorRecord text string",
                        vectors,
                        "text",
                        AvroBytes.header(VectorRecord.getClassSchema())
                                .string("")
                                .number(0)
                                .string("")
                                .number(0)
                                .number(0) // no metadata
                                .number(1) // text: the string branch
                                .number(CLAIM)
                                .raw('t')),
                bomb(
                        "QueryRequest queryId string",
                        queries,
                        "queryId",
                        AvroBytes.header(QueryRequest.getClassSchema())
                                .number(CLAIM)
                                .raw('q', '-', '1', '2', '3')),
                bomb(
                        "QueryRequest vector bytes",
                        queries,
                        "vector",
                        AvroBytes.header(QueryRequest.getClassSchema())
                                .string("q")
                                .string("")
                                .number(1) // vector: the bytes branch
                                .number(CLAIM)
                                .raw(0, 0, 0)),
                bomb(
                        "QueryRequest filter string",
                        queries,
                        "filter",
                        AvroBytes.header(QueryRequest.getClassSchema())
                                .string("")
                                .string("")
                                .number(0) // vector: null
                                .number(10) // k
                                .raw(1) // includeMetadata
                                .number(0) // timeoutMs: null
                                .number(1) // filter: the string branch
                                .number(CLAIM)),
                bomb(
                        "QueryRequest v1 queryId string",
                        queries,
                        "queryId",
                        AvroBytes.header(queryV1).number(CLAIM).raw('q', '-', '1', '2', '3')),
                bomb(
                        "QueryRequest v1 vector bytes",
                        queries,
                        "vector",
                        AvroBytes.header(queryV1)
                                .string("q")
                                .string("")
                                .number(CLAIM)
                                .raw(0, 0, 0)),
                bomb(
                        "QueryRequest v2 filter string",
                        queries,
                        "filter",
                        AvroBytes.header(queryV2)
                                .string("")
                                .string("")
                                .string("")
                                .number(10)
                                .raw(1)
                                .number(0)
                                .number(1)
                                .number(CLAIM)),
                bomb(
                        "QueryResponse hits array count",
                        results,
                        "hits",
                        AvroBytes.header(QueryResponse.getClassSchema())
                                .string("q")
                                .number(CLAIM)
                                .string("a")
                                .raw(0, 0, 0, 0)),
                bomb(
                        "QueryResponse hits negative count",
                        results,
                        "hits",
                        AvroBytes.header(QueryResponse.getClassSchema())
                                .string("q")
                                .number(-CLAIM)
                                .number(CLAIM)
                                .string("a")),
                bomb(
                        "QueryResponse hit metadata map count",
                        results,
                        "hits.metadata",
                        AvroBytes.header(QueryResponse.getClassSchema())
                                .string("")
                                .number(1) // one hit
                                .string("") // id
                                .raw(0, 0, 0, 0) // score
                                .number(CLAIM)
                                .string("k")
                                .string("v")),
                bomb(
                        "QueryResponse v1 hits array count",
                        results,
                        "hits",
                        AvroBytes.header(responseV1)
                                .string("q")
                                .number(CLAIM)
                                .string("a")
                                .raw(0, 0, 0, 0)),
                bomb(
                        "CollectionRequest requestId string",
                        collections,
                        "requestId",
                        AvroBytes.header(CollectionRequest.getClassSchema())
                                .number(CLAIM)
                                .raw('r', '-', '1', '2', '3')),
                bomb(
                        "CollectionRequest collection string",
                        collections,
                        "collection",
                        AvroBytes.header(CollectionRequest.getClassSchema())
                                .string("r")
                                .number(0) // CREATE
                                .number(1) // collection: the string branch
                                .number(CLAIM)
                                .raw('d', 'o')),
                bomb(
                        "CollectionResponse collections array count",
                        collectionResults,
                        "collections",
                        AvroBytes.header(CollectionResponse.getClassSchema())
                                .string("r")
                                .number(CLAIM)
                                .string("docs")
                                .raw(0, 0)),
                bomb(
                        "DeadLetter code string",
                        deadLetters,
                        "code",
                        AvroBytes.header(DeadLetter.getClassSchema())
                                .number(CLAIM)
                                .raw('B', 'A', 'D', '_', 'X')),
                bomb(
                        "DeadLetter value bytes",
                        deadLetters,
                        "value",
                        AvroBytes.header(DeadLetter.getClassSchema())
                                .string("") // code
                                .string("") // reason
                                .string("") // topic
                                .number(0) // partition
                                .number(0) // offset
                                .number(0) // timestampMs
                                .number(0) // key: null
                                .number(1) // value: the bytes branch
                                .number(CLAIM)));
    }

    @Test
    void theTestHeapIsTooSmallForAnyClaimSoAMissedCheckWouldRunOutOfMemory() {
        // schemas/pom.xml runs these tests with -Xmx256m.
        assertThat(Runtime.getRuntime().maxMemory()).isLessThan(CLAIM / 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("avroBombs")
    void avroPayloadsClaimingMoreThanTheyHoldAreUndecodable(
            String name, Function<byte[], ?> decode, String field, byte[] payload) {
        assertThat(payload.length).isBetween(14, 26);
        assertThatThrownBy(() -> decode.apply(payload))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageStartingWith("corrupt Avro payload: field '" + field + "' claims ")
                .hasMessageContaining(" bytes remain")
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    @Test
    void avroPayloadsWithoutAWholeHeaderAreUndecodable() {
        assertUndecodable(() -> PayloadCodec.decodeVectorRecord(new byte[] {(byte) 0xC3, 1, 5}));
        assertUndecodable(() -> PayloadCodec.decodeDeadLetter(utf8("{\"code\":\"X\"}")));
        assertUndecodable(() -> PayloadCodec.decodeDeadLetter(null));
    }

    @Test
    void jsonNestedDeepInsideAMetadataValueIsUndecodable() {
        int depth = 100_000;
        byte[] payload =
                utf8(
                        "{\"id\":\"x\",\"vector\":[1],\"metadata\":{\"m\":"
                                + "[".repeat(depth)
                                + "]".repeat(depth)
                                + "}}");
        assertThatThrownBy(() -> PayloadCodec.decodeVectorRecord(payload))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining("exceeds a decoding limit")
                .hasMessageContaining("nesting depth")
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    @Test
    void jsonNestedDeepAtTheTopLevelIsUndecodable() {
        int depth = 100_000;
        byte[] payload = utf8("{\"a\":".repeat(depth) + "1" + "}".repeat(depth));
        for (Function<byte[], ?> decode :
                List.<Function<byte[], ?>>of(
                        PayloadCodec::decodeVectorRecord,
                        PayloadCodec::decodeQueryRequest,
                        PayloadCodec::decodeQueryResponse,
                        PayloadCodec::decodeCollectionRequest,
                        PayloadCodec::decodeCollectionResponse)) {
            assertThatThrownBy(() -> decode.apply(payload))
                    .isExactlyInstanceOf(CodecException.class)
                    .hasMessageContaining("nesting depth")
                    .extracting(e -> ((CodecException) e).code())
                    .isEqualTo("UNDECODABLE");
        }
    }

    @Test
    void jsonFiltersMayNestAsDeepAsTheFilterParserAllows() {
        // The filter parser accepts 64 levels; the payload object is one more.
        String filter = "{\"not\":".repeat(63) + "{\"exists\":\"lang\"}" + "}".repeat(63);
        QueryRequest q =
                PayloadCodec.decodeQueryRequest(
                        utf8("{\"queryId\":\"q\",\"vector\":[1],\"filter\":" + filter + "}"));
        assertThat(q.getFilter()).isEqualTo(filter);

        String deeper = "{\"not\":" + filter + "}";
        assertUndecodable(
                () ->
                        PayloadCodec.decodeQueryRequest(
                                utf8(
                                        "{\"queryId\":\"q\",\"vector\":[1],\"filter\":"
                                                + deeper
                                                + "}")));
    }

    @Test
    void jsonNumbersOfEveryFloatStillDecodeButEndlessDigitsDoNot() {
        String tiny = new BigDecimal(Float.toString(Float.MIN_VALUE)).toPlainString();
        String huge = new BigDecimal(Float.toString(-Float.MAX_VALUE)).toPlainString();
        VectorRecord r =
                PayloadCodec.decodeVectorRecord(
                        utf8("{\"id\":\"x\",\"vector\":[" + tiny + "," + huge + "]}"));
        assertThat(FloatVectors.fromBytes(r.getVector()))
                .containsExactly(Float.MIN_VALUE, -Float.MAX_VALUE);

        String endless = "1." + "0".repeat(1000);
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeVectorRecord(
                                        utf8("{\"id\":\"x\",\"vector\":[" + endless + "]}")))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining("exceeds a decoding limit")
                .hasMessageContaining("Number value length")
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    @Test
    void jsonStringsLongerThanAnyMessageAreUndecodable() {
        String limitSized = "x".repeat(PayloadCodec.JSON_LIMITS.getMaxStringLength());
        assertThat(
                        PayloadCodec.decodeVectorRecord(
                                        utf8("{\"id\":\"x\",\"text\":\"" + limitSized + "\"}"))
                                .getText())
                .hasSize(limitSized.length());
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeVectorRecord(
                                        utf8("{\"id\":\"x\",\"text\":\"" + limitSized + "y\"}")))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining("String value length")
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    private static Arguments bomb(
            String name, Function<byte[], ?> decode, String field, AvroBytes payload) {
        return Arguments.of(name, decode, field, payload.bytes());
    }

    private static void assertUndecodable(ThrowingCallable decode) {
        assertThatThrownBy(decode)
                .isExactlyInstanceOf(CodecException.class)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    private static Schema history(String file) throws IOException {
        try (InputStream in = PayloadCodec.class.getResourceAsStream(PayloadCodec.HISTORY + file)) {
            return new Schema.Parser().parse(in);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }
}
