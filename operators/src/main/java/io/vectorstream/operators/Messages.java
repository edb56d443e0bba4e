package io.vectorstream.operators;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds the user-controlled text the job writes back: error messages quote inputs (a field name, a
 * value), and ids are echoed, so a huge input must not make a huge output.
 */
public final class Messages {

    /** Longest error message or reason the job writes, in characters. */
    public static final int MAX_CHARS = 1000;

    private Messages() {}

    /** {@code message} cut to {@link #MAX_CHARS} characters, saying how much was cut. */
    public static String bounded(String message) {
        if (message == null || message.length() <= MAX_CHARS) {
            return message;
        }
        int cut = MAX_CHARS - 40;
        if (Character.isHighSurrogate(message.charAt(cut - 1))) {
            cut--;
        }
        return message.substring(0, cut) + "... (" + (message.length() - cut) + " more characters)";
    }

    /** The longest prefix of {@code s} whose UTF-8 form has at most {@code maxBytes} bytes. */
    public static String utf8Prefix(String s, int maxBytes) {
        if (s == null || s.length() * 3L <= maxBytes) {
            return s;
        }
        CharsetEncoder encoder =
                StandardCharsets.UTF_8
                        .newEncoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE);
        CharBuffer in = CharBuffer.wrap(s);
        // Encodes whole characters only, stopping when the next one would not fit.
        encoder.encode(in, ByteBuffer.allocate(maxBytes), true);
        return s.substring(0, in.position());
    }
}
