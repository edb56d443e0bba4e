package io.vectorstream.operators.index;

import io.vectorstream.state.record.StoredVector;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.Tombstone;
import io.vectorstream.state.segment.VectorSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The persisted form of the shard under the operator's current key: manifest, vectors, growing ids,
 * chunked segment blobs and tombstone bitsets (the layout is described on {@link
 * ShardIndexOperator}). Every method reads or writes the state of the current key, so the caller
 * sets the key first. Task thread only, like the state handles it wraps.
 */
final class ShardStateStore {

    /** Bytes per blob chunk: large enough for few RocksDB entries, small enough for one value. */
    static final int BLOB_CHUNK_BYTES = 1 << 20;

    /** Bytes per tombstone chunk: 32,768 ordinals, one bit each. */
    static final int TOMBSTONE_CHUNK_BYTES = 4096;

    static final int ORDINALS_PER_TOMBSTONE_CHUNK = TOMBSTONE_CHUNK_BYTES * 8;

    /** Chunk index bits of a chunk key; the segment id takes the bits above. */
    private static final int CHUNK_BITS = 20;

    private final ValueState<byte[]> manifest;
    private final MapState<String, byte[]> vectors;
    private final MapState<String, Long> growing;
    private final MapState<Long, byte[]> blobs;
    private final MapState<Long, byte[]> tombstones;

    /** The segment whose blob was started last: the one a restore may find half written. */
    private final ValueState<Long> writingBlob;

    ShardStateStore(
            ValueState<byte[]> manifest,
            MapState<String, byte[]> vectors,
            MapState<String, Long> growing,
            MapState<Long, byte[]> blobs,
            MapState<Long, byte[]> tombstones,
            ValueState<Long> writingBlob) {
        this.manifest = manifest;
        this.vectors = vectors;
        this.growing = growing;
        this.blobs = blobs;
        this.tombstones = tombstones;
        this.writingBlob = writingBlob;
    }

    /** Key of chunk {@code chunk} of segment {@code segmentId} in the blob and tombstone maps. */
    static long chunkKey(long segmentId, int chunk) {
        if (segmentId < 0 || segmentId >= 1L << (63 - CHUNK_BITS)) {
            throw new IllegalArgumentException("segment id out of range: " + segmentId);
        }
        if (chunk < 0 || chunk >= 1 << CHUNK_BITS) {
            throw new IllegalArgumentException("chunk index out of range: " + chunk);
        }
        return segmentId << CHUNK_BITS | chunk;
    }

    /** The shard's manifest, or null if the shard has never held a vector. */
    SegmentManifest manifest() throws Exception {
        byte[] bytes = manifest.value();
        return bytes == null ? null : SegmentManifest.fromBytes(bytes);
    }

    void putManifest(SegmentManifest m) throws Exception {
        manifest.update(m.toBytes());
    }

    void putVector(String id, StoredVector v) throws Exception {
        vectors.put(id, v.toBytes());
    }

    void removeVector(String id) throws Exception {
        vectors.remove(id);
    }

    /**
     * Full vectors by id from RocksDB, for reranking and compaction in the PQ_CODES tier: one point
     * read each, decoding the vector only.
     */
    VectorSource vectorSource() {
        return id -> {
            try {
                byte[] bytes = vectors.get(id);
                return bytes == null ? null : StoredVector.vectorOf(bytes);
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot read the stored vector of " + id, e);
            }
        };
    }

    void putGrowing(String id, long seq) throws Exception {
        growing.put(id, seq);
    }

    void removeGrowing(String id) throws Exception {
        growing.remove(id);
    }

    /**
     * A segment blob as the chunks {@link #putBlobChunk} stores, in order: done on the build thread
     * (pure), so the task thread only writes them.
     */
    static byte[][] splitBlob(byte[] blob) {
        int chunks = Math.max(1, (blob.length + BLOB_CHUNK_BYTES - 1) / BLOB_CHUNK_BYTES);
        byte[][] out = new byte[chunks][];
        for (int c = 0; c < chunks; c++) {
            int from = c * BLOB_CHUNK_BYTES;
            out[c] = Arrays.copyOfRange(blob, from, Math.min(blob.length, from + BLOB_CHUNK_BYTES));
        }
        return out;
    }

