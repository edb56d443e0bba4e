package io.vectorstream.state.segment;

import io.vectorstream.state.filter.Attributes;
import io.vectorstream.state.format.CorruptIndexException;
import io.vectorstream.state.format.MetricCodes;
import io.vectorstream.state.hnsw.HnswIndex;
import io.vectorstream.state.ivf.IvfIndex;
import io.vectorstream.state.quant.BinaryIvf;
import io.vectorstream.state.segment.internal.SegmentIds;
import io.vectorstream.state.text.KeywordIndex;
import io.vectorstream.state.vector.Metric;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The binary form of a {@link SealedSegment}, version 4. Big-endian, like the index formats it
 * embeds:
 *
 * <pre>
 *   int    magic 0x56535347 ("VSSG")
 *   int    version 4
 *   byte   type: 0 hnsw, 1 ivf-flat, 2 ivf-pq
 *   long   segment id
 *   int    dimension
 *   byte   metric: 0 cosine, 1 dot, 2 euclidean
 *   byte   tier: 0 full, 1 binary               (version 4)
 *   int    size (vectors)
 *   size times: int n, byte utf8[n]          the ids in ordinal order
 *   the metadata: Attributes.write bytes    (version 2)
 *   the texts: KeywordIndex.write bytes     (version 3)
 *   int    CRC32C of every byte above
 *   the index: HnswIndex.write, IvfIndex.write or, in the binary tier, BinaryIvf.write bytes
 *          (absent when size is 0)
 * </pre>
 *
 * <p>Version 4 added the tier: a binary segment's blob holds its one-bit codes and no full vector,
 * so a restore loads the codes and never recomputes them. Earlier versions are full. Version 3
 * added the inverted index of the texts; a version 2 blob reads as a segment whose vectors have no
 * text (keyword search finds none of them), which is what it was written from. Version 2 added the
 * metadata columns; version 1 blobs (written before filters existed, never shipped) are refused
 * with a clear message rather than read without metadata, which would make every filter miss their
 * vectors.
 *
 * <p>No tombstones: the embedded index is written as built, and the caller persists kills apart.
 * Reading checks every length against the data actually present (the id list grows as bytes
 * arrive), the checksum, and that the embedded index matches the header (kind, dimension, metric,
 * size, no tombstones); any failure is a {@link CorruptIndexException}. Nothing is rebuilt.
 */
final class SegmentFormat {

    static final int MAGIC = 0x56535347;
    static final int VERSION = 4;

    /** The last version without a tier byte: every segment full. */
    static final int WITHOUT_TIER = 3;

    /** The oldest version still read: before texts. */
    static final int WITHOUT_TEXT = 2;

    /** Longest id accepted on read; far above any real id, low enough to stop a corrupt length. */
    static final int MAX_ID_BYTES = 1 << 20;

    private static final int BUFFER_BYTES = 1 << 16;

    private SegmentFormat() {}

    static void write(SealedSegment segment, OutputStream out) throws IOException {
        CheckedOutputStream checked = new CheckedOutputStream(out, new CRC32C());
        DataOutputStream data =
                new DataOutputStream(new BufferedOutputStream(checked, BUFFER_BYTES));
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeByte(typeCode(segment.type()));
        data.writeLong(segment.id());
        data.writeInt(segment.dimension());
        data.writeByte(MetricCodes.code(segment.metric()));
        data.writeByte(segment.tier() == MemoryTier.BINARY ? 1 : 0);
        SegmentIds ids = segment.ids();
        data.writeInt(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            byte[] utf8 = ids.get(i).getBytes(StandardCharsets.UTF_8);
            data.writeInt(utf8.length);
            data.write(utf8);
        }
        segment.attributes().write(data);
        segment.keywords().write(data);
        data.flush();
        int crc = (int) checked.getChecksum().getValue();
        data.writeInt(crc);
        data.flush();
        if (segment.hnsw() != null) {
            segment.hnsw().write(out);
        } else if (segment.ivf() != null) {
            segment.ivf().write(out);
        } else if (segment.binary() != null) {
            segment.binary().write(out);
        }
        out.flush();
    }

    static SealedSegment read(InputStream in) throws IOException {
        try {
            return readChecked(in);
        } catch (EOFException e) {
            throw new CorruptIndexException("truncated segment: the data ends early", e);
        }
    }

