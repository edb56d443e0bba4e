package io.vectorstream.state.ivf;

import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.format.MetricCodes;
import io.vectorstream.state.ivf.internal.CoarseQuantizer;
import io.vectorstream.state.ivf.internal.InvertedLists;
import io.vectorstream.state.pq.ProductQuantizer;
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
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The binary format of an {@link IvfIndex}, version 1. Big-endian ({@link DataOutputStream}):
 *
 * <pre>
 *   int    magic 0x56534956 ("VSIV")
 *   int    version 1
 *   byte   metric: 0 cosine, 1 dot, 2 euclidean
 *   int    dim, int nlist, int pqM (0 = IVF-Flat), long seed, int trainIterations
 *   float  centroids[nlist * dim]
 *   float  codebooks[256 * dim]                      only when pqM > 0
 *   int    size (nodes ever added)
 *   float  vectors[size * dim]
 *   long   tombstones[(size + 63) / 64]              bit n set = node n deleted
 *   nlist times: int count, int nodes[count], byte codes[count * pqM]
 *   int    CRC32 of every byte above
 * </pre>
 *
 * <p>Reading checks every count against the header and the data actually present (arrays grow as
 * bytes arrive, so a corrupt length cannot cause a huge allocation), checks that every node is in
 * exactly one list, and verifies the checksum; any failure is a {@link CorruptIndexException}.
 * Reading restores the arrays as written and never re-trains or re-assigns.
 */
final class IvfFormat {

    static final int MAGIC = 0x56534956;
    static final int VERSION = 1;

    /** Bytes per bulk conversion between primitives and the stream. */
    private static final int CHUNK_BYTES = 1 << 16;

    private IvfFormat() {}