    /**
     * Stores chunk {@code chunk} of the blob of segment {@code segmentId}. Chunks are written in
     * order, and the segment is named by the manifest only once all are in: until then they are
     * invisible to a restore (see {@link #load}).
     */
    void putBlobChunk(long segmentId, int chunk, byte[] bytes) throws Exception {
        if (chunk == 0) {
            writingBlob.update(segmentId);
        }
        blobs.put(chunkKey(segmentId, chunk), bytes);
    }

    /** Deletes a segment's blob chunks and tombstone chunks. */
    void removeSegment(SegmentManifest.Entry entry) throws Exception {
        for (int c = 0; c < entry.blobChunks(); c++) {
            blobs.remove(chunkKey(entry.id(), c));
        }
        for (int c = 0; c < tombstoneChunks(entry.size()); c++) {
            tombstones.remove(chunkKey(entry.id(), c));
        }
    }

    /** Sets the bits of {@code dead}, one read and write per touched chunk. */
    void putTombstones(List<Tombstone> dead) throws Exception {
        if (dead.isEmpty()) {
            return;
        }
        Map<Long, byte[]> touched = new TreeMap<>();
        for (Tombstone t : dead) {
            long key = chunkKey(t.segmentId(), t.ordinal() / ORDINALS_PER_TOMBSTONE_CHUNK);
            byte[] bits = touched.get(key);
            if (bits == null) {
                bits = tombstones.get(key);
                if (bits == null) {
                    bits = new byte[TOMBSTONE_CHUNK_BYTES];
                }
                touched.put(key, bits);
            }
            int bit = t.ordinal() % ORDINALS_PER_TOMBSTONE_CHUNK;
            bits[bit >>> 3] |= (byte) (1 << (bit & 7));
        }
        for (Map.Entry<Long, byte[]> e : touched.entrySet()) {
            tombstones.put(e.getKey(), e.getValue());
        }
    }

    /** The stored text of {@code id} in the current shard, or null (none, or no such id). */
    String text(String id) throws Exception {
        StoredVector v = vector(id);
        return v == null ? null : v.text();
    }

    /** The stored vector of {@code id}, or null. */
    private StoredVector vector(String id) throws Exception {
        byte[] bytes = vectors.get(id);
        return bytes == null ? null : StoredVector.fromBytes(bytes);
    }

    /**
     * A shard read back from state.
     *
     * @param segments its in-memory view
     * @param sealedGrowing ids of growing entries below the manifest's {@link
     *     SegmentManifest#growingFromSeq}: copies a seal took, left for the shard's sweep
     */
    record Loaded(ShardSegments segments, List<String> sealedGrowing) {}

    /**
     * Loads the shard described by {@code m}: reads every segment blob (a load, never a rebuild),
     * kills its persisted tombstones, and puts the growing vectors back.
     *
     * <p>What an install in progress leaves in a checkpoint is repaired here (see {@link
     * LoadedShard#step}): growing entries a seal already took (below {@link
     * SegmentManifest#growingFromSeq}) are not put back but handed to the sweep, and the chunks of
     * a blob that was being written, which the manifest does not name, are deleted. Blobs are
     * written one at a time, so only the last one started can be such; the restored shard builds
     * the segment again under a new id. (Before a shard had two build lanes, that was always the
     * latest segment id, which older checkpoints did not record otherwise.)
     */
    Loaded load(SegmentManifest m, SegmentSpec spec, MemoryTier tier) throws Exception {
        ShardSegments shard = new ShardSegments(spec, tier);
        for (SegmentManifest.Entry entry : m.segments()) {
            shard.restoreSealed(readSegment(entry, tier));
        }
        List<String> sealedGrowing = new ArrayList<>();
        for (Map.Entry<String, Long> e : growing.entries()) {
            if (e.getValue() < m.growingFromSeq()) {
                sealedGrowing.add(e.getKey());
                continue;
            }
            StoredVector v = vector(e.getKey());
            if (v == null) {
                throw new IllegalStateException(
                        "growing vector " + e.getKey() + " has no stored vector");
            }
            shard.restoreGrowing(e.getKey(), v.vector(), v.metadata(), v.text(), e.getValue());
        }
        Long writing = writingBlob.value();
        removeUnnamedChunks(m, m.nextSegmentId() - 1);
        if (writing != null) {
            removeUnnamedChunks(m, writing);
        }
        return new Loaded(shard, sealedGrowing);
    }

