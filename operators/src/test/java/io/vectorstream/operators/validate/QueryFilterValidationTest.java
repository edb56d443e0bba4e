package io.vectorstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import io.vectorstream.state.vector.Metric;
import java.util.List;
import org.apache.flink.configuration.Configuration;
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
            h.request(query("q", filter));
            h.request(query("none", null));

            assertThat(h.rejected()).isEmpty();
            assertThat(h.queries()).extracting(q -> q.filter).containsExactly(filter, null);
        }
    }

    @Test
    void badFiltersAreAnsweredWithBadFilterSayingWhatAndWhere() throws Exception {
        try (var h = harness()) {
            h.request(query("syntax", "{\"eq\": {\"lang\": \"en\"}"));
            h.request(query("operator", "{\"like\": {\"lang\": \"en\"}}"));
            h.request(
                    query(
                            "nested",
                            "{\"or\": [{\"exists\": \"a\"}, {\"range\": {\"y\": {\"gt\":"
                                    + " \"x\"}}}]}"));

            assertThat(h.queries()).isEmpty();
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
            h.request(query("terms", tooManyTerms));
            h.request(query("bytes", tooManyBytes));

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

    private static List<QueryResponse> errors(Gatekeeper h) {
        return h.rejected().stream()
                .map((Answer a) -> PayloadCodec.decodeQueryResponse(a.payload))
                .toList();
    }

    private static Gatekeeper harness() throws Exception {
        return harness(DIM3);
    }

    private static Gatekeeper harness(VectorStreamConfig cfg) throws Exception {
        return new Gatekeeper(cfg);
    }
}
