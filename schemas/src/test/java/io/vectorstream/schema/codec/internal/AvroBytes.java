package io.vectorstream.schema.codec.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/** Hand-made Avro binary, byte by byte, for payloads no Avro encoder would write. */
public final class AvroBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private AvroBytes() {}

    /** An empty body, for {@link AvroBounds#check} from offset 0. */
    public static AvroBytes body() {
        return new AvroBytes();
    }

    /**
     * The single-object header naming {@code writer}: C3 01, then its fingerprint little-endian.
     */
    public static AvroBytes header(Schema writer) {
        AvroBytes b = new AvroBytes();
        b.out.write(0xC3);
        b.out.write(0x01);
        long fingerprint = SchemaNormalization.parsingFingerprint64(writer);
        for (int i = 0; i < 8; i++) {
            b.out.write((int) (fingerprint >>> (8 * i)) & 0xff);
        }
        return b;
    }

    /**
     * An int or long, zig-zag varint encoded: also a length, block count, union branch or enum
     * index.
     */
    public AvroBytes number(long v) {
        long zigzag = (v << 1) ^ (v >> 63);
        while ((zigzag & ~0x7fL) != 0) {
            out.write((int) ((zigzag & 0x7f) | 0x80));
            zigzag >>>= 7;
        }
        out.write((int) zigzag);
        return this;
    }

    /** A length-prefixed string. */
    public AvroBytes string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        number(utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    /** Bytes as they are, with no prefix. */
    public AvroBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }
}
