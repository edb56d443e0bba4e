package io.vectorstream.bench.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.avro.Schema;

/**
 * Length-field and count inflation of Avro single-object payloads: walks the binary body after the
 * 10-byte header with the writer schema, finds every varint (string and bytes lengths, map and
 * array block counts, union and enum indexes, ints and longs), and replaces one with a huge or
 * negative zig-zag varint, so the decoder is told a string is 2 GiB long or a map has 2^31 - 1
 * entries while the payload stays small.
 */
final class AvroVarints {

    /** Single-object encoding: {@code C3 01} and the 8-byte schema fingerprint. */
    static final int HEADER_BYTES = 10;

    /** What a varint means to the decoder. */
    enum Kind {
        LENGTH,
        COUNT,
        INDEX,
        NUMBER
    }

    /** One varint of a payload: where it is, how long, what it encodes and which field it is. */
    record Site(int offset, int length, Kind kind, long value, String field) {}

    /** 2^31 - 1, just under the JVM's array limit, 2^30, 2^40, 2^62, Long.MAX and negatives. */
    private static final long[] HUGE = {
        Integer.MAX_VALUE,
        Integer.MAX_VALUE - 8L,
        1L << 30,
        1L << 31,
        1L << 40,
        1L << 62,
        Long.MAX_VALUE,
        -1,
        -2,
        Integer.MIN_VALUE,
        Long.MIN_VALUE
    };

    private AvroVarints() {}

    /**
     * Replaces one varint of {@code payload} (lengths and counts preferred) by a huge or negative
     * value; falls back to a varint at a random offset when the walk finds none.
     */
    static Mutation inflate(Schema schema, byte[] payload, SplittableRandom rnd) {
        List<Site> sites = sites(schema, payload);
        if (sites.isEmpty()) {
            int at = HEADER_BYTES + rnd.nextInt(Math.max(1, payload.length - HEADER_BYTES));
            sites = List.of(new Site(Math.min(at, payload.length), 0, Kind.NUMBER, 0, "?"));
        }
        List<Site> preferred = new ArrayList<>();
        for (Site s : sites) {
            if (s.kind() == Kind.LENGTH || s.kind() == Kind.COUNT) {
                preferred.add(s);
            }
        }
        List<Site> pool = !preferred.isEmpty() && rnd.nextInt(10) < 7 ? preferred : sites;
        Site site = pool.get(rnd.nextInt(pool.size()));
        long value =
                switch (rnd.nextInt(4)) {
                    case 0 -> site.value() + 1 + rnd.nextInt(1_000);
                    case 1 -> site.value() * 1_000 + 1;
                    default -> HUGE[rnd.nextInt(HUGE.length)];
                };
        return new Mutation(
                site.kind().name().toLowerCase(java.util.Locale.ROOT)
                        + " of "
                        + site.field()
                        + " at byte "
                        + site.offset()
                        + ": "
                        + site.value()
                        + " -> "
                        + value,
                replace(payload, site, value));
    }

    /** Every varint the walk of the body reaches; those before a decoding problem if any. */
    static List<Site> sites(Schema schema, byte[] payload) {
        Walk w = new Walk(payload);
        try {
            w.value(schema, schema.getName());
        } catch (IndexOutOfBoundsException | IllegalStateException e) {
            // A payload that is already broken: keep the sites found so far.
        }
        return w.sites;
    }

    static byte[] replace(byte[] payload, Site site, long value) {
        byte[] varint = zigZagVarint(value);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + varint.length);
        out.write(payload, 0, site.offset());
        out.write(varint, 0, varint.length);
        int rest = site.offset() + site.length();
        out.write(payload, rest, payload.length - rest);
        return out.toByteArray();
    }

    static byte[] zigZagVarint(long n) {
        long z = (n << 1) ^ (n >> 63);
        ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        while ((z & ~0x7FL) != 0) {
            out.write((int) ((z & 0x7F) | 0x80));
            z >>>= 7;
        }
        out.write((int) z);
        return out.toByteArray();
    }

    /** A cursor over the Avro binary encoding, recording each varint it reads. */
    private static final class Walk {
        private final byte[] b;
        private final List<Site> sites = new ArrayList<>();
        private int pos = HEADER_BYTES;

        Walk(byte[] b) {
            this.b = b;
        }

        void value(Schema s, String field) {
            switch (s.getType()) {
                case NULL -> {}
                case BOOLEAN -> skip(1);
                case INT, LONG -> varint(Kind.NUMBER, field);
                case FLOAT -> skip(4);
                case DOUBLE -> skip(8);
                case STRING, BYTES -> skip(checkedLength(varint(Kind.LENGTH, field)));
                case FIXED -> skip(s.getFixedSize());
                case ENUM -> varint(Kind.INDEX, field);
                case UNION -> {
                    long branch = varint(Kind.INDEX, field);
                    if (branch < 0 || branch >= s.getTypes().size()) {
                        throw new IllegalStateException("bad union branch");
                    }
                    value(s.getTypes().get((int) branch), field);
                }
                case RECORD -> {
                    for (Schema.Field f : s.getFields()) {
                        value(f.schema(), f.name());
                    }
                }
                case ARRAY, MAP -> {
                    while (true) {
                        long count = varint(Kind.COUNT, field);
                        if (count == 0) {
                            break;
                        }
                        if (count < 0) {
                            count = -count;
                            varint(Kind.LENGTH, field + " block");
                        }
                        for (long i = 0; i < count; i++) {
                            if (s.getType() == Schema.Type.MAP) {
                                skip(checkedLength(varint(Kind.LENGTH, field + " key")));
                            }
                            value(
                                    s.getType() == Schema.Type.MAP
                                            ? s.getValueType()
                                            : s.getElementType(),
                                    field + " value");
                        }
                    }
                }
            }
        }

        private long varint(Kind kind, String field) {
            int start = pos;
            long z = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift > 63) {
                    throw new IllegalStateException("varint too long");
                }
                int x = b[pos++] & 0xFF;
                z |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    break;
                }
            }
            long value = (z >>> 1) ^ -(z & 1);
            sites.add(new Site(start, pos - start, kind, value, field));
            return value;
        }

        private int checkedLength(long n) {
            if (n < 0 || n > b.length - pos) {
                throw new IllegalStateException("length beyond the payload");
            }
            return (int) n;
        }

        private void skip(int n) {
            if (n > b.length - pos) {
                throw new IndexOutOfBoundsException("skip beyond the payload");
            }
            pos += n;
        }
    }
}
