package io.vectorstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.Test;

/** The gatekeeper answers a bad or oversized filter with an error; a good one passes through. */
class QueryFilterValidationTest {

    private static final VectorStreamConfig DIM3 = TestData.config(3, Metric.COSINE);

    @Test
    void aValidFilterReachesTheIndexAsText() throws Exception {
        String filter =
                "{\"and\": [{\"eq\": {\"lang\": \"en\"}}, {\"range\": {\"year\": {\"gte\":"
                        + " 2020}}}]}";
        try (var h = harness()) {
            h.processElement2(query("q", filter), 1L);
            h.processElement2(query("none", null), 1L);

            assertThat(side(h, RequestValidator.REJECTED)).isEmpty();
            assertThat(side(h, RequestValidator.QUERIES))
                    .extracting(q -> q.filter)
                    .containsExactly(filter, null);
        }
    }

    @Test
    void badFiltersAreAnsweredWithBadFilterSayingWhatAndWhere() throws Exception {
        try (var h = harness()) {
            h.processElement2(query("syntax", "{\"eq\": {\"lang\": \"en\"}"), 1L);
            h.processElement2(query("operator", "{\"like\": {\"lang\": \"en\"}}"), 1L);
            h.processElement2(
                    query(
                            "nested",
                            "{\"or\": [{\"exists\": \"a\"}, {\"range\": {\"y\": {\"gt\":"
                                    + " \"x\"}}}]}"),
                    1L);

            assertThat(side(h, RequestValidator.QUERIES)).isEmpty();
            List<QueryResponse> errors = errors(h);
            assertThat(errors).extracting(r -> r.getError().getCode()).containsOnly("BAD_FILTER");
            assertThat(errors)
                    .extracting(QueryResponse::getQueryId)
                    .containsExactly("syntax", "operator", "nested");
            assertThat(errors.get(0).getError().getMessage())
                    .startsWith("filter is not valid JSON")
                    .contains("at character");
            assertThat(errors.get(1).getError().getMessage())
                    .contains("bad filter at $: unknown operator \"like\"");
            assertThat(errors.get(2).getError().getMessage())
                    .contains("bad filter at $.or[1].range.y.gt: expected a number, got a string");
        }
    }

    @Test
    void oversizedFiltersAreAnsweredWithFilterTooLarge() throws Exception {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            many.append(i == 0 ? "" : ",").append(i);
        }
        String tooManyTerms = "{\"in\": {\"n\": [" + many + "]}}";
        String tooManyBytes = "{\"eq\": {\"text\": \"" + "x".repeat(3000) + "\"}}";
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.DIMENSION, 3);
        conf.set(VectorStreamOptions.MAX_FILTER_BYTES, 3000);
        try (var h = harness(VectorStreamConfig.from(conf))) {
            h.processElement2(query("terms", tooManyTerms), 1L);
            h.processElement2(query("bytes", tooManyBytes), 1L);

            List<QueryResponse> errors = errors(h);
            assertThat(errors)
                    .extracting(r -> r.getError().getCode())
                    .containsExactly("FILTER_TOO_LARGE", "FILTER_TOO_LARGE");
            assertThat(errors.get(0).getError().getMessage()).contains("301 terms").contains("256");
            assertThat(errors.get(1).getError().getMessage())
                    .isEqualTo(
                            "filter is 3020 UTF-8 bytes;"
                                    + " vectorstream.limits.max-filter-bytes=3000");
        }
    }

    private static RawMessage query(String id, String filter) {
        QueryRequest q =
                QueryRequest.newBuilder()
                        .setQueryId(id)
                        .setVector(FloatVectors.toBytes(new float[] {1, 2, 3}))
                        .setK(3)
                        .setFilter(filter)
                        .build();
        return RawMessage.of(
                "queries", TestData.bytes(id), PayloadCodec.encode(q, WireFormat.AVRO));
    }

    private static List<QueryResponse> errors(
            TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> h) {
        return side(h, RequestValidator.REJECTED).stream()
                .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                .toList();
    }

    private static TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> harness()
            throws Exception {
        return harness(DIM3);
    }

    private static TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> harness(
            VectorStreamConfig cfg) throws Exception {
        var h =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(
                                new RequestValidator(
                                        cfg,
                                        "results",
                                        ReplyTopics.anyLegalName(),
                                        TopicEndOffsets.none(),
                                        CollectionTopics.of("collections", "collections.results"))),
                        RequestValidator.KEY,
                        RequestValidator.KEY,
                        Types.INT);
        h.open();
        return h;
    }

    private static <T> List<T> side(
            TwoInputStreamOperatorTestHarness<RawMessage, RawMessage, VectorOp> h,
            OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = h.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }
}
