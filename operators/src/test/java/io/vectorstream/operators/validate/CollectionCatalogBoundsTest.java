package io.vectorstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.operators.TestData;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.state.vector.Metric;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A CREATE over any setting's upper bound is refused, naming the bound; the catalog is unchanged.
 */
class CollectionCatalogBoundsTest {

    @Test
    void everySettingHasAnUpperBound() {
        assertRefused(r -> r.setHnswM(100_000), "at most 512");
        assertRefused(r -> r.setHnswEfConstruction(1_000_000), "at most 3200");
        assertRefused(r -> r.setIvfNlist(10_000_000), "at most 65536");
        assertRefused(r -> r.setSealSize(50_000_000), "at most 1000000");
        assertRefused(r -> r.setCompactionMaxSegments(1_000_000), "at most 1000");
        assertRefused(r -> r.setHnswEfSearch(100_000), "vectorstream.query.max-ef");
        assertRefused(r -> r.setIvfNprobe(100_000), "vectorstream.query.max-nprobe");
        assertRefused(r -> r.setIvfRerank(100_000), "vectorstream.query.max-rerank");
        assertRefused(r -> r.setDimension(100_000), "1..65536");
        // 65,536 x 4 x 20,000 bytes of vectors per segment: far over 512 MiB.
        assertRefused(r -> r.setDimension(65_536), "vectorstream.limits.max-segment-bytes");
    }

    @Test
    void settingsWithinTheBoundsAreAccepted() throws Exception {
        CollectionCatalog catalog = new CollectionCatalog(TestData.config(4, Metric.COSINE));
        CollectionRequest r = request();
        r.setDimension(4_096);
        r.setSealSize(32_768);
        r.setHnswM(512);
        assertThat(catalog.create(r).isNew()).isTrue();
    }

    private static void assertRefused(Consumer<CollectionRequest> setting, String message) {
        CollectionCatalog catalog = new CollectionCatalog(TestData.config(4, Metric.COSINE));
        CollectionRequest r = request();
        setting.accept(r);
        assertThatThrownBy(() -> catalog.create(r))
                .isInstanceOfSatisfying(
                        Rejection.class, e -> assertThat(e.code).isEqualTo("BAD_COLLECTION"))
                .hasMessageContaining(message);
        assertThat(catalog.size()).isOne();
    }

    private static CollectionRequest request() {
        CollectionRequest r = new CollectionRequest();
        r.setRequestId("r");
        r.setOp(CollectionOp.CREATE);
        r.setCollection("c");
        r.setDimension(8);
        return r;
    }
}
