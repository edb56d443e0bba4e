package io.vectorstream.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SegmentType;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class VectorStreamConfigTest {

    @Test
    void indexSettingsDefaultToHnswInFullMemory() {
        IndexSettings s = VectorStreamConfig.from(new Configuration()).index();
        assertThat(s.type()).isEqualTo(SegmentType.HNSW);
        assertThat(s.memoryTier()).isEqualTo(MemoryTier.FULL);
        assertThat(s.sealSize()).isEqualTo(5_000);
        assertThat(s.buildThreads()).isEqualTo(1);
        assertThat(s.hnswM()).isEqualTo(16);
        assertThat(s.hnswEfConstruction()).isEqualTo(100);
        assertThat(s.hnswEfSearch()).isEqualTo(64);
        assertThat(s.ivfNlist()).isZero();
        assertThat(s.ivfPqM()).isZero();
        assertThat(s.ivfNprobe()).isEqualTo(16);
        assertThat(s.ivfRerank()).isEqualTo(100);
        assertThat(s.compactionMaxSegments()).isEqualTo(8);
        assertThat(s.compactionDeletedRatio()).isEqualTo(0.3);
    }

    @Test
    void readsIndexSettingsFromTheirKeys() {
        Configuration conf = new Configuration();
        conf.setString("vectorstream.index.type", "ivf-pq");
        conf.setString("vectorstream.index.memory-tier", "pq-codes");
        conf.setString("vectorstream.index.seal-size", "500");
        conf.setString("vectorstream.index.ivf.pq-m", "4");
        IndexSettings s = IndexSettings.from(conf);
        assertThat(s.type()).isEqualTo(SegmentType.IVF_PQ);
        assertThat(s.memoryTier()).isEqualTo(MemoryTier.PQ_CODES);
        assertThat(s.sealSize()).isEqualTo(500);
        assertThat(s.ivfPqM()).isEqualTo(4);
    }

    @Test
    void pqCodesTierNeedsIvfPq() {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.MEMORY_TIER, "pq-codes");
        assertThatThrownBy(() -> VectorStreamConfig.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("index.memory-tier pq-codes")
                .hasMessageContaining("ivf-pq");
    }

    @Test
    void pqMMustDivideAFixedDimension() {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.DIMENSION, 30);
        conf.set(VectorStreamOptions.INDEX_TYPE, "ivf-pq");
        conf.set(VectorStreamOptions.IVF_PQ_M, 8);
        assertThatThrownBy(() -> VectorStreamConfig.from(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pq-m (8) must divide collection.dimension (30)");
    }

    @Test
    void queryKnobCapsHaveDefaultsAndMustBeUsable() {
        VectorStreamConfig cfg = VectorStreamConfig.from(new Configuration());
        assertThat(cfg.maxEf()).isEqualTo(4096);
        assertThat(cfg.maxNprobe()).isEqualTo(4096);
        assertThat(cfg.maxRerank()).isEqualTo(10_000);

        Configuration conf = new Configuration();
        conf.setString("vectorstream.query.max-ef", "0");
        assertThatThrownBy(() -> VectorStreamConfig.from(conf))
                .hasMessageContaining("query.max-ef must be at least 1, got 0");
        Configuration rerank = new Configuration();
        rerank.set(VectorStreamOptions.MAX_RERANK, -1);
        assertThatThrownBy(() -> VectorStreamConfig.from(rerank))
                .hasMessageContaining("query.max-rerank must not be negative");
    }

    @Test
    void rejectsAnEmptySealSize() {
        Configuration conf = new Configuration();
        conf.set(VectorStreamOptions.SEAL_SIZE, 0);
        assertThatThrownBy(() -> VectorStreamConfig.from(conf))
                .hasMessageContaining("index.seal-size must be at least 1");
    }
}
