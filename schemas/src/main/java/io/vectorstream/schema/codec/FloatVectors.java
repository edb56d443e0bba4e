package io.vectorstream.schema.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts between {@code float[]} and the wire form of a vector: little-endian float32 bytes. */
public final class FloatVectors {

    private FloatVectors() {}

    /** Encodes a vector as a little-endian float32 buffer positioned at zero. */
    public static ByteBuffer toBytes(float[] vector) {
        ByteBuffer buf =
                ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(vector);
        return buf;
    }

    /**
     * Decodes the remaining bytes of {@code bytes} without moving its position.
     *
     * @throws CodecException if the length is not a multiple of four
     */
    public static float[] fromBytes(ByteBuffer bytes) {
        int n = bytes.remaining();
        if (n % Float.BYTES != 0) {
            throw new CodecException(
                    "BAD_VECTOR_BYTES",
                    "vector has "
                            + n
                            + " bytes, not a multiple of 4 (expected little-endian float32)");
        }
        float[] out = new float[n / Float.BYTES];
        bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
