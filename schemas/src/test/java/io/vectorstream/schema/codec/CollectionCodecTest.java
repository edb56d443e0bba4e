package io.vectorstream.schema.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CollectionCodecTest {

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void requestsAndResponsesRoundTripInBothForms(WireFormat format) {
        CollectionRequest create =
                CollectionRequest.newBuilder()
                        .setRequestId("r1")
                        .setOp(CollectionOp.CREATE)
                        .setCollection("docs")
                        .setDimension(384)
                        .setMetric("dot")
                        .setIndexType("ivf-pq")
                        .setIvfPqM(48)
                        .setCompactionDeletedRatio(0.25)
                        .build();
        assertThat(PayloadCodec.decodeCollectionRequest(PayloadCodec.encode(create, format)))
                .isEqualTo(create);

        CollectionResponse ok =
                new CollectionResponse(
                        "r1",
                        List.of(
                                new CollectionInfo(
                                        "docs",
                                        384,
                                        "dot",
                                        8,
                                        "ivf-pq",
                                        "full",
                                        20000,
                                        16,
                                        100,
                                        64,
                                        0,
                                        48,
                                        16,
                                        100,
                                        8,
                                        0.25,
                                        "all-minilm-l6-v2")),
                        null);
        assertThat(PayloadCodec.decodeCollectionResponse(PayloadCodec.encode(ok, format)))
                .isEqualTo(ok);
        CollectionResponse failed =
                new CollectionResponse(
                        "r2", List.of(), new CollectionError("COLLECTION_EXISTS", "differs"));
        assertThat(PayloadCodec.decodeCollectionResponse(PayloadCodec.encode(failed, format)))
                .isEqualTo(failed);
    }

    @Test
    void jsonRequestLeavesUnsetSettingsNullAndReadsOpInAnyCase() {
        CollectionRequest r =
                PayloadCodec.decodeCollectionRequest(
                        "{\"requestId\":\"a\",\"op\":\"Create\",\"collection\":\"c\",\"dimension\":3}"
                                .getBytes(UTF_8));
        assertThat(r.getOp()).isEqualTo(CollectionOp.CREATE);
        assertThat(r.getDimension()).isEqualTo(3);
        assertThat(r.getMetric()).isNull();
        assertThat(r.getHnswM()).isNull();
        assertThat(r.getCompactionDeletedRatio()).isNull();
        assertThat(
                        PayloadCodec.decodeCollectionRequest(
                                        "{\"requestId\":\"b\",\"op\":\"list\"}".getBytes(UTF_8))
                                .getOp())
                .isEqualTo(CollectionOp.LIST);
    }

    @Test
    void jsonRequestRejectsUnknownFieldsAndWrongTypes() {
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeCollectionRequest(
                                        "{\"requestId\":\"a\",\"op\":\"create\",\"hnsw_m\":8}"
                                                .getBytes(UTF_8)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown field 'hnsw_m'")
                .hasMessageContaining("hnswM");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeCollectionRequest(
                                        "{\"requestId\":\"a\",\"op\":\"create\",\"dimension\":\"3\"}"
                                                .getBytes(UTF_8)))
                .hasMessageContaining("'dimension' must be an integer");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeCollectionRequest(
                                        "{\"requestId\":\"a\",\"op\":\"drop\"}".getBytes(UTF_8)))
                .hasMessageContaining("\"create\" or \"list\"");
        assertThatThrownBy(
                        () ->
                                PayloadCodec.decodeCollectionRequest(
                                        "{\"op\":\"list\"}".getBytes(UTF_8)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("requestId");
    }
}
