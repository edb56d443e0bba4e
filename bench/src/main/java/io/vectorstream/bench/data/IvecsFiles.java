package io.vectorstream.bench.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes {@code .ivecs} files, the TEXMEX/ANN-benchmark format for ground truth: for each
 * row a little-endian int32 length, then that many little-endian int32 values. The same layout as
 * {@code .fvecs} with ints, so FAISS's and hnswlib's tooling read what this writes.
 *
 * <p>A damaged file fails with an {@link IOException} naming the file and the row; a row length is
 * checked against the bytes the file still holds before anything is allocated. Stateless.
 */
public final class IvecsFiles {

    private IvecsFiles() {}

    /** Writes {@code rows} as an {@code .ivecs} file, replacing {@code file}. */
    public static void write(Path file, int[][] rows) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (int[] row : rows) {
                ByteBuffer b =
                        ByteBuffer.allocate(Integer.BYTES * (1 + row.length))
                                .order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(row.length);
                b.asIntBuffer().put(row);
                out.write(b.array());
            }
        }
    }

    /** Every row of an {@code .ivecs} file. */
    public static int[][] read(Path file) throws IOException {
        long remaining = Files.size(file);
        List<int[]> rows = new ArrayList<>();
        byte[] header = new byte[Integer.BYTES];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            while (remaining > 0) {
                if (remaining < Integer.BYTES) {
                    throw damaged(file, "ends with " + remaining + " stray bytes", rows.size());
                }
                readFully(in, header, file, rows.size());
                int len = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
                remaining -= Integer.BYTES;
                if (len < 0 || (long) len * Integer.BYTES > remaining) {
                    throw damaged(
                            file,
                            "declares length "
                                    + len
                                    + " with "
                                    + remaining
                                    + " bytes left"
                                    + " (is this an .ivecs file?)",
                            rows.size());
                }
                byte[] body = new byte[len * Integer.BYTES];
                readFully(in, body, file, rows.size());
                int[] row = new int[len];
                ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(row);
                rows.add(row);
                remaining -= body.length;
            }
        }
        return rows.toArray(new int[0][]);
    }

    private static void readFully(InputStream in, byte[] buf, Path file, int row)
            throws IOException {
        int off = 0;
        while (off < buf.length) {
            int got = in.read(buf, off, buf.length - off);
            if (got < 0) {
                throw damaged(file, "ended early", row);
            }
            off += got;
        }
    }

    private static IOException damaged(Path file, String what, int row) {
        return new IOException("ivecs file " + file + " " + what + " at row " + row);
    }
}
