package io.vectorstream.schema.codec.internal;

import io.vectorstream.schema.codec.CodecException;
import java.util.function.Function;

/**
 * The last line of defence of decoding: a {@link StackOverflowError} or {@link OutOfMemoryError}
 * thrown while decoding one payload becomes {@link CodecException} {@code UNDECODABLE}, so that one
 * bad record goes to the dead-letter topic instead of failing the task and, replayed after the
 * restart, failing it again forever. Stateless.
 *
 * <p>Catching these errors is only sound because the decoders are bounded first: {@link AvroBounds}
 * and the JSON parser's read constraints keep a payload's allocations to a small multiple of its
 * size and its nesting shallow, so one of these errors here means a payload found a gap in those
 * bounds. The failed allocation or the unwound stack is released by the time it is caught; the
 * catch allocates only the exception. Should the heap be exhausted by something else instead, one
 * record is wrongly dead-lettered and the next allocation elsewhere fails as before.
 */
public final class DecodeGuard {

    private DecodeGuard() {}

    /**
     * {@code decoder} applied to {@code payload}, with the errors above turned into UNDECODABLE.
     */
    public static <T> T decode(Function<byte[], T> decoder, byte[] payload) {
        try {
            return decoder.apply(payload);
        } catch (StackOverflowError e) {
            throw new CodecException(
                    "UNDECODABLE", "payload is nested too deeply to decode (stack overflow)", e);
        } catch (OutOfMemoryError e) {
            throw new CodecException(
                    "UNDECODABLE",
                    "decoding the payload of "
                            + (payload == null ? 0 : payload.length)
                            + " bytes ran out of memory",
                    e);
        }
    }
}