    private void removeUnnamedChunks(SegmentManifest m, long segmentId) throws Exception {
        if (segmentId < 0 || m.segments().stream().anyMatch(e -> e.id() == segmentId)) {
            return;
        }
        for (int c = 0; blobs.contains(chunkKey(segmentId, c)); c++) {
            blobs.remove(chunkKey(segmentId, c));
        }
    }

    private SealedSegment readSegment(SegmentManifest.Entry entry, MemoryTier tier)
            throws Exception {
        SealedSegment segment;
        try (InputStream in = new ChunkStream(entry)) {
            segment = SealedSegment.read(in, tier);
        }
        if (segment.id() != entry.id() || segment.size() != entry.size()) {
            throw new IllegalStateException(
                    "blob of segment "
                            + entry.id()
                            + " holds segment "
                            + segment.id()
                            + " of "
                            + segment.size()
                            + " vectors, the manifest says "
                            + entry.size());
        }
        for (int c = 0; c < tombstoneChunks(entry.size()); c++) {
            byte[] bits = tombstones.get(chunkKey(entry.id(), c));
            if (bits == null) {
                continue;
            }
            int base = c * ORDINALS_PER_TOMBSTONE_CHUNK;
            for (int i = 0; i < bits.length; i++) {
                for (int b = bits[i] & 0xFF; b != 0; b &= b - 1) {
                    int ordinal = base + i * 8 + Integer.numberOfTrailingZeros(b);
                    if (ordinal < entry.size()) {
                        segment.kill(ordinal);
                    }
                }
            }
        }
        return segment;
    }

    private static int tombstoneChunks(int segmentSize) {
        return (segmentSize + ORDINALS_PER_TOMBSTONE_CHUNK - 1) / ORDINALS_PER_TOMBSTONE_CHUNK;
    }

    /** The blob of one segment as a stream, reading one chunk from state at a time. */
    private final class ChunkStream extends InputStream {
        private final SegmentManifest.Entry entry;
        private int next;
        private byte[] chunk = new byte[0];
        private int pos;
        private long read;

        ChunkStream(SegmentManifest.Entry entry) {
            this.entry = entry;
        }

        @Override
        public int read() throws IOException {
            if (!fill()) {
                return -1;
            }
            read++;
            return chunk[pos++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            read += n;
            return n;
        }

        /** Makes sure bytes are left in the current chunk; false at the end of the blob. */
        private boolean fill() throws IOException {
            while (pos == chunk.length) {
                if (next == entry.blobChunks()) {
                    if (read != entry.blobBytes()) {
                        throw new IOException(
                                "blob of segment "
                                        + entry.id()
                                        + " has "
                                        + read
                                        + " bytes, the manifest says "
                                        + entry.blobBytes());
                    }
                    return false;
                }
                byte[] bytes;
                try {
                    bytes = blobs.get(chunkKey(entry.id(), next));
                } catch (Exception e) {
                    throw new IOException("cannot read blob chunk of segment " + entry.id(), e);
                }
                if (bytes == null) {
                    throw new IOException(
                            "blob chunk " + next + " of segment " + entry.id() + " is missing");
                }
                chunk = bytes;
                pos = 0;
                next++;
            }
            return true;
        }
    }
}
