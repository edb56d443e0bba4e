package io.vectorstream.bench.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Format-blind mutations of a payload's bytes: bit flips, byte replacement, truncation, extension
 * with garbage, insertion, splicing two payloads, and havoc (several stacked). Every method is a
 * pure function of its arguments and the random source, so a seeded run repeats exactly.
 */
final class ByteMutator {

    /** Values that often sit on a parser's edge: signs, varint continuation bits, JSON syntax. */
    private static final byte[] INTERESTING = {
        0x00,
        (byte) 0xFF,
        0x7F,
        (byte) 0x80,
        0x01,
        (byte) 0xC3,
        (byte) 0xFE,
        0x0A,
        '{',
        '}',
        '[',
        ']',
        '"',
        '\\',
        ',',
        ':',
        '-',
        '0',
        '9',
        'e'
    };

    private ByteMutator() {}

    static Mutation apply(MutationClass c, byte[] v, byte[] other, SplittableRandom rnd) {
        return switch (c) {
            case BIT_FLIP -> bitFlip(v, rnd);
            case BYTE_REPLACE -> replace(v, rnd);
            case TRUNCATE -> truncate(v, rnd);
            case EXTEND -> extend(v, rnd);
            case INSERT -> insert(v, rnd);
            case SPLICE -> splice(v, other, rnd);
            case HAVOC -> havoc(v, other, rnd);
            default -> throw new IllegalArgumentException(c + " is not a byte-level class");
        };
    }

    static Mutation bitFlip(byte[] v, SplittableRandom rnd) {
        byte[] out = v.clone();
        int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 1 : 8);
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < n && out.length > 0; i++) {
            int pos = rnd.nextInt(out.length);
            int bit = rnd.nextInt(8);
            out[pos] ^= (byte) (1 << bit);
            at.append(i == 0 ? "" : ",").append(pos).append('.').append(bit);
        }
        return new Mutation("flipped " + n + " bit(s) at byte.bit " + at, out);
    }

    static Mutation replace(byte[] v, SplittableRandom rnd) {
        byte[] out = v.clone();
        int n = 1 + rnd.nextInt(8);
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < n && out.length > 0; i++) {
            int pos = rnd.nextInt(out.length);
            out[pos] =
                    rnd.nextBoolean()
                            ? INTERESTING[rnd.nextInt(INTERESTING.length)]
                            : (byte) rnd.nextInt(256);
            at.append(i == 0 ? "" : ",").append(pos);
        }
        return new Mutation("replaced " + n + " byte(s) at " + at, out);
    }

    /** Cut anywhere, often at the Avro header's edges (0, 1, 2, 9, 10, 11 bytes kept). */
    static Mutation truncate(byte[] v, SplittableRandom rnd) {
        int[] edges = {0, 1, 2, 9, 10, 11};
        int keep =
                rnd.nextInt(4) == 0
                        ? edges[rnd.nextInt(edges.length)]
                        : rnd.nextInt(Math.max(1, v.length));
        keep = Math.min(keep, Math.max(0, v.length - 1));
        return new Mutation(
                "truncated " + v.length + " -> " + keep + " bytes", Arrays.copyOf(v, keep));
    }

    /** Garbage appended: random bytes, zeros, a repeat of the payload, or whitespace. */
    static Mutation extend(byte[] v, SplittableRandom rnd) {
        int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 65_536 : 4_096);
        byte[] tail = new byte[n];
        String what;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                rnd.nextBytes(tail);
                what = "random bytes";
            }
            case 1 -> what = "zero bytes";
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    tail[i] = v.length == 0 ? 0 : v[i % v.length];
                }
                what = "bytes repeating the payload";
            }
            default -> {
                Arrays.fill(tail, (byte) ' ');
                what = "spaces";
            }
        }
        return new Mutation("appended " + n + " " + what, concat(v, tail));
    }

    static Mutation insert(byte[] v, SplittableRandom rnd) {
        int pos = rnd.nextInt(v.length + 1);
        byte[] mid = new byte[1 + rnd.nextInt(256)];
        rnd.nextBytes(mid);
        byte[] out = new byte[v.length + mid.length];
        System.arraycopy(v, 0, out, 0, pos);
        System.arraycopy(mid, 0, out, pos, mid.length);
        System.arraycopy(v, pos, out, pos + mid.length, v.length - pos);
        return new Mutation("inserted " + mid.length + " random bytes at " + pos, out);
    }

    /** The first bytes of {@code v} and the last of {@code other}. */
    static Mutation splice(byte[] v, byte[] other, SplittableRandom rnd) {
        int head = rnd.nextInt(v.length + 1);
        int from = rnd.nextInt(other.length + 1);
        byte[] out = new byte[head + other.length - from];
        System.arraycopy(v, 0, out, 0, head);
        System.arraycopy(other, from, out, head, other.length - from);
        return new Mutation(
                "spliced bytes [0," + head + ") with another payload's bytes from " + from, out);
    }

    static Mutation havoc(byte[] v, byte[] other, SplittableRandom rnd) {
        int n = 2 + rnd.nextInt(5);
        StringBuilder what = new StringBuilder("havoc:");
        byte[] out = v;
        for (int i = 0; i < n; i++) {
            Mutation m =
                    switch (rnd.nextInt(6)) {
                        case 0 -> bitFlip(out, rnd);
                        case 1 -> replace(out, rnd);
                        case 2 -> out.length > 1 ? truncate(out, rnd) : insert(out, rnd);
                        case 3 -> insert(out, rnd);
                        case 4 -> splice(out, other, rnd);
                        default -> extend(out, rnd);
                    };
            out = m.value();
            what.append(i == 0 ? " " : "; ").append(m.description());
        }
        return new Mutation(what.toString(), out);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
