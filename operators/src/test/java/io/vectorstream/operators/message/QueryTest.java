package io.vectorstream.operators.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.vector.Metric;
import org.junit.jupiter.api.Test;

class QueryTest {

    @Test
    void aThresholdKeepsHighSimilaritiesAndShortDistances() {
        Query cosine = new Query();
        cosine.metric = Metric.COSINE;
        assertThat(cosine.admits(-1f)).as("no threshold").isTrue();
        cosine.threshold = 0.5f;
        assertThat(cosine.admits(0.5f)).isTrue();
        assertThat(cosine.admits(0.4f)).isFalse();

        Query euclidean = new Query();
        euclidean.metric = Metric.EUCLIDEAN;
        euclidean.threshold = 2f;
        assertThat(euclidean.admits(2f)).isTrue();
        assertThat(euclidean.admits(1f)).isTrue();
        assertThat(euclidean.admits(2.5f)).isFalse();
    }

    @Test
    void aQueryRestoredFromBeforeDepthExistedSearchesItsPage() {
        Query old = new Query(); // depth 0, as the POJO serializer leaves a field it never saw
        old.k = 10;
        assertThat(old.searchDepth()).isEqualTo(10);
        old.depth = 80;
        assertThat(old.searchDepth()).isEqualTo(80);
    }
}