    static void write(IvfIndex index, OutputStream out) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32());
        DataOutputStream data =
                new DataOutputStream(new BufferedOutputStream(checked, CHUNK_BYTES));
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES);
        IvfParams params = index.params();
        int dim = index.dimension();
        int size = index.size();
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeByte(MetricCodes.code(index.metric()));
        data.writeInt(dim);
        data.writeInt(index.nlist());
        data.writeInt(params.pqM());
        data.writeLong(params.seed());
        data.writeInt(params.trainIterations());
        float[] centroids = index.quantizer().centroids();
        writeFloats(data, chunk, centroids, centroids.length);
        if (index.pq() != null) {
            float[] codebooks = index.pq().codebooks();
            writeFloats(data, chunk, codebooks, codebooks.length);
        }
        data.writeInt(size);
        writeFloats(data, chunk, index.vectorData(), size * dim);
        long[] deleted = index.deletedWords();
        for (int w = 0, words = (size + 63) >>> 6; w < words; w++) {
            data.writeLong(deleted[w]);
        }
        InvertedLists lists = index.lists();
        for (int l = 0; l < lists.nlist(); l++) {
            int count = lists.size(l);
            data.writeInt(count);
            writeInts(data, chunk, lists.nodes(l), count);
            data.write(lists.codes(l), 0, count * lists.codeSize());
        }
        data.flush();
        data.writeInt((int) checked.getChecksum().getValue());
        data.flush();
    }

    static IvfIndex read(InputStream in) throws IOException {
        CheckedInputStream checked = new CheckedInputStream(in, new CRC32());
        DataInputStream data = new DataInputStream(checked);
        try {
            return read(data, checked, in);
        } catch (EOFException e) {
            throw new CorruptIndexException("truncated IVF index: the data ends early", e);
        }
    }

    private static IvfIndex read(DataInputStream data, CheckedInputStream checked, InputStream in)
            throws IOException {
        byte[] chunk = new byte[CHUNK_BYTES];
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new CorruptIndexException(
                    String.format(
                            "not an IVF index: bad magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int version = data.readInt();
        if (version != VERSION) {
            throw new CorruptIndexException(
                    "unsupported IVF index version " + version + "; this reader knows " + VERSION);
        }
        Metric metric = MetricCodes.metric(data.readByte(), "corrupt IVF header");
        int dim = data.readInt();
        int nlist = data.readInt();
        int pqM = data.readInt();
        long seed = data.readLong();
        int trainIterations = data.readInt();
        if (dim < 1 || nlist < 1 || pqM < 0 || trainIterations < 0) {
            throw new CorruptIndexException(
                    "corrupt IVF header: dim="
                            + dim
                            + ", nlist="
                            + nlist
                            + ", pqM="
                            + pqM
                            + ", trainIterations="
                            + trainIterations);
        }
        if (pqM > 0 && dim % pqM != 0) {
            throw new CorruptIndexException(
                    "corrupt IVF header: dim " + dim + " is not divisible by pqM " + pqM);
        }
        long centroidCount = (long) nlist * dim;
        if (centroidCount > IvfIndex.MAX_ARRAY
                || (long) ProductQuantizer.CENTROIDS * dim > IvfIndex.MAX_ARRAY) {
            throw new CorruptIndexException(
                    "corrupt IVF header: nlist " + nlist + " x dim " + dim + " is too large");
        }
        IvfParams params = new IvfParams(nlist, pqM, seed, trainIterations);
        float[] centroids = readFloats(data, chunk, (int) centroidCount);
        CoarseQuantizer quantizer = new CoarseQuantizer(metric, dim, centroids);
        ProductQuantizer pq = null;
        if (pqM > 0) {
            pq =
                    new ProductQuantizer(
                            dim, pqM, readFloats(data, chunk, ProductQuantizer.CENTROIDS * dim));
        }
        int size = data.readInt();
        if (size < 0 || (long) size * dim > IvfIndex.MAX_ARRAY) {
            throw new CorruptIndexException("corrupt IVF index: node count " + size);
        }
        float[] vectors = readFloats(data, chunk, size * dim);
        if (vectors.length == 0) {
            vectors = new float[dim];
        }
        // From here on every count is bounded by the vectors actually read.
        int words = (size + 63) >>> 6;
        long[] deleted = new long[Math.max(1, words)];
        for (int w = 0; w < words; w++) {
            deleted[w] = data.readLong();
        }
        if ((size & 63) != 0 && (deleted[words - 1] >>> (size & 63)) != 0) {
            throw new CorruptIndexException("corrupt IVF index: tombstones beyond node " + size);
        }
        InvertedLists lists = new InvertedLists(nlist, pqM);
        long[] seen = new long[Math.max(1, words)];
        int listed = 0;
        for (int l = 0; l < nlist; l++) {
            int count = data.readInt();
            if (count < 0 || count > size - listed) {
                throw new CorruptIndexException(
                        "corrupt IVF index: list "
                                + l
                                + " claims "
                                + count
                                + " nodes but only "
                                + (size - listed)
                                + " of "
                                + size
                                + " are unlisted");
            }
            int[] nodes = readInts(data, chunk, count);
            for (int node : nodes) {
                if (node < 0 || node >= size) {
                    throw new CorruptIndexException(
                            "corrupt IVF index: list "
                                    + l
                                    + " holds node "
                                    + node
                                    + " outside [0, "
                                    + size
                                    + ")");
                }
                long bit = 1L << node;
                if ((seen[node >>> 6] & bit) != 0) {
                    throw new CorruptIndexException(
                            "corrupt IVF index: node " + node + " is in more than one list");
                }
                seen[node >>> 6] |= bit;
            }
            byte[] codes = new byte[count * pqM];
            data.readFully(codes);
            lists.set(l, nodes, codes, count);
            listed += count;
        }
        if (listed != size) {
            throw new CorruptIndexException(
                    "corrupt IVF index: lists hold " + listed + " nodes, header says " + size);
        }
        int expected = (int) checked.getChecksum().getValue();
        int stored = new DataInputStream(in).readInt();
        if (stored != expected) {
            throw new CorruptIndexException(
                    String.format(
                            "corrupt IVF index: checksum 0x%08x does not match the data (0x%08x)",
                            stored, expected));
        }
        return new IvfIndex(metric, dim, params, quantizer, pq, lists, vectors, size, deleted);
    }

    private static void writeFloats(DataOutputStream out, ByteBuffer chunk, float[] a, int count)
            throws IOException {
        for (int off = 0; off < count; ) {
            int n = Math.min(count - off, CHUNK_BYTES / Float.BYTES);
            chunk.clear();
            chunk.asFloatBuffer().put(a, off, n);
            out.write(chunk.array(), 0, n * Float.BYTES);
            off += n;
        }
    }

    private static void writeInts(DataOutputStream out, ByteBuffer chunk, int[] a, int count)
            throws IOException {
        for (int off = 0; off < count; ) {
            int n = Math.min(count - off, CHUNK_BYTES / Integer.BYTES);
            chunk.clear();
            chunk.asIntBuffer().put(a, off, n);
            out.write(chunk.array(), 0, n * Integer.BYTES);
            off += n;
        }
    }

    /** Reads {@code count} floats, growing the array only as the bytes actually arrive. */
    private static float[] readFloats(DataInputStream in, byte[] chunk, int count)
            throws IOException {
        float[] a = new float[Math.min(count, CHUNK_BYTES)];
        for (int off = 0; off < count; ) {
            int n = Math.min(count - off, CHUNK_BYTES / Float.BYTES);
            in.readFully(chunk, 0, n * Float.BYTES);
            if (off + n > a.length) {
                a = Arrays.copyOf(a, (int) Math.min(count, Math.max(off + n, 2L * a.length)));
            }
            ByteBuffer.wrap(chunk, 0, n * Float.BYTES).asFloatBuffer().get(a, off, n);
            off += n;
        }
        return a;
    }

    /** Reads {@code count} ints, growing the array only as the bytes actually arrive. */
    private static int[] readInts(DataInputStream in, byte[] chunk, int count) throws IOException {
        int[] a = new int[Math.min(count, CHUNK_BYTES)];
        for (int off = 0; off < count; ) {
            int n = Math.min(count - off, CHUNK_BYTES / Integer.BYTES);
            in.readFully(chunk, 0, n * Integer.BYTES);
            if (off + n > a.length) {
                a = Arrays.copyOf(a, (int) Math.min(count, Math.max(off + n, 2L * a.length)));
            }
            ByteBuffer.wrap(chunk, 0, n * Integer.BYTES).asIntBuffer().get(a, off, n);
            off += n;
        }
        return a;
    }
}
