package io.vectorstream.schema.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * No payload makes decoding allocate more than a small multiple of its size or nest without bound.
 */
class PayloadBoundsTest {

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

    private static void assertUndecodable(ThrowingCallable decode) {
        assertThatThrownBy(decode)
                .isExactlyInstanceOf(CodecException.class)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }
}
