package io.vectorstream.state.filter;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The metadata of a fixed set of vectors (ordinals {@code 0..size-1}), stored by column so that a
 * {@link Filter} is evaluated for all of them at once ({@link #select}) without touching a map per
 * vector. Immutable and thread-safe.
 *
 * <p>Per key (sorted): a dictionary of its distinct values (each string held once), each value's
 * number for range filters (NaN if it is not one), and the vectors that have the key as ascending
 * ordinals with their value codes. Sparse, so a key few vectors have costs little; a filter term
 * costs one pass over its key's entries.
 */
public final class Attributes {

    /** Longest key or value accepted on read; stops a corrupt length early. */
    static final int MAX_STRING_BYTES = 1 << 24;

    private final int size;
    private final String[] keys;
    private final Column[] columns;
    private final Map<String, Column> byKey;

    private Attributes(int size, String[] keys, Column[] columns) {
        this.size = size;
        this.keys = keys;
        this.columns = columns;
        this.byKey = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            byKey.put(keys[i], columns[i]);
        }
    }

    /** No vector has metadata. */
    public static Attributes none(int size) {
        return new Attributes(size, new String[0], new Column[0]);
    }

    /** The columns of {@code rows}: row i is the metadata of ordinal i (null or empty for none). */
    public static Attributes of(List<Map<String, String>> rows) {
        int size = rows.size();
        TreeMap<String, ColumnBuilder> builders = new TreeMap<>();
        for (int ordinal = 0; ordinal < size; ordinal++) {
            Map<String, String> row = rows.get(ordinal);
            if (row == null) {
                continue;
            }
            for (Map.Entry<String, String> e : row.entrySet()) {
                builders.computeIfAbsent(e.getKey(), k -> new ColumnBuilder())
                        .add(ordinal, e.getValue());
            }
        }
        String[] keys = builders.keySet().toArray(new String[0]);
        Column[] columns = new Column[keys.length];
        for (int i = 0; i < keys.length; i++) {
            columns[i] = builders.get(keys[i]).build();
        }
        return new Attributes(size, keys, columns);
    }

    /** Number of vectors. */
    public int size() {
        return size;
    }

    /** The metadata of {@code ordinal}, as a new unmodifiable map. */
    public Map<String, String> row(int ordinal) {
        if (ordinal < 0 || ordinal >= size) {
            throw new IndexOutOfBoundsException("ordinal " + ordinal + " of " + size);
        }
        Map<String, String> row = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            Column c = columns[i];
            int at = Arrays.binarySearch(c.ordinals, ordinal);
            if (at >= 0) {
                row.put(keys[i], c.dictionary[c.codes[at]]);
            }
        }
        return Map.copyOf(row);
    }

    /**
     * The metadata of every ordinal, as unmodifiable maps: one pass over the columns, where {@link
     * #row} per ordinal would search every key's column for each.
     */
    public List<Map<String, String>> rows() {
        List<Map<String, String>> rows = new ArrayList<>(size);
        @SuppressWarnings("unchecked")
        Map<String, String>[] maps = new Map[size];
        for (int i = 0; i < keys.length; i++) {
            Column c = columns[i];
            for (int e = 0; e < c.ordinals.length; e++) {
                int ordinal = c.ordinals[e];
                if (maps[ordinal] == null) {
                    maps[ordinal] = new HashMap<>();
                }
                maps[ordinal].put(keys[i], c.dictionary[c.codes[e]]);
            }
        }
        for (Map<String, String> m : maps) {
            rows.add(m == null ? Map.of() : Map.copyOf(m));
        }
        return rows;
    }

    /** The ordinals whose metadata {@code filter} matches: exactly those {@link Filter#matches}. */
    public BitSet select(Filter filter) {
        if (filter instanceof Filter.Eq eq) {
            Column c = byKey.get(eq.field());
            Integer code = c == null ? null : c.codeOf.get(eq.value());
            return code == null ? new BitSet() : c.withCode(code);
        }
        if (filter instanceof Filter.In in) {
            Column c = byKey.get(in.field());
            if (c == null) {
                return new BitSet();
            }
            boolean[] wanted = new boolean[c.dictionary.length];
            for (String v : in.values()) {
                Integer code = c.codeOf.get(v);
                if (code != null) {
                    wanted[code] = true;
                }
            }
            return c.withCodes(wanted);
        }
        if (filter instanceof Filter.Range range) {
            Column c = byKey.get(range.field());
            if (c == null) {
                return new BitSet();
            }
            boolean[] wanted = new boolean[c.dictionary.length];
            for (int code = 0; code < wanted.length; code++) {
                wanted[code] = range.test(c.numbers[code]);
            }
            return c.withCodes(wanted);
        }
        if (filter instanceof Filter.Exists exists) {
            Column c = byKey.get(exists.field());
            BitSet bits = new BitSet(size);
            if (c != null) {
                for (int ordinal : c.ordinals) {
                    bits.set(ordinal);
                }
            }
            return bits;
        }
        if (filter instanceof Filter.And and) {
            BitSet bits = select(and.children().get(0));
            for (int i = 1; i < and.children().size() && !bits.isEmpty(); i++) {
                bits.and(select(and.children().get(i)));
            }
            return bits;
        }
        if (filter instanceof Filter.Or or) {
            BitSet bits = new BitSet(size);
            for (Filter child : or.children()) {
                bits.or(select(child));
            }
            return bits;
        }
        BitSet bits = select(((Filter.Not) filter).child());
        bits.flip(0, size);
        return bits;
    }

    /** Estimated heap bytes. */
    public long memoryBytes() {
        long bytes = 32 + keys.length * 64L;
        for (int i = 0; i < keys.length; i++) {
            Column c = columns[i];
            // ordinals, codes and postings per entry; numbers and posting starts per code
            bytes += stringBytes(keys[i]) + 12L * c.ordinals.length + 12L * c.dictionary.length;
            for (String v : c.dictionary) {
                bytes += stringBytes(v) + 48; // the string and its dictionary map entry
            }
        }
        return bytes;
    }

    /**
     * Writes the columns:
     *
     * <pre>
     *   int keys
     *   per key, ascending: string key; int values; values times string value (distinct);
     *                       int entries; entries times (int ordinal ascending, int code)
     * </pre>
     *
     * with each string as int length and UTF-8 bytes. The same attributes give the same bytes.
     */
    public void write(DataOutput out) throws IOException {
        out.writeInt(keys.length);
        for (int i = 0; i < keys.length; i++) {
            Column c = columns[i];
            writeString(out, keys[i]);
            out.writeInt(c.dictionary.length);
            for (String v : c.dictionary) {
                writeString(out, v);
            }
            out.writeInt(c.ordinals.length);
            for (int e = 0; e < c.ordinals.length; e++) {
                out.writeInt(c.ordinals[e]);
                out.writeInt(c.codes[e]);
            }
        }
    }

    /**
     * Reads what {@link #write} wrote for {@code size} vectors, checking every count against the
     * data actually present and every ordinal, code and ordering.
     *
     * @throws CorruptIndexException if the data is inconsistent
     * @throws java.io.EOFException if it ends early
     */
    public static Attributes read(DataInput in, int size) throws IOException {
        int keyCount = in.readInt();
        if (keyCount < 0) {
            throw new CorruptIndexException("corrupt attributes: " + keyCount + " keys");
        }
        List<String> keys = new ArrayList<>();
        List<Column> columns = new ArrayList<>();
        for (int k = 0; k < keyCount; k++) {
            String key = readString(in);
            if (!keys.isEmpty() && keys.get(keys.size() - 1).compareTo(key) >= 0) {
                throw new CorruptIndexException(
                        "corrupt attributes: key " + key + " is out of order");
            }
            int values = in.readInt();
            if (values < 0) {
                throw new CorruptIndexException(
                        "corrupt attributes: key " + key + " claims " + values + " values");
            }
            List<String> dictionary = new ArrayList<>(Math.min(values, 1024));
            for (int v = 0; v < values; v++) {
                dictionary.add(readString(in));
            }
            int entries = in.readInt();
            if (entries < 0 || entries > size) {
                throw new CorruptIndexException(
                        "corrupt attributes: key "
                                + key
                                + " claims "
                                + entries
                                + " entries for "
                                + size
                                + " vectors");
            }
            int[] ordinals = new int[entries];
            int[] codes = new int[entries];
            for (int e = 0; e < entries; e++) {
                ordinals[e] = in.readInt();
                codes[e] = in.readInt();
                if (ordinals[e] < 0
                        || ordinals[e] >= size
                        || (e > 0 && ordinals[e] <= ordinals[e - 1])
                        || codes[e] < 0
                        || codes[e] >= values) {
                    throw new CorruptIndexException(
                            "corrupt attributes: key " + key + ", entry " + e + " is invalid");
                }
            }
            Column column = new Column(dictionary.toArray(new String[0]), ordinals, codes);
            if (column.codeOf.size() != values) {
                throw new CorruptIndexException(
                        "corrupt attributes: key " + key + " repeats a value");
            }
            keys.add(key);
            columns.add(column);
        }
        return new Attributes(size, keys.toArray(new String[0]), columns.toArray(new Column[0]));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Attributes a) || a.size != size || !Arrays.equals(a.keys, keys)) {
            return false;
        }
        for (int i = 0; i < keys.length; i++) {
            if (!columns[i].sameAs(a.columns[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(keys);
    }

    @Override
    public String toString() {
        return "Attributes(" + size + " vectors, keys " + Arrays.toString(keys) + ")";
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new CorruptIndexException(
                    "corrupt attributes: a string claims " + length + " bytes");
        }
        // Read in slices so a corrupt length cannot allocate more than the data holds.
        byte[] utf8 = new byte[Math.min(length, 1 << 16)];
        int filled = 0;
        while (filled < length) {
            if (filled == utf8.length) {
                utf8 = Arrays.copyOf(utf8, Math.min(length, utf8.length * 2));
            }
            int n = Math.min(utf8.length - filled, length - filled);
            in.readFully(utf8, filled, n);
            filled += n;
        }
        return new String(utf8, 0, length, StandardCharsets.UTF_8);
    }

    private static long stringBytes(String s) {
        return 40 + s.length();
    }

    /** One key's values: dictionary, numbers, and (ordinal, code) entries by ordinal. */
    private static final class Column {
        final String[] dictionary;
        final double[] numbers;
        final Map<String, Integer> codeOf;
        final int[] ordinals;
        final int[] codes;
        final int[] postingStart;
        final int[] postings;

        Column(String[] dictionary, int[] ordinals, int[] codes) {
            this.dictionary = dictionary;
            this.ordinals = ordinals;
            this.codes = codes;
            this.numbers = new double[dictionary.length];
            this.codeOf = new HashMap<>((int) (dictionary.length / 0.75f) + 1);
            for (int code = 0; code < dictionary.length; code++) {
                numbers[code] = Numbers.parse(dictionary[code]);
                codeOf.put(dictionary[code], code);
            }
            // Posting lists (a counting sort of the entries by code), so a selective filter
            // touches only the ordinals of its codes instead of every entry.
            postingStart = new int[dictionary.length + 1];
            for (int code : codes) {
                postingStart[code + 1]++;
            }
            for (int code = 0; code < dictionary.length; code++) {
                postingStart[code + 1] += postingStart[code];
            }
            postings = new int[codes.length];
            int[] next = Arrays.copyOf(postingStart, dictionary.length);
            for (int e = 0; e < codes.length; e++) {
                postings[next[codes[e]]++] = ordinals[e];
            }
        }

        BitSet withCode(int code) {
            BitSet bits = new BitSet();
            for (int p = postingStart[code]; p < postingStart[code + 1]; p++) {
                bits.set(postings[p]);
            }
            return bits;
        }

        BitSet withCodes(boolean[] wanted) {
            BitSet bits = new BitSet();
            for (int code = 0; code < wanted.length; code++) {
                if (wanted[code]) {
                    for (int p = postingStart[code]; p < postingStart[code + 1]; p++) {
                        bits.set(postings[p]);
                    }
                }
            }
            return bits;
        }

        boolean sameAs(Column o) {
            return Arrays.equals(dictionary, o.dictionary)
                    && Arrays.equals(ordinals, o.ordinals)
                    && Arrays.equals(codes, o.codes);
        }
    }

    /** Collects one key's entries in ordinal order, interning values as it goes. */
    private static final class ColumnBuilder {
        final Map<String, Integer> codeOf = new HashMap<>();
        final List<String> dictionary = new ArrayList<>();
        int[] ordinals = new int[16];
        int[] codes = new int[16];
        int n;

        void add(int ordinal, String value) {
            if (value == null) {
                throw new IllegalArgumentException("metadata values must not be null");
            }
            Integer code = codeOf.get(value);
            if (code == null) {
                code = dictionary.size();
                codeOf.put(value, code);
                dictionary.add(value);
            }
            if (n == ordinals.length) {
                ordinals = Arrays.copyOf(ordinals, n * 2);
                codes = Arrays.copyOf(codes, n * 2);
            }
            ordinals[n] = ordinal;
            codes[n] = code;
            n++;
        }

        Column build() {
            return new Column(
                    dictionary.toArray(new String[0]),
                    Arrays.copyOf(ordinals, n),
                    Arrays.copyOf(codes, n));
        }
    }
}
