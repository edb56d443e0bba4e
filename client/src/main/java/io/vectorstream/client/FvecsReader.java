package io.vectorstream.client;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Streams the vectors of an {@code .fvecs} file (the TEXMEX/ANN-benchmark format: for each vector a
 * little-endian int32 dimension, then that many little-endian float32), one at a time, so files
 * larger than memory can be published.
 *
 * <p>A damaged file fails with an {@link IOException} naming the file and the vector, never with a
 * huge allocation: a dimension is checked against the bytes the file still holds before it is read.
 * Not thread-safe.
 */
public final class FvecsReader implements Closeable {

    private final Path file;
    private final InputStream in;
    private long remaining;
    private long index;
    private byte[] buf = new byte[0];

    private FvecsReader(Path file) throws IOException {
        this.file = file;
        this.remaining = Files.size(file);
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    /** Opens {@code file} for reading from its first vector. */
    public static FvecsReader open(Path file) throws IOException {
        return new FvecsReader(file);
    }

    /** The next vector, or null at the end of the file. */
    public float[] next() throws IOException {
        if (remaining == 0) {
            return null;
        }
        if (remaining < Integer.BYTES) {
            throw damaged("ends with " + remaining + " stray bytes after " + index + " vectors");
        }
        int dim = ByteBuffer.wrap(read(Integer.BYTES)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (dim <= 0) {
            throw damaged(
                    "vector "
                            + index
                            + " declares dimension "
                            + dim
                            + "; .fvecs stores a positive little-endian int32 "
                            + "dimension before each vector (is this an .fvecs file?)");
        }
        if ((long) dim * Float.BYTES > remaining) {
            throw damaged(
                    "is truncated: vector "
                            + index
                            + " declares dimension "
                            + dim
                            + " ("
                            + (long) dim * Float.BYTES
                            + " bytes) but only "
                            + remaining
                            + " bytes remain");
        }
        float[] v = new float[dim];
        ByteBuffer.wrap(read(dim * Float.BYTES), 0, dim * Float.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer()
                .get(v);
        index++;
        return v;
    }

    /** How many vectors {@link #next()} has returned. */
    public long vectorsRead() {
        return index;
    }

    private byte[] read(int n) throws IOException {
        if (buf.length < n) {
            buf = new byte[n];
        }
        int off = 0;
        while (off < n) {
            int got = in.read(buf, off, n - off);
            if (got < 0) {
                throw damaged(
                        "ended early while reading vector "
                                + index
                                + " (did it change while being read?)");
            }
            off += got;
        }
        remaining -= n;
        return buf;
    }

    private IOException damaged(String what) {
        return new IOException("fvecs file " + file + " " + what);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
