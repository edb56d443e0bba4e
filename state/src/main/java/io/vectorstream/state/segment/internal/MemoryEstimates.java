package io.vectorstream.state.segment.internal;

/**
 * Rough heap sizes of the JDK objects the segments hold, for a 64-bit JVM with compressed
 * references (12-byte object headers, 4-byte references, 8-byte alignment). Estimates for
 * monitoring and memory budgets, not exact accounting.
 */
public final class MemoryEstimates {

    private MemoryEstimates() {}

    /** A {@code String} with Latin-1 content: the object plus its {@code byte[]}. */
    public static long stringBytes(String s) {
        return 24 + align(16 + s.length());
    }

    /**
     * A {@code HashMap<String, Integer>} of {@code entries} entries, without the key strings: a
     * 32-byte node and a 16-byte {@code Integer} per entry, plus the table at load factor 0.75.
     */
    public static long hashMapBytes(int entries) {
        long table = Integer.highestOneBit(Math.max(1, (int) (entries / 0.75f)) * 2 - 1);
        return 48 + (long) entries * (32 + 16) + 16 + table * 4;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}
