package io.vectorstream.operators.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextEmbedderTest {

    /**
     * Our single-threaded session computes what langchain4j's own all-MiniLM-L6-v2 does: the same
     * unit vectors, and texts close in meaning closer than unrelated ones.
     */
    @Test
    void embedsAsTheModelsOwnWrapperDoesWithUnitVectors() {
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        List<String> texts =
                List.of(
                        "gimp: GNU Image Manipulation Program",
                        "an image editor for photos",
                        "PostgreSQL client library",
                        "x".repeat(5000));
        for (String text : texts) {
            float[] ours = TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, text);
            float[] theirs =
                    reference
                            .embed(text.substring(0, Math.min(text.length(), 2048)))
                            .content()
                            .vector();
            assertThat(ours).hasSize(TextEmbedder.MINILM_DIMENSION);
            assertThat(dot(ours, ours)).isCloseTo(1.0, within(1e-4));
            assertThat(ours).containsExactly(theirs, within(1e-5f));
        }
        float[] gimp = TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, texts.get(0));
        float[] editor = TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, texts.get(1));
        float[] postgres = TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, texts.get(2));
        assertThat(dot(gimp, editor)).isGreaterThan(dot(gimp, postgres) + 0.1);
        assertThat(TextEmbedder.canonical(" All-MiniLM-L6-v2 "))
                .isEqualTo(TextEmbedder.ALL_MINILM_L6_V2);
        assertThat(TextEmbedder.canonical("bert")).isNull();
    }

    @Test
    void aTextIsStrippedAndCutWithoutSplittingACharacter() {
        assertThat(TextEmbedder.bounded("  hello \n")).isEqualTo("hello");
        String spaces = " ".repeat(5000) + "word";
        assertThat(TextEmbedder.bounded(spaces)).isEqualTo("word");
        String emoji = "a".repeat(TextEmbedder.MAX_EMBEDDED_CHARS - 1) + "\uD83D\uDE00tail";
        assertThat(TextEmbedder.bounded(emoji)).hasSize(TextEmbedder.MAX_EMBEDDED_CHARS - 1);
        assertThat(TextEmbedder.bounded("b".repeat(3000))).hasSize(TextEmbedder.MAX_EMBEDDED_CHARS);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