    private static SealedSegment readChecked(InputStream in) throws IOException {
        CheckedInputStream checked = new CheckedInputStream(in, new CRC32C());
        DataInputStream data = new DataInputStream(checked);
        int magic = data.readInt();
        if (magic != MAGIC) {
            throw new CorruptIndexException(
                    String.format(
                            "not a segment: bad magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int version = data.readInt();
        if (version < WITHOUT_TEXT || version > VERSION) {
            throw new CorruptIndexException(
                    "unsupported segment format version "
                            + version
                            + "; this reader knows versions "
                            + WITHOUT_TEXT
                            + " to "
                            + VERSION
                            + " only: rebuild the segment from its vectors");
        }
        SegmentType type = typeOf(data.readByte());
        long id = data.readLong();
        int dimension = data.readInt();
        Metric metric = MetricCodes.metric(data.readByte(), "corrupt segment");
        boolean binaryTier = false;
        if (version > WITHOUT_TIER) {
            byte tier = data.readByte();
            if (tier != 0 && tier != 1) {
                throw new CorruptIndexException("corrupt segment: unknown tier code " + tier);
            }
            binaryTier = tier == 1;
        }
        int size = data.readInt();
        if (dimension < 1 || size < 0) {
            throw new CorruptIndexException(
                    "corrupt segment header: dimension " + dimension + ", size " + size);
        }
        List<String> idList = new ArrayList<>(Math.min(size, 1024));
        for (int i = 0; i < size; i++) {
            int length = data.readInt();
            if (length < 0 || length > MAX_ID_BYTES) {
                throw new CorruptIndexException(
                        "corrupt segment: id " + i + " claims " + length + " bytes");
            }
            byte[] utf8 = data.readNBytes(length);
            if (utf8.length != length) {
                throw new EOFException();
            }
            idList.add(new String(utf8, StandardCharsets.UTF_8));
        }
        Attributes attributes = Attributes.read(data, size);
        KeywordIndex keywords =
                version == WITHOUT_TEXT ? KeywordIndex.empty(size) : KeywordIndex.read(data, size);
        int expected = (int) checked.getChecksum().getValue();
        int stored = data.readInt();
        if (stored != expected) {
            throw new CorruptIndexException(
                    String.format(
                            "segment %d header checksum mismatch: stored 0x%08x, computed 0x%08x",
                            id, stored, expected));
        }
        SegmentIds ids = SegmentIds.of(idList.toArray(new String[0]));
        if (ids == null) {
            throw new CorruptIndexException("corrupt segment " + id + ": an id repeats");
        }
        HnswIndex hnsw = null;
        IvfIndex ivf = null;
        BinaryIvf binary = null;
        if (size > 0 && binaryTier) {
            binary = BinaryIvf.read(in, dimension, metric, size);
        } else if (size > 0 && type == SegmentType.HNSW) {
            hnsw = HnswIndex.read(in);
            check(
                    hnsw.dimension(),
                    hnsw.metric(),
                    hnsw.size(),
                    hnsw.liveCount(),
                    id,
                    dimension,
                    metric,
                    size);
        } else if (size > 0) {
            ivf = IvfIndex.read(in);
            check(
                    ivf.dimension(),
                    ivf.metric(),
                    ivf.size(),
                    ivf.liveCount(),
                    id,
                    dimension,
                    metric,
                    size);
            if (ivf.params().usesPq() != (type == SegmentType.IVF_PQ)) {
                throw new CorruptIndexException(
                        "corrupt segment "
                                + id
                                + ": header says "
                                + type.configName()
                                + " but the index "
                                + (ivf.params().usesPq() ? "has" : "has no")
                                + " PQ codes");
            }
        }
        return SealedSegment.of(
                id, type, dimension, metric, ids, attributes, keywords, hnsw, ivf, binary);
    }

    private static void check(
            int indexDim,
            Metric indexMetric,
            int indexSize,
            int indexLive,
            long id,
            int dimension,
            Metric metric,
            int size)
            throws CorruptIndexException {
        if (indexDim != dimension || indexMetric != metric || indexSize != size) {
            throw new CorruptIndexException(
                    "corrupt segment "
                            + id
                            + ": header says "
                            + size
                            + " vectors of dimension "
                            + dimension
                            + " ("
                            + metric
                            + "), the index has "
                            + indexSize
                            + " of dimension "
                            + indexDim
                            + " ("
                            + indexMetric
                            + ")");
        }
        if (indexLive != indexSize) {
            throw new CorruptIndexException(
                    "corrupt segment "
                            + id
                            + ": its index holds tombstones, which segments never"
                            + " write");
        }
    }

    /** The stored code of {@code type}; shared with {@link SegmentManifest}. */
    static int typeCode(SegmentType type) {
        switch (type) {
            case HNSW:
                return 0;
            case IVF_FLAT:
                return 1;
            case IVF_PQ:
                return 2;
            default:
                throw new AssertionError(type);
        }
    }

    static SegmentType typeOf(byte code) throws CorruptIndexException {
        switch (code) {
            case 0:
                return SegmentType.HNSW;
            case 1:
                return SegmentType.IVF_FLAT;
            case 2:
                return SegmentType.IVF_PQ;
            default:
                throw new CorruptIndexException("corrupt segment data: unknown type code " + code);
        }
    }
}
