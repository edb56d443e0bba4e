package io.vectorstream.schema.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PayloadCodecTest {

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void everyPayloadRoundTripsInBothForms(WireFormat format) {
        VectorRecord record =
                VectorRecord.newBuilder()
                        .setId("doc-1")
                        .setOp(Op.UPSERT)
                        .setVector(FloatVectors.toBytes(new float[] {0.5f, -2f, 1e-3f}))
                        .setMetadata(Map.of("lang", "en"))
                        .setText("hello")
                        .setEventTimeMs(123L)
                        .build();
        byte[] encoded = PayloadCodec.encode(record, format);
        assertThat(WireFormat.detect(encoded)).isEqualTo(format);
        assertThat(PayloadCodec.decodeVectorRecord(encoded)).isEqualTo(record);

        QueryRequest query =
                QueryRequest.newBuilder()
                        .setQueryId("q")
                        .setVector(FloatVectors.toBytes(new float[] {1f, 2f}))
                        .setK(7)
                        .setIncludeMetadata(false)
                        .setTimeoutMs(250)
                        .build();
        assertThat(PayloadCodec.decodeQueryRequest(PayloadCodec.encode(query, format)))
                .isEqualTo(query);

        QueryResponse response =
                QueryResponse.newBuilder()
                        .setQueryId("q")
                        .setHits(List.of(new Hit("a", 0.25f, Map.of("k", "v"))))
                        .setShardsAnswered(3)
                        .setShardsExpected(8)
                        .setComplete(false)
                        .setError(new QueryError("K_TOO_LARGE", "k too large"))
                        .setTookMs(12)
                        .build();
        assertThat(PayloadCodec.decodeQueryResponse(PayloadCodec.encode(response, format)))
                .isEqualTo(response);
    }

    @Test
    void jsonDefaultsMatchTheAvroDefaults() {
        VectorRecord r = PayloadCodec.decodeVectorRecord(utf8("  {\"id\":\"x\",\"vector\":[1,2]}"));
        assertThat(r.getOp()).isEqualTo(Op.UPSERT);
        assertThat(r.getCollection()).isEqualTo("default");
        assertThat(r.getMetadata()).isEmpty();
        QueryRequest q =
                PayloadCodec.decodeQueryRequest(utf8("{\"queryId\":\"q\",\"vector\":[1]}"));
        assertThat(q.getK()).isEqualTo(10);
        assertThat(q.getIncludeMetadata()).isTrue();
        assertThat(q.getTimeoutMs()).isNull();
    }

    @Test
    void jsonMetadataValuesOfAnyTypeAreKeptAsText() {
        VectorRecord r =
                PayloadCodec.decodeVectorRecord(
                        utf8(
                                "{\"id\":\"x\",\"vector\":[1],\"metadata\":{\"n\":3,\"ok\":true,"
                                    + "\"tags\":[\"a\",\"b\"],\"o\":{\"k\":1},\"gone\":null}}"));
        assertThat(r.getMetadata())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("n", "3", "ok", "true", "tags", "[\"a\",\"b\"]", "o", "{\"k\":1}"));
    }

    @Test
    void badPayloadsFailWithACodeAndAMessageNamingTheField() {
        assertThatThrownBy(() -> PayloadCodec.decodeVectorRecord(utf8("hello")))
                .isInstanceOf(CodecException.class)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeVectorRecord(
                                        utf8("{\"id\":\"x\",\"vector\":\"nope\"}")))
                .hasMessageContaining("'vector'");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeVectorRecord(
                                        utf8("{\"id\":\"x\",\"op\":\"merge\"}")))
                .hasMessageContaining("'op'");
        byte[] unknownFingerprint = {(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0};
        assertThatThrownBy(() -> PayloadCodec.decodeVectorRecord(unknownFingerprint))
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNKNOWN_SCHEMA");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
