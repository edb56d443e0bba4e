package io.vectorstream.state.segment;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.filter.Attributes;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.hnsw.HnswIndex;
import io.vectorstream.state.ivf.IvfIndex;
import io.vectorstream.state.ivf.IvfParams;
import io.vectorstream.state.ivf.VectorLookup;
import io.vectorstream.state.search.AcceptSet;
import io.vectorstream.state.search.ScoredNodes;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.internal.MemoryEstimates;
import io.vectorstream.state.text.KeywordIndex;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
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
    private final String[] ids;
    private final Map<String, Integer> ordinals;
    private final Attributes attributes;
    private final HnswIndex hnsw;
    private final IvfIndex ivf;
    private final KeywordIndex keywords;
    private final BitSet dead;
    private int deadCount;

    /** Live vectors with a text, and their lengths summed: kept up to date by {@link #kill}. */
    private int liveTextCount;

    private long liveTextLength;
    private long memoryBytes = -1;
    private final AcceptSet liveOrdinals = new LiveOrdinals();

    private SealedSegment(
            long id,
            SegmentType type,
            int dimension,
            Metric metric,
            MemoryTier tier,
            String[] ids,
            Map<String, Integer> ordinals,
            Attributes attributes,
            HnswIndex hnsw,
            IvfIndex ivf,
            KeywordIndex keywords,
            BitSet dead) {
        assert ids.length == 0 || (hnsw != null) != (ivf != null) : "exactly one index";
        assert attributes.size() == ids.length : "attributes of every vector";
        assert keywords.size() == ids.length : "text lengths of every vector";
        this.id = id;
        this.type = type;
        this.dimension = dimension;
        this.metric = metric;
        this.tier = tier;
        this.ids = ids;
        this.ordinals = ordinals;
        this.attributes = attributes;
        this.hnsw = hnsw;
        this.ivf = ivf;
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
        Map<String, Integer> ordinals = ordinalMap(ids);
        if (ordinals.size() != n) {
            throw new IllegalArgumentException("ids of a segment must be distinct");
        }
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
                ids.clone(),
                ordinals,
                attributes,
                hnsw,
                ivf,
                texts,
                new BitSet());
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
        for (int i = 0; i < base.ids.length; i++) {
            if (!base.ids[i].equals(ids[i])) {
                throw new IllegalArgumentException(
                        "the ids of an extended segment must start with its base's");
            }
        }
        int added = ids.length - base.ids.length;
        Map<String, Integer> ordinals = ordinalMap(ids);
        if (ordinals.size() != ids.length || (long) added * dim != vectors.length) {
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
                ids.clone(),
                ordinals,
                metadata == null ? Attributes.none(ids.length) : Attributes.of(metadata),
                hnsw,
                null,
                keywordsOf(keywords, ids.length),
                new BitSet());
    }

    /**
     * Reads a segment written by {@link #write}: a load, never a rebuild. Consumes exactly the
     * segment's bytes; pass a buffered stream for speed. For {@link MemoryTier#PQ_CODES} the full
     * vectors are read and then dropped.
     *
     * @throws io.vectorstream.state.format.CorruptIndexException if the data is truncated,
     *     inconsistent or not a segment
     * @throws IllegalArgumentException if {@code tier} is PQ_CODES and the segment is not IVF-PQ
     */
    public static SealedSegment read(InputStream in, MemoryTier tier) throws IOException {
        Objects.requireNonNull(tier, "tier");
        return SegmentFormat.read(in).withTier(tier);
    }

    /**
     * Writes the segment without tombstones (see {@link SegmentFormat}); flushes, does not close.
     * The index is frozen and tombstones live beside it, so the bytes are the same before and after
     * any {@link #kill}.
     *
     * @throws IllegalStateException in the {@link MemoryTier#PQ_CODES} tier, which no longer holds
     *     the full vectors the blob needs: write the segment {@link #build} or {@link #read}
     *     returned before tiering it
     */
    public void write(OutputStream out) throws IOException {
        if (tier != MemoryTier.FULL) {
            throw new IllegalStateException(
                    "segment "
                            + id
                            + " keeps only PQ codes and cannot be written; write the FULL segment"
                            + " that build or read returned");
        }
        SegmentFormat.write(this, out);
    }

    /**
     * This segment in {@code tier}, or itself if already there. For {@link MemoryTier#PQ_CODES} the
     * copy shares ids and codes with this one, starts with a copy of its tombstones, and drops the
     * full vectors (this segment keeps them).
     *
     * @throws IllegalArgumentException for PQ_CODES on a segment that is not IVF-PQ
     * @throws IllegalStateException for FULL on a PQ_CODES segment (read the blob again instead)
     */
    public SealedSegment withTier(MemoryTier tier) {
        Objects.requireNonNull(tier, "tier");
        if (tier == this.tier) {
            return this;
        }
        if (tier == MemoryTier.FULL) {
            throw new IllegalStateException(
                    "segment " + id + " dropped its full vectors; read its blob with tier FULL");
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
                ordinals,
                attributes,
                null,
                ivf == null ? null : ivf.withoutVectors(),
                keywords,
                (BitSet) dead.clone());
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
        return ids.length;
    }

    public int liveCount() {
        return ids.length - deadCount;
    }

    public int deletedCount() {
        return deadCount;
    }

    /** The ordinal of live {@code id}, or -1 if it is not here or dead. */
    public int ordinalOf(String id) {
        Integer ordinal = ordinals.get(id);
        return ordinal == null || dead.get(ordinal) ? -1 : ordinal;
    }

    public String idAt(int ordinal) {
        checkOrdinal(ordinal);
        return ids[ordinal];
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
     * @throws IllegalStateException in the PQ_CODES tier, which keeps no full vectors
     */
    public float[] vectorAt(int ordinal) {
        checkOrdinal(ordinal);
        if (tier != MemoryTier.FULL) {
            throw new IllegalStateException(
                    "segment "
                            + id
                            + " keeps only PQ codes; read "
                            + ids[ordinal]
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
            outIds[i] = ids[found.nodes()[i]];
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
        VectorLookup lookup = null;
        if (tier == MemoryTier.PQ_CODES) {
            Objects.requireNonNull(source, "a pq-codes segment needs a vector source");
            lookup = node -> source.vector(ids[node]);
        }
        return ivf.search(query, k, knobs.nprobe(), knobs.rerank(), accept, lookup);
    }

    /**
     * Estimated heap bytes: index, ids, the id lookup and the metadata columns. Computed once (the
     * contents never change; the tombstones' bit set is not counted).
     */
    public long memoryBytes() {
        if (memoryBytes < 0) {
            memoryBytes = estimateMemoryBytes();
        }
        return memoryBytes;
    }

    private long estimateMemoryBytes() {
        long bytes = 64 + 16 + (long) ids.length * 4 + MemoryEstimates.hashMapBytes(ids.length);
        for (String s : ids) {
            bytes += MemoryEstimates.stringBytes(s);
        }
        bytes += attributes.memoryBytes() + keywords.memoryBytes();
        if (hnsw != null) {
            bytes += hnsw.memoryBytes();
        } else if (ivf != null) {
            bytes += ivf.memoryBytes();
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
                + ids.length
                + " live)";
    }

    // For SegmentFormat.

    static SealedSegment of(
            long id,
            SegmentType type,
            int dimension,
            Metric metric,
            String[] ids,
            Map<String, Integer> ordinals,
            Attributes attributes,
            KeywordIndex keywords,
            HnswIndex hnsw,
            IvfIndex ivf) {
        return new SealedSegment(
                id,
                type,
                dimension,
                metric,
                MemoryTier.FULL,
                ids,
                ordinals,
                attributes,
                hnsw,
                ivf,
                keywords,
                new BitSet());
    }

    String[] ids() {
        return ids;
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

    /** id → ordinal; smaller than {@code ids} when an id repeats. */
    static Map<String, Integer> ordinalMap(String[] ids) {
        Map<String, Integer> map = new HashMap<>((int) (ids.length / 0.75f) + 1);
        for (int i = 0; i < ids.length; i++) {
            map.put(Objects.requireNonNull(ids[i], "id"), i);
        }
        return map;
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
        if (ordinal < 0 || ordinal >= ids.length) {
            throw new IndexOutOfBoundsException(
                    "ordinal " + ordinal + " is not in segment " + id + " of size " + ids.length);
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
            return ids.length - deadCount;
        }
    }
}
