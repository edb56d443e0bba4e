package io.vectorstream.schema.codec.internal;

import io.vectorstream.schema.codec.CodecException;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Checks an Avro binary body against its writer schema before Avro decodes it, so that no claimed
 * size can make the decoder allocate more than the payload holds.
 *
 * <p>Avro's {@code BinaryDecoder} allocates a string or bytes value of the length the payload
 * claims before reading it, and sizes a list or map by the claimed block count; 20 bytes claiming a
 * 2 GB string are an {@link OutOfMemoryError}. This walk reads the same bytes the decoder will
 * read, in the same order, allocates nothing that grows with a claim, and rejects with {@link
 * CodecException} {@code UNDECODABLE}:
 *
 * <ol>
 *   <li>a string or bytes length that is negative or larger than the bytes after it;
 *   <li>an array or map block count larger than the bytes after it, so that a list or map is never
 *       sized beyond one slot per payload byte; a negative count (the spec's "count, then block
 *       size in bytes" form) whose byte size is negative, larger than the bytes after it, or not
 *       the size its items really take;
 *   <li>a union branch or enum symbol index outside the schema;
 *   <li>an {@code int} varint longer than 5 bytes or a {@code long} one longer than 10, and any
 *       value that runs past the end of the payload (fixed, float and double included);
 *   <li>schemas nested deeper than {@value #MAX_DEPTH} levels (only a recursive schema can).
 * </ol>
 *
 * <p>Bytes after the record are ignored, as Avro's decoder ignores them. Booleans are not checked
 * to be 0 or 1, again as Avro reads them. Not thread-safe; {@link #check} makes one instance per
 * payload.
 */
public final class AvroBounds {

    /** Deepest nesting of records, arrays, maps and unions walked; our schemas nest 4 levels. */
    public static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private final int end;
    private int pos;

    /** The record field names from the root to the value being read, for messages. */
    private final String[] path = new String[MAX_DEPTH + 1];

    private int pathLength;

    private AvroBounds(byte[] buf, int from) {
        this.buf = buf;
        this.pos = from;
        this.end = buf.length;
    }

    /**
     * Checks the Avro binary body that starts at {@code from} in {@code payload}.
     *
     * @throws CodecException {@code UNDECODABLE}, naming the field and what it claims, if decoding
     *     the body with {@code writer} could read a size the payload does not hold
     */
    public static void check(Schema writer, byte[] payload, int from) {
        if (from < 0 || from > payload.length) {
            throw new IllegalArgumentException(
                    "body offset " + from + " outside a payload of " + payload.length + " bytes");
        }
        new AvroBounds(payload, from).value(writer, 0);
    }

    private void value(Schema s, int depth) {
        if (depth > MAX_DEPTH) {
            throw corrupt("nests deeper than " + MAX_DEPTH + " levels");
        }
        switch (s.getType()) {
            case NULL:
                return;
            case BOOLEAN:
                skip(1, "a boolean");
                return;
            case INT:
                varint(5);
                return;
            case LONG:
                varint(10);
                return;
            case FLOAT:
                skip(4, "a float");
                return;
            case DOUBLE:
                skip(8, "a double");
                return;
            case FIXED:
                skip(s.getFixedSize(), "a fixed");
                return;
            case STRING:
                lengthPrefixed("a string");
                return;
            case BYTES:
                lengthPrefixed("a bytes value");
                return;
            case ENUM:
                index(s.getEnumSymbols().size(), "enum symbol");
                return;
            case UNION:
                List<Schema> branches = s.getTypes();
                value(branches.get(index(branches.size(), "union branch")), depth + 1);
                return;
            case RECORD:
                List<Schema.Field> fields = s.getFields();
                for (int i = 0; i < fields.size(); i++) {
                    Schema.Field f = fields.get(i);
                    path[pathLength++] = f.name();
                    value(f.schema(), depth + 1);
                    pathLength--;
                }
                return;
            case ARRAY:
                blocks(s.getElementType(), false, depth + 1);
                return;
            case MAP:
                blocks(s.getValueType(), true, depth + 1);
                return;
        }
        throw new IllegalStateException("unknown Avro type " + s.getType());
    }

    /**
     * The blocks of an array or map: each a count, items, and a zero count at the end. A negative
     * count means {@code -count} items preceded by their size in bytes.
     */
    private void blocks(Schema item, boolean map, int depth) {
        String kind = map ? "a map block of " : "an array block of ";
        String unit = map ? " entries" : " items";
        for (long count = varint(10); count != 0; count = varint(10)) {
            long blockBytes = -1;
            if (count < 0) {
                blockBytes = varint(10);
                if (blockBytes < 0 || blockBytes > remaining()) {
                    throw corrupt(
                            "claims "
                                    + kind
                                    + blockBytes
                                    + " bytes but only "
                                    + remaining()
                                    + " bytes remain");
                }
                // -Long.MIN_VALUE overflows; a count that large is rejected just below anyway.
                count = count == Long.MIN_VALUE ? Long.MAX_VALUE : -count;
            }
            if (count > remaining()) {
                throw corrupt(
                        "claims "
                                + kind
                                + count
                                + unit
                                + " but only "
                                + remaining()
                                + " bytes remain");
            }
            int start = pos;
            for (long i = 0; i < count; i++) {
                if (map) {
                    lengthPrefixed("a map key");
                }
                value(item, depth);
            }
            // Avro skips a sized block by its size and reads it item by item; both must agree.
            if (blockBytes >= 0 && pos - start != blockBytes) {
                throw corrupt(
                        "claims "
                                + kind
                                + blockBytes
                                + " bytes but its "
                                + count
                                + unit
                                + " take "
                                + (pos - start));
            }
        }
    }

    private void lengthPrefixed(String what) {
        long length = varint(10);
        if (length < 0) {
            throw corrupt("claims " + what + " of negative length " + length);
        }
        if (length > remaining()) {
            throw corrupt(
                    "claims "
                            + what
                            + " of "
                            + length
                            + " bytes but only "
                            + remaining()
                            + " bytes remain");
        }
        pos += (int) length;
    }

    /** A union branch or enum symbol index, an Avro {@code int}, checked against {@code size}. */
    private int index(int size, String what) {
        long index = varint(5);
        if (index < 0 || index >= size) {
            throw corrupt("selects " + what + " " + index + " but there are " + size);
        }
        return (int) index;
    }

    /**
     * A zig-zag varint of at most {@code maxBytes} bytes (5 for an Avro {@code int}, 10 for a
     * {@code long}). An {@code int} is decoded as Avro does, keeping the low 32 bits.
     */
    private long varint(int maxBytes) {
        long raw = 0;
        for (int i = 0; i < maxBytes; i++) {
            if (pos >= end) {
                throw corrupt("runs past the end of the payload (" + end + " bytes)");
            }
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (maxBytes == 5) {
                    int n = (int) raw;
                    return (n >>> 1) ^ -(n & 1);
                }
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw corrupt("has a varint longer than " + maxBytes + " bytes");
    }

    private void skip(int bytes, String what) {
        if (bytes > remaining()) {
            throw corrupt(
                    "needs "
                            + bytes
                            + " bytes for "
                            + what
                            + " but only "
                            + remaining()
                            + " bytes remain");
        }
        pos += bytes;
    }

    private int remaining() {
        return end - pos;
    }

    private CodecException corrupt(String problem) {
        String where =
                pathLength == 0
                        ? "the record"
                        : "field '" + String.join(".", Arrays.copyOf(path, pathLength)) + "'";
        return new CodecException("UNDECODABLE", "corrupt Avro payload: " + where + " " + problem);
    }
}
