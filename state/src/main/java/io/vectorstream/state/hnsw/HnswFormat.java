package io.vectorstream.state.hnsw;

import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.vector.Metric;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The binary format of an {@link HnswIndex}, version 1. Big-endian throughout:
 *
 * <pre>
 * int     magic 0x484E5357 ("HNSW")
 * int     version (1)
 * int     dimension
 * byte    metric: 1 cosine, 2 dot, 3 euclidean
 * int     M
 * int     efConstruction
 * long    seed (levels of later adds continue its stream)
 * int     size (nodes, deleted ones included)
 * int     live count
 * int     entry point (-1 when empty)
 * int     max level (-1 when empty)
 * float   vectors[size * dimension]       node-major
 * byte    levels[size]
 * per layer l = 0 .. max level, over the nodes whose level is at least l in ordinal order:
 *   int   counts[nodes on l]
 *   int   total (sum of the counts)
 *   int   neighbours[total]               each node's list in turn
 * long    tombstone words[ceil(size / 64)] bit n of word n/64 set when node n is deleted
 * int     CRC32C of every byte above
 * </pre>
 *
 * <p>Reading fills the arrays the index searches directly, without rebuilding anything, and
 * consumes exactly the index's bytes, so an index may sit inside a larger stream. Every count and
 * id is checked as it is read, so bad input fails with a {@link CorruptIndexException} naming the
 * problem; arrays grow with the data actually present, so a corrupt length cannot trigger a huge
 * allocation before the input runs out.
 */
final class HnswFormat {

    static final int MAGIC = 0x484E5357;
    static final int VERSION = 1;

    /** Bytes before the vectors. */
    static final int HEADER_BYTES = 4 + 4 + 4 + 1 + 4 + 4 + 8 + 4 + 4 + 4 + 4;

    private static final int CHUNK_BYTES = 1 << 16;

    private HnswFormat() {}

    static void write(HnswIndex index, OutputStream out) throws IOException {
        VectorStore vectors = index.vectorStore();
        HnswGraph graph = index.graph();
        int size = graph.size();
        int dim = index.dimension();
        BufferedOutputStream buffered = new BufferedOutputStream(out, CHUNK_BYTES);
        CRC32C crc = new CRC32C();
        DataOutputStream data = new DataOutputStream(new CheckedOutputStream(buffered, crc));
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(dim);
        data.writeByte(metricCode(index.metric()));
        data.writeInt(index.m());
        data.writeInt(index.efConstruction());
        data.writeLong(index.seed());
        data.writeInt(size);
        data.writeInt(index.liveCount());
        data.writeInt(graph.entryPoint());
        data.writeInt(graph.maxLevel());
        byte[] chunk = new byte[CHUNK_BYTES];
        writeFloats(data, vectors.data(), size * dim, chunk);
        data.write(graph.levels(), 0, size);
        int[] counts = new int[0];
        int[] flat = new int[0];
        for (int level = 0; level <= graph.maxLevel(); level++) {
            NeighborLayer layer = graph.layer(level);
            int[] links = layer.links();
            int nodes = layer.size();
            int stride = layer.maxConn() + 1;
            counts = counts.length < nodes ? new int[nodes] : counts;
            int total = 0;
            for (int slot = 0; slot < nodes; slot++) {
                counts[slot] = links[slot * stride];
                total += counts[slot];
            }
            flat = flat.length < total ? new int[total] : flat;
            for (int slot = 0, at = 0; slot < nodes; slot++) {
                System.arraycopy(links, slot * stride + 1, flat, at, counts[slot]);
                at += counts[slot];
            }
            writeInts(data, counts, nodes, chunk);
            data.writeInt(total);
            writeInts(data, flat, total, chunk);
        }
        long[] words = Arrays.copyOf(index.deleted().toLongArray(), (size + 63) >>> 6);
        for (long word : words) {
            data.writeLong(word);
        }
        data.flush();
        new DataOutputStream(buffered).writeInt((int) crc.getValue());
        buffered.flush();
    }

