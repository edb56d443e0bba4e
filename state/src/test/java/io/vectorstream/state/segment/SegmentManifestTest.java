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
                    5012);

    @Test
    void roundTripsToAnEqualManifest() {
        assertThat(SegmentManifest.fromBytes(MANIFEST.toBytes())).isEqualTo(MANIFEST);
        SegmentManifest empty = SegmentManifest.empty();
        assertThat(SegmentManifest.fromBytes(empty.toBytes())).isEqualTo(empty);
    }

    /** The stored snapshot pins format version 1: a change that breaks old manifests fails here. */
    @Test
    void readsTheStoredVersion1Snapshot() throws IOException {
        byte[] stored = snapshot();
        assertThat(SegmentManifest.fromBytes(stored)).isEqualTo(MANIFEST);
        assertThat(MANIFEST.toBytes()).isEqualTo(stored);
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
        version[4] = 2;
        assertCorrupt(version, "version 2");
        byte[] count = good.clone();
        count[33] = 100; // entries, low byte
        assertCorrupt(count, "entries do not fit");
        byte[] hugeCount = good.clone();
        hugeCount[36] = (byte) 0x7f; // entries, high byte
        assertCorrupt(hugeCount, "entries do not fit");
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

    private static byte[] snapshot() throws IOException {
        try (InputStream in =
                SegmentManifestTest.class.getResourceAsStream("/formats/segment-manifest-v1.bin")) {
            return in.readAllBytes();
        }
    }
}
