package io.vectorstream.client;

import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads and writes the vector files the tools accept: {@code .fvecs} (see {@link FvecsReader}) and
 * JSON lines, one {@link VectorRecord} per line in the JSON form of {@link PayloadCodec}.
 */
public final class VectorFiles {

    /** Told about a JSON line that is not a valid record; reading goes on with the next line. */
    @FunctionalInterface
    public interface BadLineHandler {
        void badLine(long lineNumber, CodecException error);
    }

    /** Given each record of a JSON-lines file with the 1-based number of its line. */
    @FunctionalInterface
    public interface NumberedRecordHandler {
        void record(long lineNumber, VectorRecord record);
    }

    private VectorFiles() {}

    /** Every vector of an {@code .fvecs} file; for large files stream with {@link FvecsReader}. */
    public static List<float[]> readFvecs(Path file) throws IOException {
        return readFvecs(file, Long.MAX_VALUE);
    }

    /** The first {@code limit} vectors of an {@code .fvecs} file (fewer if it holds fewer). */
    public static List<float[]> readFvecs(Path file, long limit) throws IOException {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be at least 0, got " + limit);
        }
        List<float[]> out = new ArrayList<>();
        try (FvecsReader r = FvecsReader.open(file)) {
            float[] v;
            while (out.size() < limit && (v = r.next()) != null) {
                out.add(v);
            }
        }
        return out;
    }

    /** Writes {@code vectors} as an {@code .fvecs} file, replacing {@code file}. */
    public static void writeFvecs(Path file, Iterable<float[]> vectors) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (float[] v : vectors) {
                ByteBuffer b =
                        ByteBuffer.allocate(Integer.BYTES + v.length * Float.BYTES)
                                .order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(v.length);
                b.asFloatBuffer().put(v);
                out.write(b.array());
            }
        }
    }

    /**
     * Streams the records of a JSON-lines file to {@code onRecord}; blank lines are skipped and
     * lines that do not parse go to {@code onBadLine} with their 1-based number.
     *
     * @return how many records were passed to {@code onRecord}
     */
    public static long forEachJsonLine(
            Path file, Consumer<VectorRecord> onRecord, BadLineHandler onBadLine)
            throws IOException {
        return forEachNumberedJsonLine(file, (line, record) -> onRecord.accept(record), onBadLine);
    }

    /**
     * As {@link #forEachJsonLine}, passing each record with the 1-based number of its line, so that
     * a caller that finds a record unfit (e.g. one without the field it needs) can name the line.
     *
     * @return how many records were passed to {@code onRecord}
     */
    public static long forEachNumberedJsonLine(
            Path file, NumberedRecordHandler onRecord, BadLineHandler onBadLine)
            throws IOException {
        long lineNumber = 0;
        long records = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                VectorRecord record;
                try {
                    record = PayloadCodec.decodeVectorRecord(line.getBytes(StandardCharsets.UTF_8));
                } catch (CodecException e) {
                    onBadLine.badLine(lineNumber, e);
                    continue;
                }
                onRecord.record(lineNumber, record);
                records++;
            }
        }
        return records;
    }
}