    static HnswIndex read(InputStream in) throws IOException {
        CRC32C crc = new CRC32C();
        DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
        try {
            int magic = data.readInt();
            if (magic != MAGIC) {
                throw corrupt(
                        "bad magic 0x"
                                + Integer.toHexString(magic)
                                + ", this is not an HNSW index");
            }
            int version = data.readInt();
            if (version != VERSION) {
                throw corrupt(
                        "unknown version " + version + "; this reader knows version " + VERSION);
            }
            int dim = data.readInt();
            check(dim >= 1, "dimension " + dim + " is not positive");
            Metric metric = metricOf(data.readByte());
            int m = data.readInt();
            check(m >= 2 && m <= HnswIndex.Builder.MAX_M, "M " + m + " is out of range");
            int efConstruction = data.readInt();
            check(efConstruction >= 1, "efConstruction " + efConstruction + " is not positive");
            long seed = data.readLong();
            int size = data.readInt();
            check(size >= 0, "size " + size + " is negative");
            check((long) size * dim <= Integer.MAX_VALUE - 8, "size " + size + " is too large");
            int liveCount = data.readInt();
            check(
                    liveCount >= 0 && liveCount <= size,
                    "live count " + liveCount + " is out of range");
            int entryPoint = data.readInt();
            int maxLevel = data.readInt();
            if (size == 0) {
                check(entryPoint == -1 && maxLevel == -1, "an empty index has an entry point");
            } else {
                check(
                        entryPoint >= 0 && entryPoint < size,
                        "entry point " + entryPoint + " is out of range");
                check(
                        maxLevel >= 0 && maxLevel <= HnswGraph.MAX_LEVEL,
                        "max level " + maxLevel + " is out of range");
            }
            byte[] chunk = new byte[CHUNK_BYTES];
            float[] vectors = readFloats(data, size * dim, chunk);
            byte[] levels = readBytes(data, size);
            int[] layerSizes = layerSizes(levels, size, maxLevel, entryPoint);
            NeighborLayer[] layers = new NeighborLayer[Math.max(maxLevel + 1, 1)];
            for (int level = 0; level <= maxLevel; level++) {
                layers[level] = readLayer(data, chunk, level, m, levels, size, layerSizes[level]);
            }
            if (maxLevel < 0) {
                layers[0] = NeighborLayer.of(2 * m, null, new int[0], 0);
            }
            long[] words = readLongs(data, (size + 63) >>> 6, chunk);
            BitSet deleted = BitSet.valueOf(words);
            check(deleted.length() <= size, "a tombstone lies beyond the last node");
            check(
                    size - deleted.cardinality() == liveCount,
                    "live count "
                            + liveCount
                            + " disagrees with "
                            + deleted.cardinality()
                            + " tombstones");
            int expected = (int) crc.getValue();
            int stored = new DataInputStream(in).readInt();
            if (stored != expected) {
                throw corrupt(
                        "checksum mismatch: stored "
                                + Integer.toHexString(stored)
                                + ", computed "
                                + Integer.toHexString(expected));
            }
            return new HnswIndex(
                    dim,
                    metric,
                    m,
                    efConstruction,
                    seed,
                    new VectorStore(dim, metric, vectors, size),
                    new HnswGraph(m, levels, size, layers, entryPoint, maxLevel),
                    deleted);
        } catch (EOFException e) {
            throw new CorruptIndexException("truncated HNSW index: the data ends early", e);
        }
    }

    /** Nodes per layer, checking that the levels agree with the max level and entry point. */
    private static int[] layerSizes(byte[] levels, int size, int maxLevel, int entryPoint)
            throws CorruptIndexException {
        int[] layerSizes = new int[Math.max(maxLevel + 1, 0)];
        int highest = -1;
        for (int node = 0; node < size; node++) {
            int level = levels[node];
            check(
                    level >= 0 && level <= maxLevel,
                    "level " + level + " of node " + node + " is out of range");
            highest = Math.max(highest, level);
            for (int l = 0; l <= level; l++) {
                layerSizes[l]++;
            }
        }
        if (size > 0) {
            check(
                    highest == maxLevel,
                    "max level " + maxLevel + " but the highest node level is " + highest);
            check(
                    levels[entryPoint] == maxLevel,
                    "entry point " + entryPoint + " is not on the top layer");
        }
        return layerSizes;
    }

    private static NeighborLayer readLayer(
            DataInputStream data,
            byte[] chunk,
            int level,
            int m,
            byte[] levels,
            int size,
            int layerSize)
            throws IOException {
        int maxConn = level == 0 ? 2 * m : m;
        int stride = maxConn + 1;
        check(
                (long) layerSize * stride <= Integer.MAX_VALUE - 8,
                "layer " + level + " has too many nodes for M " + m);
        int[] counts = readInts(data, layerSize, chunk);
        long sum = 0;
        for (int slot = 0; slot < layerSize; slot++) {
            check(
                    counts[slot] >= 0 && counts[slot] <= maxConn,
                    "layer "
                            + level
                            + " slot "
                            + slot
                            + " has "
                            + counts[slot]
                            + " neighbours, at most "
                            + maxConn
                            + " allowed");
            sum += counts[slot];
        }
        int total = data.readInt();
        check(
                total == sum,
                "layer " + level + " holds " + total + " neighbours but its counts sum to " + sum);
        int[] nodes = null;
        if (level > 0) {
            nodes = new int[layerSize];
            for (int node = 0, slot = 0; node < size; node++) {
                if (levels[node] >= level) {
                    nodes[slot++] = node;
                }
            }
        }
        int[] flat = readInts(data, total, chunk);
        int[] links = new int[layerSize * stride];
        for (int slot = 0, at = 0; slot < layerSize; slot++) {
            int node = nodes == null ? slot : nodes[slot];
            int base = slot * stride;
            links[base] = counts[slot];
            for (int i = 0; i < counts[slot]; i++) {
                int neighbour = flat[at++];
                check(
                        neighbour >= 0
                                && neighbour < size
                                && neighbour != node
                                && levels[neighbour] >= level,
                        "neighbour id "
                                + neighbour
                                + " of node "
                                + node
                                + " on layer "
                                + level
                                + " is out of range");
                links[base + 1 + i] = neighbour;
            }
        }
        return NeighborLayer.of(maxConn, nodes, links, layerSize);
    }

