package io.vectorstream.state.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredVectorTest {

    private static final StoredVector SAMPLE =
            new StoredVector(new float[] {0.5f, -1.25f, 3f}, Map.of("lang", "en"), "héllo");

    @Test
    void roundTripKeepsEveryField() {
        StoredVector back = StoredVector.fromBytes(SAMPLE.toBytes());
        assertThat(StoredVector.vectorOf(SAMPLE.toBytes())).containsExactly(back.vector());
        assertThat(back.vector()).containsExactly(0.5f, -1.25f, 3f);
        assertThat(back.metadata()).containsExactlyEntriesOf(Map.of("lang", "en"));
        assertThat(back.text()).isEqualTo("héllo");
    }

    @Test
    void absentTextAndMetadataRoundTrip() {
        StoredVector back =
                StoredVector.fromBytes(new StoredVector(new float[] {1f}, null, null).toBytes());
        assertThat(back.metadata()).isEmpty();
        assertThat(back.text()).isNull();
    }

    /**
     * The stored snapshot pins format version 1: a change that breaks reading old state fails here.
     */
    @Test
    void readsTheStoredVersion1Snapshot() throws IOException {
        byte[] stored;
        try (InputStream in = getClass().getResourceAsStream("/formats/stored-vector-v1.bin")) {
            stored = in.readAllBytes();
        }
        assertThat(stored).isEqualTo(SAMPLE.toBytes());
        assertThat(StoredVector.fromBytes(stored).vector()).containsExactly(0.5f, -1.25f, 3f);
    }

    @Test
    void truncatedOrCorruptInputIsRejectedClearly() {
        byte[] good = SAMPLE.toBytes();
        for (int cut = 0; cut < good.length; cut++) {
            byte[] truncated = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> StoredVector.fromBytes(truncated))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        assertThatThrownBy(() -> StoredVector.fromBytes(badMagic)).hasMessageContaining("magic");
        byte[] hugeLength = good.clone();
        hugeLength[3] = (byte) 0xff;
        hugeLength[4] = (byte) 0xff;
        hugeLength[5] = (byte) 0xff;
        hugeLength[6] = (byte) 0x7f;
        assertThatThrownBy(() -> StoredVector.fromBytes(hugeLength))
                .hasMessageContaining("exceeds");
    }
}
