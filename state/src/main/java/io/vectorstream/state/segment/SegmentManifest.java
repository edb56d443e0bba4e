package io.vectorstream.state.segment;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The persisted table of contents of one shard: its sealed segments and counters. Small (one entry
 * per segment), so it is also the per-shard marker that queries iterate to find shards.
 *
 * <p>Binary form, version 2, little-endian:
 *
 * <pre>
 *   int    magic 0x464D5356 (the bytes "VSMF")
 *   byte   version 2
 *   int    dimension
 *   long   next segment id
 *   long   next seq
 *   long   live count
 *   long   growing from seq (not in version 1, which reads as 0)
 *   int    entries
 *   entries times: long id, byte type (0 hnsw, 1 ivf-flat, 2 ivf-pq), int size, int blob chunks,
 *                  long blob bytes
 *   int    CRC32C of every byte above
 * </pre>
 *
 * {@link #fromBytes} reads versions 1 and 2 and rejects bad input (bad magic or version, a count
 * that does not match the length, negative fields, a growing-from seq past the next seq, repeated
 * segment ids, a checksum mismatch) with an {@link UncheckedIOException} wrapping a {@link
 * CorruptIndexException}.
 *
 * @param dimension vector dimension of the shard, or 0 before its first vector
 * @param segments the sealed segments, oldest first
 * @param nextSegmentId id for the next segment built in this shard
 * @param nextSeq sequence number for the next growing write
 * @param liveCount live vectors in the shard
 * @param growingFromSeq the growing segment holds only writes from this sequence number on: every
 *     write below it that is still live is in a sealed segment. The shard's growing entries in
 *     state below it are copies a seal already took, left for a lazy sweep; a restore skips them.
 */
public record SegmentManifest(
        int dimension,
        List<Entry> segments,
        long nextSegmentId,
        long nextSeq,
        long liveCount,
        long growingFromSeq) {

    public SegmentManifest {
        segments = List.copyOf(segments);
    }

    /** The manifest of a shard that has seen no vector yet. */
    public static SegmentManifest empty() {
        return new SegmentManifest(0, List.of(), 0, 0, 0, 0);
    }

    static final int MAGIC = 0x464D5356;
    static final byte VERSION = 2;

    private static final int HEADER_BYTES = 4 + 1 + 4 + 8 + 8 + 8 + 8 + 4;
    private static final int ENTRY_BYTES = 8 + 1 + 4 + 4 + 8;

    /** The binary form described above. */
    public byte[] toBytes() {
        ByteBuffer buf =
                ByteBuffer.allocate(HEADER_BYTES + segments.size() * ENTRY_BYTES + 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        buf.putInt(MAGIC).put(VERSION).putInt(dimension);
        buf.putLong(nextSegmentId).putLong(nextSeq).putLong(liveCount).putLong(growingFromSeq);
        buf.putInt(segments.size());
        for (Entry e : segments) {
            buf.putLong(e.id())
                    .put((byte) SegmentFormat.typeCode(e.type()))
                    .putInt(e.size())
                    .putInt(e.blobChunks())
                    .putLong(e.blobBytes());
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, buf.position());
        buf.putInt((int) crc.getValue());
        return buf.array();
    }

    /**
     * Reads the binary form written by {@link #toBytes}.
     *
     * @throws UncheckedIOException wrapping a {@link CorruptIndexException} that names the problem
     */
    public static SegmentManifest fromBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        try {
            return read(bytes);
        } catch (CorruptIndexException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SegmentManifest read(byte[] bytes) throws CorruptIndexException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            int magic = buf.getInt();
            if (magic != MAGIC) {
                throw new CorruptIndexException(
                        String.format(
                                "not a segment manifest: bad magic 0x%08x, expected 0x%08x",
                                magic, MAGIC));
            }
            byte version = buf.get();
            if (version != 1 && version != VERSION) {
                throw new CorruptIndexException(
                        "unsupported segment manifest version "
                                + version
                                + "; this reader knows 1 to "
                                + VERSION);
            }
            int dimension = buf.getInt();
            long nextSegmentId = buf.getLong();
            long nextSeq = buf.getLong();
            long liveCount = buf.getLong();
            // Version 1 deleted a seal's growing entries at once: nothing below any seq is left.
            long growingFromSeq = version == 1 ? 0 : buf.getLong();
            int count = buf.getInt();
            if (dimension < 0
                    || nextSegmentId < 0
                    || nextSeq < 0
                    || liveCount < 0
                    || growingFromSeq < 0) {
                throw new CorruptIndexException(
                        "corrupt segment manifest: negative dimension, counter or live count");
            }
            if (growingFromSeq > nextSeq) {
                throw new CorruptIndexException(
                        "corrupt segment manifest: growing from seq "
                                + growingFromSeq
                                + " is past the next seq "
                                + nextSeq);
            }
            if (count < 0 || (long) count * ENTRY_BYTES + 4 != buf.remaining()) {
                throw new CorruptIndexException(
                        "corrupt segment manifest: "
                                + count
                                + " entries do not fit its "
                                + bytes.length
                                + " bytes");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 4);
            int stored =
                    ByteBuffer.wrap(bytes, bytes.length - 4, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt();
            if (stored != (int) crc.getValue()) {
                throw new CorruptIndexException("corrupt segment manifest: checksum mismatch");
            }
            List<Entry> entries = new ArrayList<>(count);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < count; i++) {
                long id = buf.getLong();
                SegmentType type = SegmentFormat.typeOf(buf.get());
                int size = buf.getInt();
                int blobChunks = buf.getInt();
                long blobBytes = buf.getLong();
                if (id < 0 || size < 0 || blobChunks < 0 || blobBytes < 0) {
                    throw new CorruptIndexException(
                            "corrupt segment manifest: entry " + i + " has a negative field");
                }
                if (!seen.add(id)) {
                    throw new CorruptIndexException(
                            "corrupt segment manifest: segment " + id + " is listed twice");
                }
                entries.add(new Entry(id, type, size, blobChunks, blobBytes));
            }
            return new SegmentManifest(
                    dimension, entries, nextSegmentId, nextSeq, liveCount, growingFromSeq);
        } catch (BufferUnderflowException e) {
            throw new CorruptIndexException("truncated segment manifest", e);
        }
    }

    /**
     * One sealed segment.
     *
     * @param id segment id, unique within the shard
     * @param type its index type
     * @param size vectors in it, dead ones included
     * @param blobChunks chunks its blob is stored in
     * @param blobBytes length of its blob
     */
    public record Entry(long id, SegmentType type, int size, int blobChunks, long blobBytes) {}
}