    private static int metricCode(Metric metric) {
        switch (metric) {
            case COSINE:
                return 1;
            case DOT:
                return 2;
            case EUCLIDEAN:
                return 3;
            default:
                throw new AssertionError(metric);
        }
    }

    private static Metric metricOf(byte code) throws CorruptIndexException {
        switch (code) {
            case 1:
                return Metric.COSINE;
            case 2:
                return Metric.DOT;
            case 3:
                return Metric.EUCLIDEAN;
            default:
                throw corrupt("unknown metric code " + code);
        }
    }

    private static void writeFloats(DataOutputStream out, float[] values, int count, byte[] chunk)
            throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        int perChunk = chunk.length / Float.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            buf.asFloatBuffer().put(values, done, n);
            out.write(chunk, 0, n * Float.BYTES);
            done += n;
        }
    }

    private static void writeInts(DataOutputStream out, int[] values, int count, byte[] chunk)
            throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        int perChunk = chunk.length / Integer.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            buf.asIntBuffer().put(values, done, n);
            out.write(chunk, 0, n * Integer.BYTES);
            done += n;
        }
    }

    // The readers grow their arrays with the data actually read, never trusting a count alone.

    private static float[] readFloats(DataInputStream in, int count, byte[] chunk)
            throws IOException {
        int perChunk = chunk.length / Float.BYTES;
        float[] out = new float[Math.min(count, perChunk)];
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            in.readFully(chunk, 0, n * Float.BYTES);
            if (done + n > out.length) {
                out =
                        Arrays.copyOf(
                                out, (int) Math.min(count, Math.max(done + n, 2L * out.length)));
            }
            ByteBuffer.wrap(chunk, 0, n * Float.BYTES).asFloatBuffer().get(out, done, n);
            done += n;
        }
        return out;
    }

    private static int[] readInts(DataInputStream in, int count, byte[] chunk) throws IOException {
        int perChunk = chunk.length / Integer.BYTES;
        int[] out = new int[Math.min(count, perChunk)];
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            in.readFully(chunk, 0, n * Integer.BYTES);
            if (done + n > out.length) {
                out =
                        Arrays.copyOf(
                                out, (int) Math.min(count, Math.max(done + n, 2L * out.length)));
            }
            ByteBuffer.wrap(chunk, 0, n * Integer.BYTES).asIntBuffer().get(out, done, n);
            done += n;
        }
        return out;
    }

    private static long[] readLongs(DataInputStream in, int count, byte[] chunk)
            throws IOException {
        int perChunk = chunk.length / Long.BYTES;
        long[] out = new long[Math.min(count, perChunk)];
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            in.readFully(chunk, 0, n * Long.BYTES);
            if (done + n > out.length) {
                out =
                        Arrays.copyOf(
                                out, (int) Math.min(count, Math.max(done + n, 2L * out.length)));
            }
            ByteBuffer.wrap(chunk, 0, n * Long.BYTES).asLongBuffer().get(out, done, n);
            done += n;
        }
        return out;
    }

    private static byte[] readBytes(DataInputStream in, int count) throws IOException {
        byte[] out = new byte[Math.min(count, CHUNK_BYTES)];
        for (int done = 0; done < count; ) {
            int n = Math.min(CHUNK_BYTES, count - done);
            if (done + n > out.length) {
                out =
                        Arrays.copyOf(
                                out, (int) Math.min(count, Math.max(done + n, 2L * out.length)));
            }
            in.readFully(out, done, n);
            done += n;
        }
        return out;
    }

    private static void check(boolean condition, String problem) throws CorruptIndexException {
        if (!condition) {
            throw corrupt(problem);
        }
    }

    private static CorruptIndexException corrupt(String problem) {
        return new CorruptIndexException("corrupt HNSW index: " + problem);
    }
}
