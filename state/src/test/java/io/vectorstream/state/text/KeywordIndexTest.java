package io.vectorstream.state.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeywordIndexTest {

    @Test
    void tokenizesUnicodeWordsLowerCasedAndDropsOverlongRuns() {
        assertThat(Tokenizer.terms("Hello, WORLD! libc6-dev 2.36 Grüße 東京"))
                .containsExactly("hello", "world", "libc6", "dev", "2", "36", "grüße", "東京");
        assertThat(Tokenizer.terms("a" + "x".repeat(64) + " ok")).containsExactly("ok");
        assertThat(Tokenizer.terms(null)).isEmpty();
        DocTerms d = DocTerms.of("the cat and the hat");
        assertThat(d.length()).isEqualTo(5);
        assertThat(d.freq("the")).isEqualTo(2);
        assertThat(d.freq("dog")).isZero();
        assertThat(DocTerms.of(" ,.; ")).isSameAs(DocTerms.NONE);
        // Vowel signs are part of their word; only the first 64 Ki characters are indexed.
        assertThat(Tokenizer.terms("हिन्दी भाषा")).containsExactly("हिन्दी", "भाषा");
        DocTerms huge = DocTerms.of("word ".repeat(20_000) + "tail");
        assertThat(huge.length())
                .as("13,107 words and the cut one")
                .isEqualTo(DocTerms.MAX_INDEXED_CHARS / 5 + 1);
        assertThat(huge.freq("tail")).isZero();
    }

    @Test
    void postingsListEachTextOfATermInOrderWithItsFrequency() {
        KeywordIndex index =
                KeywordIndex.of(
                        Arrays.asList(
                                DocTerms.of("red fish blue fish"),
                                null,
                                DocTerms.of("one fish"),
                                DocTerms.NONE));
        int fish = index.termIndex("fish");
        assertThat(postings(index, fish)).containsExactly(0, 2, 2, 1);
        assertThat(index.termIndex("green")).isEqualTo(-1);
        assertThat(index.textCount()).isEqualTo(2);
        assertThat(index.totalLength()).isEqualTo(6);
        assertThat(index.length(1)).isZero();
    }

    @Test
    void mergeRenumbersLiveOrdinalsAndDropsTheRest() {
        KeywordIndex a = KeywordIndex.of(List.of(DocTerms.of("x y"), DocTerms.of("y z")));
        KeywordIndex b = KeywordIndex.of(List.of(DocTerms.of("z"), DocTerms.of("x x")));
        // New 0 = a#1, 1 = b#0, 2 = b#1; a#0 is left behind.
        KeywordIndex merged =
                KeywordIndex.merge(List.of(a, b), new long[] {1, 1L << 32, 1L << 32 | 1});
        assertThat(merged)
                .isEqualTo(
                        KeywordIndex.of(
                                List.of(DocTerms.of("y z"), DocTerms.of("z"), DocTerms.of("x x"))));
        assertThat(merged.size()).isEqualTo(3);
    }

    @Test
    void readsBackWhatItWroteAndRefusesCorruptData() throws IOException {
        KeywordIndex index =
                KeywordIndex.of(
                        List.of(
                                DocTerms.of("alpha beta"),
                                DocTerms.NONE,
                                DocTerms.of("beta gamma beta")));
        byte[] bytes = write(index);
        assertThat(read(bytes, 3)).isEqualTo(index);
        assertThatThrownBy(() -> read(bytes, 2)).isInstanceOf(CorruptIndexException.class);
        byte[] huge = bytes.clone();
        huge[4 + 4 + 3 + 3] = 0x7f; // the first term's posting count
        assertThatThrownBy(() -> read(huge, 3)).isInstanceOf(CorruptIndexException.class);
        assertThatThrownBy(() -> read(Arrays.copyOf(bytes, bytes.length - 2), 3))
                .isInstanceOf(IOException.class);
    }

    private static int[] postings(KeywordIndex index, int t) {
        int[] out = new int[2 * (index.postingsEnd(t) - index.postingsStart(t))];
        for (int p = index.postingsStart(t), i = 0; p < index.postingsEnd(t); p++) {
            out[i++] = index.docAt(p);
            out[i++] = index.freqAt(p);
        }
        // As pairs in order: ordinal, frequency.
        int[] pairs = new int[out.length];
        for (int i = 0; i < out.length / 2; i++) {
            pairs[i] = out[2 * i];
            pairs[out.length / 2 + i] = out[2 * i + 1];
        }
        return pairs;
    }

    private static byte[] write(KeywordIndex index) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.write(new DataOutputStream(out));
        return out.toByteArray();
    }

    private static KeywordIndex read(byte[] bytes, int size) throws IOException {
        return KeywordIndex.read(new DataInputStream(new ByteArrayInputStream(bytes)), size);
    }
}
