package io.vectorstream.schema.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
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

        QueryRequest tuned =
                QueryRequest.newBuilder(query)
                        .setFilter("{\"lang\":{\"$in\":[\"en\",\"de\"]}}")
                        .setEf(200)
                        .setNprobe(4)
                        .setRerank(0)
                        .setIncludeVectors(true)
                        .build();
        assertThat(PayloadCodec.decodeQueryRequest(PayloadCodec.encode(tuned, format)))
                .isEqualTo(tuned);

        QueryRequest strong = QueryRequest.newBuilder(query).setConsistency("strong").build();
        assertThat(PayloadCodec.decodeQueryRequest(PayloadCodec.encode(strong, format)))
                .isEqualTo(strong);

        QueryResponse response =
                QueryResponse.newBuilder()
                        .setQueryId("q")
                        .setHits(
                                List.of(
                                        new Hit("a", 0.25f, Map.of("k", "v"), null, null),
                                        new Hit(
                                                "b",
                                                0.125f,
                                                Map.of(),
                                                FloatVectors.toBytes(new float[] {0.5f, -1f}),
                                                null)))
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
        assertThat(q.getFilter()).isNull();
        assertThat(q.getEf()).isNull();
        assertThat(q.getNprobe()).isNull();
        assertThat(q.getRerank()).isNull();
        assertThat(q.getIncludeVectors()).isFalse();
    }

    @Test
    void jsonFilterIsAnObjectOrItsTextInAString() {
        String text = "{\"lang\":\"en\",\"year\":{\"$gte\":2020}}";
        QueryRequest asObject =
                PayloadCodec.decodeQueryRequest(
                        utf8("{\"queryId\":\"q\",\"vector\":[1],\"filter\":" + text + "}"));
        assertThat(asObject.getFilter()).isEqualTo(text);
        QueryRequest asString =
                PayloadCodec.decodeQueryRequest(
                        utf8(
                                "{\"queryId\":\"q\",\"vector\":[1],\"filter\":\""
                                        + text.replace("\"", "\\\"")
                                        + "\"}"));
        assertThat(asString.getFilter()).isEqualTo(text);

        String json = new String(PayloadCodec.encode(asString, WireFormat.JSON), UTF_8);
        assertThat(json).contains("\"filter\":" + text);
        QueryRequest notJson = QueryRequest.newBuilder(asString).setFilter("lang = en").build();
        assertThat(new String(PayloadCodec.encode(notJson, WireFormat.JSON), UTF_8))
                .contains("\"filter\":\"lang = en\"");
    }

    @Test
    void jsonHitVectorsAreArraysAndAbsentWhenNotAsked() {
        QueryResponse r =
                PayloadCodec.decodeQueryResponse(
                        utf8(
                                "{\"queryId\":\"q\",\"hits\":[{\"id\":\"a\",\"score\":1,"
                                        + "\"vector\":[0.5,2]},{\"id\":\"b\",\"score\":0.5}]}"));
        assertThat(FloatVectors.fromBytes(r.getHits().get(0).getVector()))
                .containsExactly(0.5f, 2f);
        assertThat(r.getHits().get(1).getVector()).isNull();
        String json = new String(PayloadCodec.encode(r, WireFormat.JSON), UTF_8);
        assertThat(json).contains("\"vector\":[0.5,2.0]").containsOnlyOnce("\"vector\"");
    }

    @Test
    void avroPayloadsOfTheFirstQuerySchemasStillDecode() throws IOException {
        Schema v1Request = historySchema("QueryRequest-v1.avsc");
        GenericRecord old = new GenericData.Record(v1Request);
        old.put("queryId", "old-client");
        old.put("collection", "default");
        old.put("vector", FloatVectors.toBytes(new float[] {1f, 2f}));
        old.put("k", 3);
        old.put("includeMetadata", false);
        old.put("timeoutMs", 900);
        byte[] payload = encodeGeneric(v1Request, old);
        // The header README listed for QueryRequest before the per-query knobs.
        assertThat(payload).startsWith(0xC3, 0x01, 0x75, 0x4C, 0x73, 0x7A, 0x24, 0xDB, 0xF2, 0x1F);

        QueryRequest q = PayloadCodec.decodeQueryRequest(payload);
        assertThat(q.getQueryId()).isEqualTo("old-client");
        assertThat(FloatVectors.fromBytes(q.getVector())).containsExactly(1f, 2f);
        assertThat(q.getK()).isEqualTo(3);
        assertThat(q.getIncludeMetadata()).isFalse();
        assertThat(q.getTimeoutMs()).isEqualTo(900);
        assertThat(q.getFilter()).isNull();
        assertThat(q.getEf()).isNull();
        assertThat(q.getNprobe()).isNull();
        assertThat(q.getRerank()).isNull();
        assertThat(q.getIncludeVectors()).isFalse();

        Schema v1Response = historySchema("QueryResponse-v1.avsc");
        Schema v1Hit = v1Response.getField("hits").schema().getElementType();
        GenericRecord hit = new GenericData.Record(v1Hit);
        hit.put("id", "a");
        hit.put("score", 0.5f);
        hit.put("metadata", Map.of("k", "v"));
        GenericRecord answer = new GenericData.Record(v1Response);
        answer.put("queryId", "old-client");
        answer.put("hits", List.of(hit));
        answer.put("shardsAnswered", 2);
        answer.put("shardsExpected", 2);
        answer.put("complete", true);
        answer.put("error", null);
        answer.put("tookMs", 4L);
        byte[] response = encodeGeneric(v1Response, answer);
        assertThat(response).startsWith(0xC3, 0x01, 0x70, 0x25, 0xA3, 0x59, 0x73, 0xB2, 0xB0, 0xF9);

        QueryResponse r = PayloadCodec.decodeQueryResponse(response);
        assertThat(r.getHits()).containsExactly(new Hit("a", 0.5f, Map.of("k", "v"), null, null));
        assertThat(r.getComplete()).isTrue();
        assertThat(r.getTookMs()).isEqualTo(4L);
    }

    @Test
    void avroPayloadsOfTheQuerySchemaBeforeConsistencyStillDecode() throws IOException {
        Schema v2Request = historySchema("QueryRequest-v2.avsc");
        GenericRecord old = new GenericData.Record(v2Request);
        old.put("queryId", "v2-client");
        old.put("collection", "default");
        old.put("vector", FloatVectors.toBytes(new float[] {1f, 2f}));
        old.put("k", 3);
        old.put("includeMetadata", true);
        old.put("timeoutMs", null);
        old.put("filter", "{\"exists\":\"lang\"}");
        old.put("ef", 64);
        old.put("nprobe", null);
        old.put("rerank", null);
        old.put("includeVectors", true);
        byte[] payload = encodeGeneric(v2Request, old);
        // The header README listed for QueryRequest before `consistency`.
        assertThat(payload).startsWith(0xC3, 0x01, 0xD6, 0xCB, 0xE2, 0x0A, 0xF2, 0xDD, 0x43, 0x62);

        QueryRequest q = PayloadCodec.decodeQueryRequest(payload);
        assertThat(q.getQueryId()).isEqualTo("v2-client");
        assertThat(q.getFilter()).isEqualTo("{\"exists\":\"lang\"}");
        assertThat(q.getEf()).isEqualTo(64);
        assertThat(q.getIncludeVectors()).isTrue();
        assertThat(q.getConsistency()).isNull();
    }

    @Test
    void avroPayloadsOfTheQuerySchemaBeforePagingStillDecode() throws IOException {
        Schema v3Request = historySchema("QueryRequest-v3.avsc");
        GenericRecord old = new GenericData.Record(v3Request);
        old.put("queryId", "v3-client");
        old.put("collection", "default");
        old.put("vector", FloatVectors.toBytes(new float[] {1f, 2f}));
        old.put("k", 3);
        old.put("includeMetadata", true);
        old.put("includeVectors", false);
        old.put("consistency", "strong");
        byte[] payload = encodeGeneric(v3Request, old);
        // The header README listed for QueryRequest before `offset`, `minScore`, `maxDistance`.
        assertThat(payload).startsWith(0xC3, 0x01, 0x86, 0xC3, 0xEC, 0x60, 0xB9, 0x22, 0xBD, 0xCC);

        QueryRequest q = PayloadCodec.decodeQueryRequest(payload);
        assertThat(q.getQueryId()).isEqualTo("v3-client");
        assertThat(q.getConsistency()).isEqualTo("strong");
        assertThat(q.getOffset()).isNull();
        assertThat(q.getMinScore()).isNull();
        assertThat(q.getMaxDistance()).isNull();
        assertThat(q.getGroupBy()).isNull();
        assertThat(q.getGroupSize()).isNull();
    }

    @Test
    void avroPayloadsOfTheQuerySchemaBeforeTextStillDecodeWithTheirRequiredVector()
            throws IOException {
        Schema v4Request = historySchema("QueryRequest-v4.avsc");
        GenericRecord old = new GenericData.Record(v4Request);
        old.put("queryId", "v4-client");
        old.put("collection", "default");
        old.put("vector", FloatVectors.toBytes(new float[] {1f, 2f}));
        old.put("k", 3);
        old.put("includeMetadata", true);
        old.put("includeVectors", false);
        old.put("offset", 2);
        byte[] payload = encodeGeneric(v4Request, old);
        // The header README lists for QueryRequest v4, whose vector was plain bytes.
        assertThat(payload).startsWith(0xC3, 0x01, 0xFC, 0x8F, 0x97, 0x10, 0x21, 0xE1, 0xA7, 0x25);

        QueryRequest q = PayloadCodec.decodeQueryRequest(payload);
        assertThat(FloatVectors.fromBytes(q.getVector())).containsExactly(1f, 2f);
        assertThat(q.getOffset()).isEqualTo(2);
        assertThat(q.getText()).isNull();
        assertThat(q.getMode()).isNull();
        assertThat(q.getRankConstant()).isNull();
        assertThat(q.getIncludeText()).isFalse();
    }

    @Test
    void textQueriesWithoutAVectorAndHitTextsRoundTripInBothForms() {
        QueryRequest q =
                QueryRequest.newBuilder()
                        .setQueryId("t")
                        .setText("kafka streams")
                        .setMode("hybrid")
                        .setRankConstant(20)
                        .setIncludeText(true)
                        .build();
        QueryResponse r =
                QueryResponse.newBuilder()
                        .setQueryId("t")
                        .setHits(List.of(new Hit("a", 0.5f, Map.of(), null, "the text")))
                        .build();
        for (WireFormat format : WireFormat.values()) {
            assertThat(PayloadCodec.decodeQueryRequest(PayloadCodec.encode(q, format)))
                    .isEqualTo(q);
            assertThat(PayloadCodec.decodeQueryResponse(PayloadCodec.encode(r, format)))
                    .isEqualTo(r);
        }
        assertThat(new String(PayloadCodec.encode(q, WireFormat.JSON), StandardCharsets.UTF_8))
                .doesNotContain("vector");
    }

    @Test
    void jsonPagingThresholdsAndGroupingRoundTrip() {
        QueryRequest q =
                PayloadCodec.decodeQueryRequest(
                        utf8(
                                "{\"queryId\":\"q\",\"vector\":[1],\"offset\":20,"
                                        + "\"minScore\":0.75,\"maxDistance\":1.5,"
                                        + "\"groupBy\":\"doc\",\"groupSize\":3}"));
        assertThat(q.getOffset()).isEqualTo(20);
        assertThat(q.getGroupBy()).isEqualTo("doc");
        assertThat(q.getGroupSize()).isEqualTo(3);
        assertThat(q.getMinScore()).isEqualTo(0.75f);
        assertThat(q.getMaxDistance()).isEqualTo(1.5f);
        assertThat(PayloadCodec.decodeQueryRequest(PayloadCodec.encode(q, WireFormat.JSON)))
                .isEqualTo(q);
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeQueryRequest(
                                        utf8(
                                                "{\"queryId\":\"q\",\"vector\":[1],\"minScore\":\"high\"}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("'minScore' must be a number");
    }

    @Test
    void jsonConsistencyIsReadAsGivenAndLeftOutWhenUnset() {
        QueryRequest q =
                PayloadCodec.decodeQueryRequest(
                        utf8("{\"queryId\":\"q\",\"vector\":[1],\"consistency\":\"STRONG\"}"));
        assertThat(q.getConsistency()).isEqualTo("STRONG");
        QueryRequest plain =
                PayloadCodec.decodeQueryRequest(utf8("{\"queryId\":\"q\",\"vector\":[1]}"));
        assertThat(plain.getConsistency()).isNull();
        assertThat(new String(PayloadCodec.encode(plain, WireFormat.JSON), UTF_8))
                .doesNotContain("consistency");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeQueryRequest(
                                        utf8(
                                                "{\"queryId\":\"q\",\"vector\":[1],"
                                                        + "\"consistency\":1}")))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("'consistency'");
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
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeQueryRequest(
                                        utf8("{\"queryId\":\"q\",\"vector\":[1],\"ef\":\"big\"}")))
                .hasMessageContaining("'ef'");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeQueryRequest(
                                        utf8("{\"queryId\":\"q\",\"vector\":[1],\"filter\":[1]}")))
                .hasMessageContaining("'filter'");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeQueryRequest(
                                        utf8(
                                                "{\"queryId\":\"q\",\"vector\":[1],"
                                                        + "\"includeVectors\":\"yes\"}")))
                .hasMessageContaining("'includeVectors'");
        byte[] unknownFingerprint = {(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0};
        assertThatThrownBy(() -> PayloadCodec.decodeVectorRecord(unknownFingerprint))
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNKNOWN_SCHEMA");
    }

    private static Schema historySchema(String file) throws IOException {
        try (InputStream in = PayloadCodec.class.getResourceAsStream(PayloadCodec.HISTORY + file)) {
            return new Schema.Parser().parse(in);
        }
    }

    private static byte[] encodeGeneric(Schema schema, GenericRecord record) throws IOException {
        ByteBuffer buf =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
