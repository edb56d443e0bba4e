package io.vectorstream.state.record;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One stored vector with its attributes, and its binary form (the value kept per id in state).
 *
 * <p>Format, little-endian: magic {@code 0x5653} ("VS"), version byte 1, int dim, dim float32, int
 * metadata count, then per entry a key and a value string, then a text-present byte and the text. A
 * string is an int byte length and UTF-8 bytes. Reading checks every length against the remaining
 * bytes, so corrupt input fails with {@link IllegalArgumentException}, never a huge allocation.
 *
 * @param vector the (already metric-prepared) vector
 * @param metadata string attributes, returned with hits
 * @param text optional source text, or null
 */
public record StoredVector(float[] vector, Map<String, String> metadata, String text) {

    private static final short MAGIC = 0x5653;
    private static final byte VERSION = 1;

    public StoredVector {
        Objects.requireNonNull(vector, "vector");
        metadata =
                metadata == null
                        ? Map.of()
                        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public byte[] toBytes() {
        byte[][] strings = new byte[metadata.size() * 2 + 1][];
        int i = 0;
        int size = 2 + 1 + 4 + vector.length * Float.BYTES + 4 + 1;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            strings[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            strings[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
            size += 8 + strings[i].length + strings[i + 1].length;
            i += 2;
        }
        if (text != null) {
            strings[i] = text.getBytes(StandardCharsets.UTF_8);
            size += 4 + strings[i].length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        buf.putShort(MAGIC).put(VERSION).putInt(vector.length);
        for (float f : vector) {
            buf.putFloat(f);
        }
        buf.putInt(metadata.size());
        for (int j = 0; j < metadata.size() * 2; j++) {
            buf.putInt(strings[j].length).put(strings[j]);
        }
        buf.put((byte) (text == null ? 0 : 1));
        if (text != null) {
            buf.putInt(strings[i].length).put(strings[i]);
        }
        return buf.array();
    }

    public static StoredVector fromBytes(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            float[] vector = readVector(buf);
            int entries = length(buf, 8);
            Map<String, String> metadata = new LinkedHashMap<>();
            for (int i = 0; i < entries; i++) {
                metadata.put(string(buf), string(buf));
            }
            String text = buf.get() == 0 ? null : string(buf);
            if (buf.hasRemaining()) {
                throw new IllegalArgumentException(
                        buf.remaining() + " trailing bytes after stored vector");
            }
            return new StoredVector(vector, metadata, text);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated stored vector", e);
        }
    }

    /**
     * Only the vector of {@link #toBytes} bytes, without decoding metadata and text: what a rerank
     * needs, at the cost of reading the header and the floats.
     */
    public static float[] vectorOf(byte[] bytes) {
        try {
            return readVector(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated stored vector", e);
        }
    }

    /** Reads magic, version and the vector, leaving {@code buf} at the metadata count. */
    private static float[] readVector(ByteBuffer buf) {
        if (buf.getShort() != MAGIC) {
            throw new IllegalArgumentException("not a stored vector: bad magic");
        }
        byte version = buf.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("unsupported stored vector version " + version);
        }
        float[] vector = new float[length(buf, Float.BYTES)];
        buf.asFloatBuffer().get(vector);
        buf.position(buf.position() + vector.length * Float.BYTES);
        return vector;
    }

    private static int length(ByteBuffer buf, int unitBytes) {
        int n = buf.getInt();
        if (n < 0 || (long) n * unitBytes > buf.remaining()) {
            throw new IllegalArgumentException(
                    "corrupt stored vector: length " + n + " exceeds the data");
        }
        return n;
    }

    private static String string(ByteBuffer buf) {
        int n = length(buf, 1);
        String s =
                new String(
                        buf.array(), buf.arrayOffset() + buf.position(), n, StandardCharsets.UTF_8);
        buf.position(buf.position() + n);
        return s;
    }
}
