package io.vectorstream.state.segment.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A sealed segment's ids by ordinal, and the ordinal of an id, in three flat arrays: the UTF-8
 * bytes of every id end to end, where each starts, and an open-addressing hash table of ordinals.
 * About {@code 12 + length} bytes per id, where a {@code String[]} and a {@code HashMap<String,
 * Integer>} took about {@code 110 + length}: at a million vectors a segment's ids were a larger
 * share of the heap than one-bit codes of its vectors. Immutable.
 */
public final class SegmentIds {

    private final byte[] utf8;
    private final int[] starts;

    /** Ordinal + 1 at the slot of its id's hash (linear probing); 0 for an empty slot. */
    private final int[] table;

    private SegmentIds(byte[] utf8, int[] starts, int[] table) {
        this.utf8 = utf8;
        this.starts = starts;
        this.table = table;
    }

    /**
     * The ids in ordinal order, or null if one repeats.
     *
     * @throws NullPointerException if an id is null
     */
    public static SegmentIds of(String[] ids) {
        byte[][] encoded = new byte[ids.length][];
        long total = 0;
        for (int i = 0; i < ids.length; i++) {
            encoded[i] = ids[i].getBytes(StandardCharsets.UTF_8);
            total += encoded[i].length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ids of one segment over 2 GiB");
        }
        byte[] utf8 = new byte[(int) total];
        int[] starts = new int[ids.length + 1];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(encoded[i], 0, utf8, starts[i], encoded[i].length);
            starts[i + 1] = starts[i] + encoded[i].length;
        }
        // Load factor at most 1/2: short probe runs for absent ids too.
        int[] table = new int[Integer.highestOneBit(Math.max(1, ids.length) * 4 - 1)];
        SegmentIds out = new SegmentIds(utf8, starts, table);
        for (int i = 0; i < ids.length; i++) {
            int slot = out.find(encoded[i]);
            if (table[slot] != 0) {
                return null;
            }
            table[slot] = i + 1;
        }
        return out;
    }

    public int size() {
        return starts.length - 1;
    }

    /** The id of {@code ordinal} (a new string each call). */
    public String get(int ordinal) {
        return new String(
                utf8,
                starts[ordinal],
                starts[ordinal + 1] - starts[ordinal],
                StandardCharsets.UTF_8);
    }

    /** The ordinal of {@code id}, or -1 if it is not here. */
    public int ordinalOf(String id) {
        int entry = table[find(id.getBytes(StandardCharsets.UTF_8))];
        return entry - 1;
    }

    /** Every id in ordinal order. */
    public String[] toArray() {
        String[] out = new String[size()];
        Arrays.setAll(out, this::get);
        return out;
    }

    /** Estimated heap bytes. */
    public long memoryBytes() {
        return 48 + 16 + utf8.length + 16 + 4L * starts.length + 16 + 4L * table.length;
    }

    /** The slot holding {@code id}, or the empty slot where it would go. */
    private int find(byte[] id) {
        int mask = table.length - 1;
        for (int slot = hash(id) & mask; ; slot = (slot + 1) & mask) {
            int entry = table[slot];
            if (entry == 0 || equalsAt(entry - 1, id)) {
                return slot;
            }
        }
    }

    private boolean equalsAt(int ordinal, byte[] id) {
        return Arrays.equals(utf8, starts[ordinal], starts[ordinal + 1], id, 0, id.length);
    }

    private static int hash(byte[] id) {
        int h = Arrays.hashCode(id);
        return h ^ (h >>> 16) ^ (h >>> 7);
    }
}
