package io.vectorstream.state.hnsw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.data.SyntheticData;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ExactSearch;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.vector.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The binary format: round trips, the stored version-1 snapshot, and corrupt input. */
class HnswFormatTest {

    /** The tiny index behind {@code formats/hnsw-index-v1.bin}. */
    static final int TINY_SIZE = 40;

    static final int TINY_DIM = 4;

    static float[][] tinyVectors() {
        return SyntheticData.clustered(TINY_SIZE, TINY_DIM, 3, 0.5, false, 11);
    }

    static HnswIndex tinyIndex() {
        HnswIndex index =
                HnswIndex.builder(TINY_DIM, Metric.EUCLIDEAN)
                        .m(4)
                        .efConstruction(16)
                        .seed(7)
                        .build();
        for (float[] v : tinyVectors()) {
            index.add(v);
        }
        index.delete(3);
        return index;
    }

    static byte[] bytes(HnswIndex index) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.write(out);
        return out.toByteArray();
    }

    private static HnswIndex read(byte[] bytes) throws IOException {
        return HnswIndex.read(new ByteArrayInputStream(bytes));
    }

    @Test
    void roundTripGivesIdenticalSearchResults() throws IOException {
        float[][] data = SyntheticData.clustered(3_000, 32, 20, 0.5, true, 5);
        HnswIndex index = HnswIndex.builder(32, Metric.COSINE).m(8).efConstruction(100).build();
        for (int i = 0; i < 2_900; i++) {
            index.add(data[i]);
        }
        for (int node = 0; node < 2_900; node += 7) {
            index.delete(node);
        }
        byte[] written = bytes(index);
        HnswIndex back = read(written);
        assertThat(back.size()).isEqualTo(index.size());
        assertThat(back.liveCount()).isEqualTo(index.liveCount());
        assertThat(back.dimension()).isEqualTo(32);
        assertThat(back.metric()).isEqualTo(Metric.COSINE);
        assertThat(back.m()).isEqualTo(8);
        assertThat(back.efConstruction()).isEqualTo(100);
        assertThat(back.isDeleted(14)).isTrue();
        BitSet even = new BitSet();
        for (int i = 0; i < 2_900; i += 2) {
            even.set(i);
        }
        for (int q = 2_900; q < 3_000; q++) {
            assertThat(back.search(data[q], 10, 40)).isEqualTo(index.search(data[q], 10, 40));
            assertThat(back.searchGraph(data[q], 10, 40, AcceptSet.of(even)))
                    .isEqualTo(index.searchGraph(data[q], 10, 40, AcceptSet.of(even)));
        }
        assertThat(bytes(back)).isEqualTo(written);
        // A read index keeps growing exactly as the original would have.
        index.add(data[2_950]);
        back.add(data[2_950]);
        assertThat(bytes(back)).isEqualTo(bytes(index));
    }

    @Test
    void readConsumesExactlyTheIndexBytes() throws IOException {
        HnswIndex empty = HnswIndex.builder(TINY_DIM, Metric.DOT).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tinyIndex().write(out);
        empty.write(out);
        out.write(0x5A);
        InputStream in = new ByteArrayInputStream(out.toByteArray());
        assertThat(HnswIndex.read(in).size()).isEqualTo(TINY_SIZE);
        HnswIndex emptyBack = HnswIndex.read(in);
        assertThat(emptyBack.size()).isZero();
        assertThat(emptyBack.metric()).isEqualTo(Metric.DOT);
        assertThat(in.read()).isEqualTo(0x5A);
        emptyBack.add(new float[] {1, 0, 0, 0});
        assertThat(emptyBack.search(new float[] {1, 0, 0, 0}, 1, 10).nodes()).containsExactly(0);
    }

    /** The stored snapshot pins format version 1: a change that breaks old segments fails here. */
    @Test
    void readsTheStoredVersion1Snapshot() throws IOException {
        byte[] stored;
        try (InputStream in = getClass().getResourceAsStream("/formats/hnsw-index-v1.bin")) {
            stored = in.readAllBytes();
        }
        HnswIndex index = read(stored);
        assertThat(index.size()).isEqualTo(TINY_SIZE);
        assertThat(index.liveCount()).isEqualTo(TINY_SIZE - 1);
        assertThat(index.isDeleted(3)).isTrue();
        assertThat(index.metric()).isEqualTo(Metric.EUCLIDEAN);
        assertThat(index.m()).isEqualTo(4);
        float[][] vectors = tinyVectors();
        for (int node = 0; node < TINY_SIZE; node++) {
            assertThat(index.vector(node)).containsExactly(vectors[node]);
        }
        BitSet live = new BitSet();
        live.set(0, TINY_SIZE);
        live.clear(3);
        for (float[] q : vectors) {
            ScoredNodes truth =
                    ExactSearch.search(vectors, q, 5, Metric.EUCLIDEAN, AcceptSet.of(live));
            assertThat(index.searchGraph(q, 5, TINY_SIZE, null).nodes())
                    .containsExactly(truth.nodes());
        }
        assertThat(bytes(index)).isEqualTo(stored);
    }

    @Test
    void everyTruncationIsRejected() throws IOException {
        byte[] good = bytes(tinyIndex());
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> read(truncated))
                    .as("cut at %d of %d", cut, good.length)
                    .isInstanceOf(CorruptIndexException.class);
        }
    }

    @Test
    void badMagicAndUnknownVersionAreNamed() throws IOException {
        byte[] badMagic = bytes(tinyIndex());
        badMagic[0] = 'X';
        assertThatThrownBy(() -> read(badMagic))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("bad magic");
        byte[] future = bytes(tinyIndex());
        ByteBuffer.wrap(future).putInt(4, 2);
        assertThatThrownBy(() -> read(future))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("unknown version 2");
    }

    @Test
    void outOfRangeNeighbourIsRejected() throws IOException {
        byte[] bad = bytes(tinyIndex());
        // Layer 0 starts after the header, the vectors and the levels; its first neighbour id
        // follows the counts and the total.
        int firstNeighbour =
                HnswFormat.HEADER_BYTES
                        + TINY_SIZE * TINY_DIM * Float.BYTES
                        + TINY_SIZE
                        + TINY_SIZE * Integer.BYTES
                        + Integer.BYTES;
        ByteBuffer.wrap(bad).putInt(firstNeighbour, 1_000_000);
        assertThatThrownBy(() -> read(bad))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("neighbour id 1000000")
                .hasMessageContaining("out of range");
    }

    @Test
    void hugeSizeFailsWithoutAHugeAllocation() throws IOException {
        byte[] bad = bytes(tinyIndex());
        // size sits after magic, version, dimension, metric, M, efConstruction and seed
        ByteBuffer.wrap(bad).putInt(29, 500_000_000);
        assertThatThrownBy(() -> read(bad)).isInstanceOf(CorruptIndexException.class);
        ByteBuffer.wrap(bad).putInt(29, Integer.MAX_VALUE);
        assertThatThrownBy(() -> read(bad))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("too large");
    }

    @Test
    void flippedVectorBitFailsTheChecksum() throws IOException {
        byte[] bad = bytes(tinyIndex());
        bad[HnswFormat.HEADER_BYTES + 5] ^= 0x10;
        assertThatThrownBy(() -> read(bad))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void badLevelIsRejected() throws IOException {
        byte[] bad = bytes(tinyIndex());
        bad[HnswFormat.HEADER_BYTES + TINY_SIZE * TINY_DIM * Float.BYTES] = -1;
        assertThatThrownBy(() -> read(bad))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("level -1 of node 0");
    }
}
