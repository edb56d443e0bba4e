package io.vectorstream.state.segment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentManifestTest {

    private static final SegmentManifest MANIFEST =
            new SegmentManifest(
                    128,
                    List.of(
                            new SegmentManifest.Entry(3, SegmentType.HNSW, 5000, 2, 3_456_789L),
                            new SegmentManifest.Entry(7, SegmentType.IVF_PQ, 12, 1, 9_000L),
                            new SegmentManifest.Entry(8, SegmentType.IVF_FLAT, 0, 1, 45L)),
                    9,
                    123_456_789_012L,
                    5012,
                    123_456_700_000L);

    /** {@link #MANIFEST} as version 1 stored it: without growingFromSeq, which reads as 0. */
    private static final SegmentManifest MANIFEST_V1 =
            new SegmentManifest(
                    MANIFEST.dimension(),
                    MANIFEST.segments(),
                    MANIFEST.nextSegmentId(),
                    MANIFEST.nextSeq(),
                    MANIFEST.liveCount(),
                    0);

    @Test
    void roundTripsToAnEqualManifest() {
        assertThat(SegmentManifest.fromBytes(MANIFEST.toBytes())).isEqualTo(MANIFEST);
        SegmentManifest empty = SegmentManifest.empty();
        assertThat(SegmentManifest.fromBytes(empty.toBytes())).isEqualTo(empty);
    }

    /** The stored snapshot pins format version 2: a change that breaks old manifests fails here. */
    @Test
    void readsTheStoredVersion2Snapshot() throws IOException {
        byte[] stored = snapshot("/formats/segment-manifest-v2.bin");
        assertThat(SegmentManifest.fromBytes(stored)).isEqualTo(MANIFEST);
        assertThat(MANIFEST.toBytes()).isEqualTo(stored);
    }

    /** Manifests in checkpoints taken before version 2 still restore. */
    @Test
    void readsTheStoredVersion1Snapshot() throws IOException {
        byte[] stored = snapshot("/formats/segment-manifest-v1.bin");
        assertThat(SegmentManifest.fromBytes(stored)).isEqualTo(MANIFEST_V1);
    }

    @Test
    void everyTruncationAndExtensionIsRejectedAsCorrupt() {
        byte[] good = MANIFEST.toBytes();
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertCorrupt(truncated, "");
        }
        assertCorrupt(Arrays.copyOf(good, good.length + 1), "entries do not fit");
    }

    @Test
    void badMagicVersionCountsAndFlippedBitsAreRejectedClearly() {
        byte[] good = MANIFEST.toBytes();
        byte[] magic = good.clone();
        magic[0] ^= 1;
        assertCorrupt(magic, "magic");
        byte[] version = good.clone();
        version[4] = 3;
        assertCorrupt(version, "version 3");
        byte[] count = good.clone();
        count[41] = 100; // entries, low byte
        assertCorrupt(count, "entries do not fit");
        byte[] hugeCount = good.clone();
        hugeCount[44] = (byte) 0x7f; // entries, high byte
        assertCorrupt(hugeCount, "entries do not fit");
        SegmentManifest ahead =
                new SegmentManifest(8, List.of(), 0, 10, 0, 11); // growing from a seq not given yet
        assertCorrupt(ahead.toBytes(), "past the next seq");
        for (int at = 5; at < good.length; at += 3) {
            byte[] flipped = good.clone();
            flipped[at] ^= 0x04;
            assertThatThrownBy(() -> SegmentManifest.fromBytes(flipped))
                    .as("bit flipped at %d", at)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(CorruptIndexException.class);
        }
    }

    private static void assertCorrupt(byte[] bytes, String message) {
        assertThatThrownBy(() -> SegmentManifest.fromBytes(bytes))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(CorruptIndexException.class)
                .hasMessageContaining(message);
    }

    private static byte[] snapshot(String resource) throws IOException {
        try (InputStream in = SegmentManifestTest.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }
}
