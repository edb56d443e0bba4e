package io.vectorstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VectorFilesTest {

    @TempDir Path dir;

    @Test
    void fvecsRoundTripIsBitExact() throws IOException {
        Random random = new Random(42);
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            float[] v = new float[1 + random.nextInt(70)];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) random.nextGaussian();
            }
            vectors.add(v);
        }
        // Values whose bits a careless conversion would change.
        vectors.add(
                new float[] {-0.0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MIN_NORMAL, 1e-38f});
        Path file = dir.resolve("v.fvecs");

        VectorFiles.writeFvecs(file, vectors);
        List<float[]> back = VectorFiles.readFvecs(file);

        assertThat(back).hasSize(vectors.size());
        for (int i = 0; i < vectors.size(); i++) {
            assertThat(floatBits(back.get(i)))
                    .as("vector %d", i)
                    .containsExactly(floatBits(vectors.get(i)));
        }
    }

    @Test
    void fvecsLayoutIsLittleEndianDimensionThenFloats() throws IOException {
        Path file = dir.resolve("one.fvecs");
        ByteBuffer b =
                ByteBuffer.allocate(12)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(2)
                        .putFloat(1.5f)
                        .putFloat(-2f);
        Files.write(file, b.array());

        assertThat(VectorFiles.readFvecs(file)).containsExactly(new float[] {1.5f, -2f});

        Path written = dir.resolve("written.fvecs");
        VectorFiles.writeFvecs(written, List.of(new float[] {1.5f, -2f}));
        assertThat(Files.readAllBytes(written)).isEqualTo(b.array());
    }

    @Test
    void limitStopsEarly() throws IOException {
        Path file = dir.resolve("three.fvecs");
        VectorFiles.writeFvecs(file, List.of(new float[] {1}, new float[] {2}, new float[] {3}));

        assertThat(VectorFiles.readFvecs(file, 2))
                .containsExactly(new float[] {1}, new float[] {2});
        assertThat(VectorFiles.readFvecs(file, 10)).hasSize(3);
    }

    @Test
    void truncatedFileNamesTheVectorAndTheMissingBytes() throws IOException {
        Path file = dir.resolve("cut.fvecs");
        VectorFiles.writeFvecs(file, List.of(new float[] {1, 2}, new float[] {3, 4}));
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 3));

        assertThatThrownBy(() -> VectorFiles.readFvecs(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(
                        "cut.fvecs is truncated: vector 1 declares dimension 2 (8 bytes) but only 5"
                                + " bytes remain");
    }

    @Test
    void nonFvecsFileIsRecognisedWithoutAHugeAllocation() throws IOException {
        Path file = dir.resolve("text.fvecs");
        Files.writeString(file, "hello world, not vectors");

        // "hell" as a little-endian int32 is a dimension of ~1.8 billion: must be refused, not
        // allocated.
        assertThatThrownBy(() -> VectorFiles.readFvecs(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is truncated: vector 0 declares dimension");
        Files.write(file, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-3).array());
        assertThatThrownBy(() -> VectorFiles.readFvecs(file))
                .hasMessageContaining("vector 0 declares dimension -3")
                .hasMessageContaining("is this an .fvecs file?");
    }

    @Test
    void jsonLinesReportBadLinesByNumberAndKeepGoing() throws IOException {
        Path file = dir.resolve("v.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"id\": \"a\", \"vector\": [1, 2], \"metadata\": {\"lang\": \"en\"}}",
                        "",
                        "{\"id\": \"b\", \"vector\": \"oops\"}",
                        "not json",
                        "{\"id\": \"c\", \"op\": \"delete\", \"collection\": \"docs\"}"),
                StandardCharsets.UTF_8);
        List<VectorRecord> records = new ArrayList<>();
        List<String> bad = new ArrayList<>();

        long n =
                VectorFiles.forEachJsonLine(
                        file, records::add, (line, e) -> bad.add(line + ":" + e.code()));

        assertThat(n).isEqualTo(2);
        assertThat(bad).containsExactly("3:BAD_FIELD", "4:UNDECODABLE");
        assertThat(records.get(0))
                .isEqualTo(
                        VectorRecord.newBuilder()
                                .setId("a")
                                .setVector(FloatVectors.toBytes(new float[] {1, 2}))
                                .setMetadata(Map.of("lang", "en"))
                                .build());
        assertThat(records.get(1).getOp()).isEqualTo(Op.DELETE);
        assertThat(records.get(1).getCollection()).isEqualTo("docs");
    }

    @Test
    void numberedJsonLinesGiveEachRecordItsLineNumber() throws IOException {
        Path file = dir.resolve("texts.jsonl");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "{\"id\": \"a\", \"text\": \"first\"}",
                        "",
                        "{\"text\": \"no id\"}",
                        "{\"id\": \"b\", \"text\": \"second\", \"metadata\": {\"n\": 2}}\r",
                        "{\"id\": \"c\"}"),
                StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        List<String> bad = new ArrayList<>();

        long n =
                VectorFiles.forEachNumberedJsonLine(
                        file,
                        (line, r) -> seen.add(line + ":" + r.getId() + ":" + r.getText()),
                        (line, e) -> bad.add(line + ":" + e.code()));

        assertThat(n).isEqualTo(3);
        assertThat(seen).containsExactly("1:a:first", "4:b:second", "5:c:null");
        assertThat(bad).containsExactly("3:MISSING_ID");
    }

    private static int[] floatBits(float[] v) {
        int[] bits = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }
}
