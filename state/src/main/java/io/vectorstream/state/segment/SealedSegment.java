package io.vectorstream.state.segment;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.filter.Attributes;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.hnsw.HnswIndex;
import io.vectorstream.state.ivf.IvfIndex;
import io.vectorstream.state.ivf.IvfParams;
import io.vectorstream.state.ivf.VectorLookup;
import io.vectorstream.state.quant.BinaryIvf;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.internal.SegmentIds;
import io.vectorstream.state.text.KeywordIndex;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * An immutable index over a fixed set of vectors (HNSW, IVF-Flat or IVF-PQ) with their ids and
 * metadata; only tombstones change after it is built. Ordinals are positions in the id array given
 * to {@link #build}. The binary form ({@link #write}) never contains tombstones, so a segment's
 * blob is written once and never changes; tombstones are kept and persisted by the caller. Not
 * thread-safe.
 *
 * <p>The wrapped index is frozen once built: tombstones live in this segment's own bit set and
 * reach the index as an {@link AcceptSet} of the live ordinals, which both indices treat exactly
 * like their own deletes (dead nodes are traversed but never returned; see {@link
 * HnswIndex#search(float[], int, int, AcceptSet)}). So {@link #write} gives the same bytes whenever
 * it is called, kills or not. A segment of zero vectors (a compaction whose inputs had all died)
 * holds no index at all and searches empty.
 *
 * <p>The metadata are kept as {@link Attributes} columns: a filtered search turns the filter into
 * the exact set of matching live ordinals and hands it to the index as its accept set, whose count
 * (the filter's selectivity here) lets the index choose between a filtered walk and an exact scan
 * of the matches. See {@link io.vectorstream.state.segment} for the design.
 */
public final class SealedSegment {

    /** Training sample cap for IVF k-means: more points move the centroids very little. */
    static final int MAX_TRAINING_SAMPLE = 65_536;

    private final long id;
    private final SegmentType type;
    private final int dimension;
    private final Metric metric;
    private final MemoryTier tier;
    private final SegmentIds ids;
    private final Attributes attributes;
    private final HnswIndex hnsw;
    private final IvfIndex ivf;
    private final BinaryIvf binary;
    private final KeywordIndex keywords;
    private final BitSet dead;
    private int deadCount;

    /** Live vectors with a text, and their lengths summed: kept up to date by {@link #kill}. */
    private int liveTextCount;

    private long liveTextLength;
    private long memoryBytes = -1;

    /**
     * Hits this segment gave to answers since it was loaded: how warm it is (see {@link #heat}).
     */
    private long hits;

    /** When this view of the segment was made: a new segment has had no time to earn hits. */
    private final long bornNanos = System.nanoTime();

    private final AcceptSet liveOrdinals = new LiveOrdinals();

    private SealedSegment(
            long id,
            SegmentType type,
            int dimension,
            Metric metric,
            MemoryTier tier,
            SegmentIds ids,
            Attributes attributes,
            HnswIndex hnsw,
            IvfIndex ivf,
            BinaryIvf binary,
            KeywordIndex keywords,
            BitSet dead) {
        assert ids.size() == 0
                        || (hnsw != null ? 1 : 0) + (ivf != null ? 1 : 0) + (binary != null ? 1 : 0)
                                == 1
                : "exactly one index";
        assert (binary != null) == (tier == MemoryTier.BINARY && ids.size() > 0) : "binary tier";
        assert attributes.size() == ids.size() : "attributes of every vector";
        assert keywords.size() == ids.size() : "text lengths of every vector";
        this.id = id;
        this.type = type;
        this.dimension = dimension;
        this.metric = metric;
        this.tier = tier;
        this.ids = ids;
        this.attributes = attributes;
        this.hnsw = hnsw;
        this.ivf = ivf;
        this.binary = binary;
        this.keywords = keywords;
        this.dead = dead;
        this.deadCount = dead.cardinality();
        this.liveTextCount = keywords.textCount();
        this.liveTextLength = keywords.totalLength();
        for (int o = dead.nextSetBit(0); o >= 0; o = dead.nextSetBit(o + 1)) {
            forgetText(o);
        }
    }

    private void forgetText(int ordinal) {
        int length = keywords.length(ordinal);
        liveTextCount -= length > 0 ? 1 : 0;
        liveTextLength -= length;
    }

    /** {@link #build(long, SegmentSpec, String[], float[], List)} of vectors without metadata. */
    public static SealedSegment build(
            long segmentId, SegmentSpec spec, String[] ids, float[] vectors) {
        return build(segmentId, spec, ids, vectors, null);
    }

    /**
     * Builds a segment over {@code ids[i]} → {@code vectors[i*dim .. (i+1)*dim)} with metadata
     * {@code metadata.get(i)}. Pure and slow (a graph build or k-means training): run it off the
     * task thread. The result keeps full vectors in memory; {@link #withTier} drops them for {@link
     * MemoryTier#PQ_CODES}.
     *
     * <p>HNSW inserts the vectors in ordinal order. IVF trains its coarse quantiser (and PQ) on a
     * seeded sample of at most {@value #MAX_TRAINING_SAMPLE} vectors with {@code spec.ivfNlist()}
     * lists, or about {@code sqrt(n)} when that is 0 (never more than n), then adds every vector.
     * Every random choice is seeded by {@code spec.seed()} mixed with {@code segmentId}, so the
     * same input gives the same segment. Zero vectors give an empty segment with no index.
     *
     * @param vectors prepared for {@code spec.metric()} (unit length for cosine)
     * @param metadata one map per id (null entries for none), or null if no vector has metadata
     * @throws IllegalArgumentException if the arrays do not match the spec's dimension, the
     *     metadata not the ids, or an id repeats
     */
    public static SealedSegment build(
            long segmentId,
            SegmentSpec spec,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata) {
        return build(segmentId, spec, ids, vectors, metadata, null);
    }

    /**
     * As {@link #build(long, SegmentSpec, String[], float[], List)}, with the inverted index of the
     * vectors' texts (null if none has text).
     *
     * @throws IllegalArgumentException also if {@code keywords} does not cover the ids
     */
    public static SealedSegment build(
            long segmentId,
            SegmentSpec spec,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            KeywordIndex keywords) {
        checkInput(spec, ids, vectors, metadata);
        int dim = spec.dimension();
        int n = ids.length;
        SegmentIds compact = distinct(ids);
        KeywordIndex texts = keywordsOf(keywords, n);
        Attributes attributes = metadata == null ? Attributes.none(n) : Attributes.of(metadata);
        long seed = spec.seed() ^ mix(segmentId);
        HnswIndex hnsw = null;
        IvfIndex ivf = null;
        if (n > 0 && spec.type() == SegmentType.HNSW) {
            hnsw = buildHnsw(spec, vectors, n, seed);
        } else if (n > 0) {
            ivf = buildIvf(spec, vectors, n, seed);
        }
        return new SealedSegment(
                segmentId,
                spec.type(),
                dim,
                spec.metric(),
                MemoryTier.FULL,
                compact,
                attributes,
                hnsw,
                ivf,
                null,
                texts,
                new BitSet());
    }

    /**
     * As {@link #build(long, SegmentSpec, String[], float[], List, KeywordIndex)}, straight into
     * the {@link MemoryTier#BINARY} tier: no graph or IVF index is built, only the one-bit codes of
     * the vectors in {@link #binaryLists} k-means lists (see {@link BinaryIvf}).
     */
    public static SealedSegment buildBinary(
            long segmentId,
            SegmentSpec spec,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            KeywordIndex keywords) {
        checkInput(spec, ids, vectors, metadata);
        int dim = spec.dimension();
        int n = ids.length;
        SegmentIds compact = distinct(ids);
        BinaryIvf codes = n == 0 ? null : binaryCodes(spec, segmentId, vectors, n);
        return new SealedSegment(
                segmentId,
                spec.type(),
                dim,
                spec.metric(),
                MemoryTier.BINARY,
                compact,
                metadata == null ? Attributes.none(n) : Attributes.of(metadata),
                null,
                null,
                codes,
                keywordsOf(keywords, n),
                new BitSet());
    }

    /**
     * Lists of a segment of {@code n} vectors in the binary tier: a quarter of what an IVF segment
     * gets ({@code ivf.nlist}, else about {@code sqrt(n)}), at least 1. Scanning one-bit codes is
     * cheap next to choosing lists well, so the lists are wide: the default {@code nprobe} of 16
     * scans about a quarter of a 62,000-vector segment, and most of a seal of 5,000 (on MiniLM
     * embeddings, recall@10 after rescoring rose from 0.91 to 0.95 at nprobe 16 against lists of
     * sqrt(n); see BENCHMARKS.md). Tightly clustered low-dimensional data codes better around finer
     * lists: a larger {@code ivf.nlist} gives them.
     */
    static int binaryLists(SegmentSpec spec, int n) {
        return Math.max(1, (ivf(spec, n, 0).nlist() + 2) / 4);
    }

    /**
     * The seed of every binary segment's rotation: one matrix per dimension in the JVM, whatever
     * the shard (the blob keeps the seed, so a change here leaves stored codes readable).
     */
    static final long BINARY_ROTATION_SEED = 0x5EED_0B17L;

    private static BinaryIvf binaryCodes(SegmentSpec spec, long segmentId, float[] vectors, int n) {
        return BinaryIvf.train(
                vectors,
                n,
                spec.dimension(),
                spec.metric(),
                binaryLists(spec, n),
                spec.seed() ^ mix(segmentId),
                BINARY_ROTATION_SEED);
    }

    /**
     * @throws IllegalArgumentException if the vectors do not match the spec's dimension or the
     *     metadata do not match the ids
     */
    private static void checkInput(
            SegmentSpec spec, String[] ids, float[] vectors, List<Map<String, String>> metadata) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(vectors, "vectors");
        int dim = spec.dimension();
        int n = ids.length;
        if ((long) n * dim != vectors.length) {
            throw new IllegalArgumentException(
                    n
                            + " ids need "
                            + (long) n * dim
                            + " floats of dimension "
                            + dim
                            + ", got "
                            + vectors.length);
        }
        if (metadata != null && metadata.size() != n) {
            throw new IllegalArgumentException(
                    n + " ids but metadata for " + metadata.size() + " vectors");
        }
    }

    private static SegmentIds distinct(String[] ids) {
        SegmentIds compact = SegmentIds.of(ids);
        if (compact == null) {
            throw new IllegalArgumentException("ids of a segment must be distinct");
        }
        return compact;
    }

    private static KeywordIndex keywordsOf(KeywordIndex keywords, int n) {
        if (keywords == null) {
            return KeywordIndex.empty(n);
        }
        if (keywords.size() != n) {
            throw new IllegalArgumentException(
                    n + " ids but text lengths of " + keywords.size() + " vectors");
        }
        return keywords;
    }

    /**
     * As {@link #build(long, SegmentSpec, String[], float[], List)} for a merge that keeps the
     * graph of {@code base}: its index is copied and only the vectors after its {@code base.size()}
     * ordinals are inserted, as Lucene's incremental HNSW merge does; so a merge costs the
     * insertion of the smaller segments, not a rebuild of all. {@code ids} must start with {@code
     * base}'s ids in ordinal order.
     *
     * @throws IllegalArgumentException if {@code base} is not an HNSW segment of this spec holding
     *     full vectors, or {@code ids} do not start with its ids
     */
    static SealedSegment extend(
            SealedSegment base,
            long segmentId,
            SegmentSpec spec,
            String[] ids,
            float[] vectors,
            List<Map<String, String>> metadata,
            KeywordIndex keywords) {
        int dim = spec.dimension();
        if (base.hnsw == null
                || base.tier != MemoryTier.FULL
                || base.dimension != dim
                || base.metric != spec.metric()
                || base.hnsw.m() != spec.hnswM()) {
            throw new IllegalArgumentException(base + " cannot be extended under " + spec);
        }
        for (int i = 0; i < base.ids.size(); i++) {
            if (!base.ids.get(i).equals(ids[i])) {
                throw new IllegalArgumentException(
                        "the ids of an extended segment must start with its base's");
            }
        }
        int added = ids.length - base.ids.size();
        SegmentIds compact = SegmentIds.of(ids);
        if (compact == null || (long) added * dim != vectors.length) {
            throw new IllegalArgumentException(
                    "distinct ids and the vectors of those after the base are needed");
        }
        HnswIndex hnsw = base.hnsw.copy();
        addAll(hnsw, vectors, added, dim);
        return new SealedSegment(
                segmentId,
                SegmentType.HNSW,
                dim,
                spec.metric(),
                MemoryTier.FULL,
                compact,
                metadata == null ? Attributes.none(ids.length) : Attributes.of(metadata),
                hnsw,
                null,
                null,
                keywordsOf(keywords, ids.length),
                new BitSet());
    }

    /**
     * Reads a segment written by {@link #write}: a load, never a rebuild. Consumes exactly the
     * segment's bytes; pass a buffered stream for speed. A {@link MemoryTier#BINARY} blob loads its
     * codes as written, whatever {@code tier} asks. A full blob is read whole: for {@link
     * MemoryTier#PQ_CODES} its vectors are then dropped; for BINARY it stays full (a segment
     * written before its shard went binary, which a tier-down may code later).
     *
     * @throws io.vectorstream.state.format.CorruptIndexException if the data is truncated,
     *     inconsistent or not a segment
     * @throws IllegalArgumentException if {@code tier} is PQ_CODES and the segment is not IVF-PQ
     */
    public static SealedSegment read(InputStream in, MemoryTier tier) throws IOException {
        Objects.requireNonNull(tier, "tier");
        SealedSegment segment = SegmentFormat.read(in);
        // A full blob stays full in a binary shard: the memory budget codes it when it must.
        return segment.tier == MemoryTier.BINARY || tier == MemoryTier.BINARY
                ? segment
                : segment.withTier(tier);
    }

    /**
     * Writes the segment without tombstones (see {@link SegmentFormat}); flushes, does not close.
     * The index is frozen and tombstones live beside it, so the bytes are the same before and after
     * any {@link #kill}.
     *
     * @throws IllegalStateException in the {@link MemoryTier#PQ_CODES} tier, which no longer holds
     *     the full vectors the blob needs: write the segment {@link #build} or {@link #read}
     *     returned before tiering it. A {@link MemoryTier#BINARY} segment writes its codes.
     */
    public void write(OutputStream out) throws IOException {
        if (tier == MemoryTier.PQ_CODES) {
            throw new IllegalStateException(
                    "segment "
                            + id
                            + " keeps only PQ codes and cannot be written; write the FULL segment"
                            + " that build or read returned");
        }
        SegmentFormat.write(this, out);
    }

    /**
     * This segment in {@code tier}, or itself if already there. The copy shares ids and metadata
     * with this one and starts with a copy of its tombstones. For {@link MemoryTier#PQ_CODES} it
     * keeps the IVF-PQ index without its full vectors; for {@link MemoryTier#BINARY} it codes the
     * full vectors (slow: k-means and a rotation per vector, so not on the task thread) and keeps
     * only the codes. This segment keeps its full vectors.
     *
     * @param spec the spec the segment was built by (its seed draws the binary tier's rotation);
     *     unused for PQ_CODES
     * @throws IllegalArgumentException for PQ_CODES on a segment that is not IVF-PQ
     * @throws IllegalStateException from a tier without full vectors to another one (read the blob
     *     again instead)
     */
    public SealedSegment withTier(MemoryTier tier, SegmentSpec spec) {
        Objects.requireNonNull(tier, "tier");
        if (tier == this.tier) {
            return this;
        }
        if (this.tier != MemoryTier.FULL) {
            throw new IllegalStateException(
                    "segment " + id + " dropped its full vectors; read its blob with tier FULL");
        }
        if (tier == MemoryTier.BINARY) {
            int n = ids.size();
            float[] vectors = new float[n * dimension];
            for (int o = 0; o < n; o++) {
                System.arraycopy(vectorAt(o), 0, vectors, o * dimension, dimension);
            }
            return new SealedSegment(
                    id,
                    type,
                    dimension,
                    metric,
                    tier,
                    ids,
                    attributes,
                    null,
                    null,
                    n == 0 ? null : binaryCodes(spec, id, vectors, n),
                    keywords,
                    (BitSet) dead.clone());
        }
        if (type != SegmentType.IVF_PQ) {
            throw new IllegalArgumentException(
                    "memory tier pq-codes needs ivf-pq segments, but segment "
                            + id
                            + " is "
                            + type.configName()
                            + "; use tier full or index type ivf-pq");
        }
        return new SealedSegment(
                id,
                type,
                dimension,
                metric,
                tier,
                ids,
                attributes,
                null,
                ivf == null ? null : ivf.withoutVectors(),
                null,
                keywords,
                (BitSet) dead.clone());
    }

    /** {@link #withTier(MemoryTier, SegmentSpec)} to a tier that needs no spec (PQ_CODES, FULL). */
    public SealedSegment withTier(MemoryTier tier) {
        if (tier == MemoryTier.BINARY && this.tier != MemoryTier.BINARY) {
            throw new IllegalArgumentException("the binary tier needs the segment's spec");
        }
        return withTier(tier, null);
    }

    public long id() {
        return id;
    }

    public SegmentType type() {
        return type;
    }

    public int dimension() {
        return dimension;
    }

    Metric metric() {
        return metric;
    }

    public MemoryTier tier() {
        return tier;
    }

    /** Vectors in the segment, dead ones included. */
    public int size() {
        return ids.size();
    }

    public int liveCount() {
        return ids.size() - deadCount;
    }

    /** Notes that {@code count} of this segment's vectors made it into an answer. */
    public void recordHits(long count) {
        hits += count;
    }

    /**
     * Answer hits per live vector since the segment was loaded (a merge starts with its sources'
     * hits): the coldest segment (lowest) is the first to leave the full tier under memory
     * pressure.
     */
    public double heat() {
        return (double) hits / Math.max(1, liveCount());
    }

    /** Answer hits since the segment was loaded, with those its merge's sources had. */
    public long hits() {
        return hits;
    }

    /** Nanoseconds since this segment was built or loaded. */
    public long ageNanos() {
        return System.nanoTime() - bornNanos;
    }

    public int deletedCount() {
        return deadCount;
    }

    /** The ordinal of live {@code id}, or -1 if it is not here or dead. */
    public int ordinalOf(String id) {
        int ordinal = ids.ordinalOf(id);
        return ordinal < 0 || dead.get(ordinal) ? -1 : ordinal;
    }

    public String idAt(int ordinal) {
        checkOrdinal(ordinal);
        return ids.get(ordinal);
    }

    /** Marks {@code ordinal} dead; returns false if it already was. */
    public boolean kill(int ordinal) {
        checkOrdinal(ordinal);
        if (dead.get(ordinal)) {
            return false;
        }
        dead.set(ordinal);
        deadCount++;
        forgetText(ordinal);
        return true;
    }

    public boolean isLive(int ordinal) {
        checkOrdinal(ordinal);
        return !dead.get(ordinal);
    }

    /**
     * A copy of the stored vector at {@code ordinal}, dead or not (FULL tier only).
     *
     * @throws IllegalStateException in the PQ_CODES and BINARY tiers, which keep no full vectors
     */
    public float[] vectorAt(int ordinal) {
        checkOrdinal(ordinal);
        if (tier != MemoryTier.FULL) {
            throw new IllegalStateException(
                    "segment "
                            + id
                            + (tier == MemoryTier.PQ_CODES
                                    ? " keeps only PQ codes; read "
                                    : " keeps only one-bit codes; read ")
                            + ids.get(ordinal)
                            + " from the vector source");
        }
        return hnsw != null ? hnsw.vector(ordinal) : ivf.vector(ordinal);
    }

    /** The inverted index of the texts (dead ordinals included: check {@link #isLive}). */
    public KeywordIndex keywords() {
        return keywords;
    }

    /** Live vectors with a text. */
    public int liveTextCount() {
        return liveTextCount;
    }

    /** The lengths of the live texts, summed. */
    public long liveTextLength() {
        return liveTextLength;
    }

    /** The metadata of the vector at {@code ordinal}, dead or not (an unmodifiable map). */
    public Map<String, String> metadataAt(int ordinal) {
        checkOrdinal(ordinal);
        return attributes.row(ordinal);
    }

    /** The metadata of every ordinal, dead or not, in one pass (see {@link Attributes#rows}). */
    public List<Map<String, String>> metadataRows() {
        return attributes.rows();
    }

    /** {@link #search(float[], SearchKnobs, VectorSource, Filter)} without a filter. */
    public SearchHits search(float[] query, SearchKnobs knobs, VectorSource source) {
        return search(query, knobs, source, null);
    }

    /**
     * The k best live vectors for {@code query} that match {@code filter}, best first, with
     * external scores (as {@code Metric#externalScore}). HNSW searches with a beam of {@code
     * max(ef, k)}; IVF probes {@code nprobe} lists and, for IVF-PQ, rescores the best {@code
     * rerank} candidates exactly. Both scan the matching vectors exactly instead when the filter is
     * selective enough.
     *
     * @param source full vectors for reranking in the PQ_CODES tier; ignored otherwise. An id it
     *     returns null for is left out.
     * @param filter the metadata filter, or null for none
     */
    public SearchHits search(float[] query, SearchKnobs knobs, VectorSource source, Filter filter) {
        ScoredNodes found = searchNodes(query, knobs, source, filter);
        String[] outIds = new String[found.size()];
        float[] outScores = new float[found.size()];
        for (int i = 0; i < outIds.length; i++) {
            outIds[i] = ids.get(found.nodes()[i]);
            outScores[i] = metric.externalScore(found.scores()[i]);
        }
        return new SearchHits(outIds, outScores);
    }

    /** As {@link #search}, as ordinals with internal scores (higher is closer). */
    ScoredNodes searchNodes(float[] query, SearchKnobs knobs, VectorSource source, Filter filter) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(knobs, "knobs");
        if (query.length != dimension) {
            throw new IllegalArgumentException(
                    "query has dimension " + query.length + ", segment has " + dimension);
        }
        if (liveCount() == 0) {
            return ScoredNodes.empty();
        }
        AcceptSet accept = deadCount == 0 ? null : liveOrdinals;
        if (filter != null) {
            // The exact matching live ordinals: their count is the filter's selectivity here.
            BitSet matching = attributes.select(filter);
            if (deadCount > 0) {
                matching.andNot(dead);
            }
            if (matching.isEmpty()) {
                return ScoredNodes.empty();
            }
            accept = AcceptSet.of(matching);
        }
        int k = knobs.k();
        if (hnsw != null) {
            return hnsw.search(query, k, Math.max(knobs.ef(), k), accept);
        }
        if (binary != null) {
            return binary.search(query, k, knobs.nprobe(), accept);
        }
        VectorLookup lookup = null;
        if (tier == MemoryTier.PQ_CODES) {
            Objects.requireNonNull(source, "a pq-codes segment needs a vector source");
            lookup = node -> source.vector(ids.get(node));
        }
        return ivf.search(query, k, knobs.nprobe(), knobs.rerank(), accept, lookup);
    }

    /**
     * Estimated heap bytes: index, ids, the id lookup, the metadata columns, the texts' index and
     * the tombstones' bit set (counted full size). Computed once: the contents never change.
     */
    public long memoryBytes() {
        if (memoryBytes < 0) {
            memoryBytes = estimateMemoryBytes();
        }
        return memoryBytes;
    }

    private long estimateMemoryBytes() {
        long bytes = 96 + ids.memoryBytes() + ids.size() / 8 + 24;
        bytes += attributes.memoryBytes() + keywords.memoryBytes();
        if (hnsw != null) {
            bytes += hnsw.memoryBytes();
        } else if (ivf != null) {
            bytes += ivf.memoryBytes();
        } else if (binary != null) {
            bytes += binary.memoryBytes();
        }
        return bytes;
    }

    @Override
    public String toString() {
        return "SealedSegment("
                + id
                + ", "
                + type.configName()
                + ", "
                + tier.configName()
                + ", "
                + liveCount()
                + "/"
                + ids.size()
                + " live)";
    }

    // For SegmentFormat.

    static SealedSegment of(
            long id,
            SegmentType type,
            int dimension,
            Metric metric,
            SegmentIds ids,
            Attributes attributes,
            KeywordIndex keywords,
            HnswIndex hnsw,
            IvfIndex ivf,
            BinaryIvf binary) {
        return new SealedSegment(
                id,
                type,
                dimension,
                metric,
                binary != null ? MemoryTier.BINARY : MemoryTier.FULL,
                ids,
                attributes,
                hnsw,
                ivf,
                binary,
                keywords,
                new BitSet());
    }

    SegmentIds ids() {
        return ids;
    }

    BinaryIvf binary() {
        return binary;
    }

    Attributes attributes() {
        return attributes;
    }

    HnswIndex hnsw() {
        return hnsw;
    }

    IvfIndex ivf() {
        return ivf;
    }

    private static HnswIndex buildHnsw(SegmentSpec spec, float[] vectors, int n, long seed) {
        int dim = spec.dimension();
        HnswIndex index =
                HnswIndex.builder(dim, spec.metric())
                        .m(spec.hnswM())
                        .efConstruction(spec.hnswEfConstruction())
                        .seed(seed)
                        .expectedSize(n)
                        .build();
        addAll(index, vectors, n, dim);
        return index;
    }

    /**
     * Inserts the first {@code n} vectors of {@code vectors} in order; a build may be cancelled.
     */
    private static void addAll(HnswIndex index, float[] vectors, int n, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            if ((i & 63) == 0) {
                Interruption.check();
            }
            System.arraycopy(vectors, i * dim, v, 0, dim);
            index.add(v);
        }
    }

    private static IvfIndex buildIvf(SegmentSpec spec, float[] vectors, int n, long seed) {
        int dim = spec.dimension();
        IvfIndex index =
                IvfIndex.train(
                        trainingSample(vectors, n, dim, seed), spec.metric(), ivf(spec, n, seed));
        float[] v = new float[dim];
        for (int i = 0; i < n; i++) {
            if ((i & 1023) == 0) {
                Interruption.check();
            }
            System.arraycopy(vectors, i * dim, v, 0, dim);
            index.add(v);
        }
        return index;
    }

    /** The IVF settings of a segment of {@code n} vectors. */
    static IvfParams ivf(SegmentSpec spec, int n, long seed) {
        int nlist = spec.ivfNlist() > 0 ? spec.ivfNlist() : (int) Math.round(Math.sqrt(n));
        nlist = Math.max(1, Math.min(nlist, n));
        int pqM = 0;
        if (spec.type() == SegmentType.IVF_PQ) {
            pqM = spec.pqM() > 0 ? spec.pqM() : defaultPqM(spec.dimension());
        }
        return new IvfParams(nlist, pqM, seed, spec.trainIterations());
    }

    /** The largest divisor of {@code dim} that is at most {@code dim / 8}, and at least 1. */
    static int defaultPqM(int dim) {
        for (int m = dim / 8; m > 1; m--) {
            if (dim % m == 0) {
                return m;
            }
        }
        return 1;
    }

    /** All vectors, or a seeded sample of {@value #MAX_TRAINING_SAMPLE} of them. */
    private static float[][] trainingSample(float[] vectors, int n, int dim, long seed) {
        int size = Math.min(n, MAX_TRAINING_SAMPLE);
        // Index permutation: n ints, small next to the n * dim floats it picks from.
        int[] pick = new int[n];
        for (int i = 0; i < n; i++) {
            pick[i] = i;
        }
        if (size < n) {
            // Partial Fisher-Yates: the first `size` entries become a uniform sample.
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < size; i++) {
                int j = i + random.nextInt(n - i);
                int t = pick[i];
                pick[i] = pick[j];
                pick[j] = t;
            }
        }
        float[][] sample = new float[size][];
        for (int i = 0; i < size; i++) {
            sample[i] = Arrays.copyOfRange(vectors, pick[i] * dim, (pick[i] + 1) * dim);
        }
        return sample;
    }

    /** SplitMix64's finaliser: spreads segment ids so neighbouring segments get unrelated seeds. */
    private static long mix(long x) {
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    private void checkOrdinal(int ordinal) {
        if (ordinal < 0 || ordinal >= ids.size()) {
            throw new IndexOutOfBoundsException(
                    "ordinal " + ordinal + " is not in segment " + id + " of size " + ids.size());
        }
    }

    /** The live ordinals as a filter; its count follows kills. */
    private final class LiveOrdinals implements AcceptSet {

        @Override
        public boolean accepts(int node) {
            return !dead.get(node);
        }

        @Override
        public int count() {
            return ids.size() - deadCount;
        }
    }
}
