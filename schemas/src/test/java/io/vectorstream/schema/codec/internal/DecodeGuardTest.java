package io.vectorstream.schema.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.codec.CodecException;
import org.junit.jupiter.api.Test;

class DecodeGuardTest {

    private static final byte[] PAYLOAD = {1, 2, 3};

    @Test
    void aStackOverflowWhileDecodingIsUndecodable() {
        assertThatThrownBy(() -> DecodeGuard.decode(p -> recurse(0), PAYLOAD))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageContaining("nested too deeply")
                .hasCauseInstanceOf(StackOverflowError.class)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    @Test
    void runningOutOfMemoryWhileDecodingIsUndecodable() {
        // Far beyond the test heap (-Xmx256m), as an unchecked claimed size would be.
        assertThatThrownBy(() -> DecodeGuard.decode(p -> new long[Integer.MAX_VALUE - 8], PAYLOAD))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessage("decoding the payload of 3 bytes ran out of memory")
                .hasCauseInstanceOf(OutOfMemoryError.class)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }

    @Test
    void otherFailuresPassThroughUnchanged() {
        CodecException bad = new CodecException("BAD_FIELD", "x");
        assertThatThrownBy(
                        () ->
                                DecodeGuard.decode(
                                        p -> {
                                            throw bad;
                                        },
                                        PAYLOAD))
                .isSameAs(bad);
        AssertionError bug = new AssertionError("a bug, not a payload");
        assertThatThrownBy(
                        () ->
                                DecodeGuard.decode(
                                        p -> {
                                            throw bug;
                                        },
                                        PAYLOAD))
                .isSameAs(bug);
        assertThat(DecodeGuard.<Integer>decode(p -> p.length, PAYLOAD)).isEqualTo(3);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
