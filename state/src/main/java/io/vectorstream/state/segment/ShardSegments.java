package io.vectorstream.state.segment;

import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.quant.BinaryIvf;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.internal.GrowingSegment;
import io.vectorstream.state.text.DocTerms;
import io.vectorstream.state.text.KeywordIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The in-memory view of one shard: a growing segment (exact search) plus immutable sealed segments,
 * each live id in exactly one place. A cache derived from persisted state: the caller persists what
 * the mutators report (tombstones, ids moved out of the growing segment) and can restore this view
 * with {@link #restoreGrowing} and {@link #restoreSealed} without building anything.
 *
 * <p>A shard has two build lanes, as Lucene flushes while it merges: at most one seal and one
 * compaction are in flight at a time, side by side, so a long merge never holds back the seal that
 * keeps the growing segment (searched exactly) small. A seal takes the oldest growing vectors, at
 * most as many as asked, so a burst of writes becomes several bounded seals rather than one that
 * snowballs. Not thread-safe: only the task thread calls it; only {@link SegmentBuild#run} runs
 * elsewhere.
 *
 * <p>Invariant: a live id is either in the growing segment or live in exactly one sealed segment. A
 * build in flight holds copies only; writes that race with it are reconciled by {@link #install}
 * (see {@link io.vectorstream.state.segment} for the whole life cycle).
 */
public final class ShardSegments {

    private final SegmentSpec spec;
    private final MemoryTier tier;
    private final int dim;
    private final GrowingSegment growing;
    private final List<SealedSegment> sealed = new ArrayList<>();
    private final List<SealedSegment> sealedView = Collections.unmodifiableList(sealed);
    private SegmentBuild sealing;
    private SegmentBuild merging;

    /** The tier seals and compactions produce: the shard's, or BINARY while a budget asks. */
    private MemoryTier buildTier;

    /**
     * For the compaction in flight, where each of its vectors came from: the source's index in
     * {@link SegmentBuild#sourceSegments} in the high 32 bits, its ordinal there in the low.
     */
    private long[] mergeOrigins;

    /**
     * An empty shard whose sealed segments are built by {@code spec} and kept in {@code tier}. In
     * the {@link MemoryTier#BINARY} tier seals build one-bit codes only, of any segment type.
     *
     * @throws IllegalArgumentException if {@code tier} is PQ_CODES and the type is not IVF-PQ
     */
    public ShardSegments(SegmentSpec spec, MemoryTier tier) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.tier = Objects.requireNonNull(tier, "tier");
        if (tier == MemoryTier.PQ_CODES && spec.type() != SegmentType.IVF_PQ) {
            throw new IllegalArgumentException(
                    "memory tier pq-codes needs index type ivf-pq, got "
                            + spec.type().configName()
                            + "; use tier full or index type ivf-pq");
        }
        this.dim = spec.dimension();
        this.growing = new GrowingSegment(dim, spec.metric());
        this.buildTier = binaryPossible(tier) ? MemoryTier.BINARY : MemoryTier.FULL;
    }

    /**
     * Whether this shard may build binary segments when {@code asked} is its tier or a budget's.
     */
    private boolean binaryPossible(MemoryTier asked) {
        // A pq-codes shard keeps its codes (smaller than one bit a dimension when pq-m < dim / 8);
        // vectors too long for a rotation matrix stay full.
        return asked == MemoryTier.BINARY && tier != MemoryTier.PQ_CODES && BinaryIvf.supports(dim);
    }

    /**
     * Makes every seal and compaction started from now on produce {@link MemoryTier#BINARY}
     * segments (a memory budget under pressure asks this), or, with false, the shard's own tier
     * again. A compaction with a binary source is binary anyway: its sources' full vectors are no
     * longer in memory, and a merge would put the coded vectors back in the full tier. A pq-codes
     * shard, and vectors of more than {@link BinaryIvf#MAX_DIMENSION} components, stay as they are.
     */
    public void buildIntoBinary(boolean binary) {
        buildTier =
                binaryPossible(binary ? MemoryTier.BINARY : tier)
                        ? MemoryTier.BINARY
                        : MemoryTier.FULL;
    }

    /** Whether seals and compactions now produce binary segments. */
    public boolean buildsBinary() {
        return buildTier == MemoryTier.BINARY;
    }

    public SegmentSpec spec() {
        return spec;
    }

    public MemoryTier tier() {
        return tier;
    }

    /**
     * Puts a persisted growing vector back, with its metadata (null for none).
     *
     * @throws IllegalStateException if a build is in flight or {@code id} is already growing
     */
    public void restoreGrowing(String id, float[] vector, Map<String, String> metadata, long seq) {
        restoreGrowing(id, vector, metadata, null, seq);
    }

    /**
     * Puts a persisted growing vector back with its metadata and text (null for none); the text is
     * tokenized again, as the vector is put back again.
     *
     * @throws IllegalStateException if a build is in flight or {@code id} is already growing
     */
    public void restoreGrowing(
            String id, float[] vector, Map<String, String> metadata, String text, long seq) {
        Objects.requireNonNull(id, "id");
        checkVector(id, vector);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, got " + seq);
        }
        if (building()) {
            throw new IllegalStateException("restore before starting builds");
        }
        if (growing.contains(id)) {
            throw new IllegalStateException(id + " is restored twice into the growing segment");
        }
        growing.upsert(id, vector, copy(metadata), DocTerms.of(text), seq);
    }

    /**
     * Puts a loaded sealed segment back, its persisted tombstones already applied. It is kept as
     * given (read it in this shard's tier); segments go oldest first, as the manifest lists them.
     * Its live ids must not be live anywhere else in the shard (not checked).
     *
     * @throws IllegalArgumentException if the dimension differs or its id is already present
     * @throws IllegalStateException if a build is in flight
     */
    public void restoreSealed(SealedSegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (building()) {
            throw new IllegalStateException("restore before starting builds");
        }
        if (segment.dimension() != dim) {
            throw new IllegalArgumentException(
                    "segment "
                            + segment.id()
                            + " has dimension "
                            + segment.dimension()
                            + ", shard has "
                            + dim);
        }
        if (find(segment.id()) != null) {
            throw new IllegalArgumentException("segment " + segment.id() + " is already present");
        }
        sealed.add(segment);
    }

    /**
     * Inserts or replaces {@code id} with its metadata (null for none) in the growing segment under
     * sequence number {@code seq} (larger than any before in this shard); returns the tombstone of
     * its previous copy in a sealed segment, if there was one. The vector and metadata are copied;
     * the vector must be prepared for the metric.
     */
    public List<Tombstone> upsert(
            String id, float[] vector, Map<String, String> metadata, long seq) {
        return upsert(id, vector, metadata, null, seq);
    }

    /**
     * As {@link #upsert(String, float[], Map, long)}, with the text keyword search finds it by
     * (null for none).
     */
    public List<Tombstone> upsert(
            String id, float[] vector, Map<String, String> metadata, String text, long seq) {
        Objects.requireNonNull(id, "id");
        checkVector(id, vector);
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, got " + seq);
        }
        Map<String, String> attributes = copy(metadata);
        List<Tombstone> tombstones = growing.contains(id) ? List.of() : killSealed(id);
        growing.upsert(id, vector, attributes, DocTerms.of(text), seq);
        return tombstones;
    }

    /**
     * Removes {@code id}; returns the tombstone of its copy in a sealed segment, if any.
     *
     * @return tombstones to persist (empty if it was growing or absent; see {@link #contains})
     */
    public List<Tombstone> delete(String id) {
        Objects.requireNonNull(id, "id");
        if (growing.remove(id)) {
            return List.of();
        }
        return killSealed(id);
    }

    public boolean contains(String id) {
        return growing.contains(id) || findLive(id) != null;
    }

    public boolean isGrowing(String id) {
        return growing.contains(id);
    }

    /** Whether a seal or a compaction is in flight. */
    public boolean building() {
        return sealing != null || merging != null;
    }

    /** Whether {@code build} is the seal or the compaction in flight. */
    public boolean inFlight(SegmentBuild build) {
        return build != null && (build == sealing || build == merging);
    }

    /** Whether a seal is in flight. */
    public boolean sealing() {
        return sealing != null;
    }

    /** Whether a compaction is in flight. */
    public boolean merging() {
        return merging != null;
    }

    /** {@link #startSeal(long, int)} of the whole growing segment. */
    public SegmentBuild startSeal(long segmentId) {
        return startSeal(segmentId, Integer.MAX_VALUE);
    }

    /**
     * Snapshots the at most {@code maxVectors} oldest growing vectors (ids, vectors, metadata,
     * sequence numbers) as a seal into segment {@code segmentId}, or returns null if a seal is in
     * flight or the growing segment is empty. A compaction in flight does not hold it back. The
     * growing vectors stay searchable (and in the caller's state) until {@link #install}.
     */
    public SegmentBuild startSeal(long segmentId, int maxVectors) {
        if (sealing != null || growing.size() == 0) {
            return null;
        }
        GrowingSegment.Oldest oldest = growing.copyOldest(maxVectors);
        List<DocTerms> texts = oldest.texts();
        sealing =
                new SegmentBuild(
                        segmentId,
                        oldest.ids(),
                        oldest.vectors(),
                        oldest.metadata(),
                        oldest.seqs(),
                        new long[0],
                        null,
                        () -> KeywordIndex.of(texts),
                        buildTier);
        return sealing;
    }

    /**
     * Starts a compaction into {@code segmentId} of the segments {@code policy} picks, or returns
     * null if a compaction is in flight or none is due (a seal in flight does not hold it back).
     * Collects the live vectors of those segments (from memory, or from {@code source} in the
     * PQ_CODES tier) and their metadata (always from memory); an id {@code source} returns null for
     * no longer exists and is left out. When no live vector is left the build has no ids, and
     * installing it just drops the picked segments.
     */
    public SegmentBuild startCompaction(
            long segmentId, CompactionPolicy policy, VectorSource source) {
        return startCompaction(segmentId, policy, source, 0);
    }

    /**
     * As {@link #startCompaction(long, CompactionPolicy, VectorSource)}; for a shard nobody has
     * written to for {@code quietPeriods} idle periods (more than 0), what {@link
     * CompactionPolicy#pickAtRest} picks instead.
     */
    public SegmentBuild startCompaction(
            long segmentId, CompactionPolicy policy, VectorSource source, double quietPeriods) {
        Objects.requireNonNull(policy, "policy");
        if (merging != null) {
            return null;
        }
        List<SealedSegment> picked =
                quietPeriods > 0
                        ? policy.pickAtRest(sealedView, quietPeriods)
                        : policy.pick(sealedView);
        if (picked.isEmpty()) {
            return null;
        }
        MemoryTier into = buildTier;
        for (SealedSegment segment : picked) {
            if (segment.tier() == MemoryTier.BINARY) {
                into = MemoryTier.BINARY;
            }
        }
        return startCompaction(segmentId, picked, source, into);
    }

    /** Segments younger than this have had no time to earn hits: others go first. */
    static final long TIER_DOWN_MIN_AGE_NANOS = 30_000_000_000L;

    /**
     * Starts the move of this shard's coldest full segment ({@link SealedSegment#heat}; among
     * equals the oldest; segments younger than 30 s only when no older one is full) to the {@link
     * MemoryTier#BINARY} tier: a compaction of that one segment into a binary one, which also drops
     * its dead copies. Returns null if a compaction is in flight or no sealed segment with live
     * vectors is full.
     */
    public SegmentBuild startTierDown(long segmentId, VectorSource source) {
        if (merging != null || !binaryPossible(MemoryTier.BINARY)) {
            return null;
        }
        SealedSegment coldest = null;
        for (SealedSegment segment : sealed) {
            if (segment.tier() != MemoryTier.FULL || segment.liveCount() == 0) {
                continue;
            }
            if (coldest == null || colder(segment, coldest)) {
                coldest = segment;
            }
        }
        if (coldest == null) {
            return null;
        }
        return startCompaction(segmentId, List.of(coldest), source, MemoryTier.BINARY);
    }

    private static boolean colder(SealedSegment a, SealedSegment b) {
        boolean aSettled = a.ageNanos() >= TIER_DOWN_MIN_AGE_NANOS;
        boolean bSettled = b.ageNanos() >= TIER_DOWN_MIN_AGE_NANOS;
        if (aSettled != bSettled) {
            return aSettled;
        }
        if (a.heat() != b.heat()) {
            return a.heat() < b.heat();
        }
        return a.id() < b.id();
    }

    /** Sealed segments in {@link MemoryTier#FULL}, which a tier-down could still compress. */
    public int fullSegmentCount() {
        int full = 0;
        for (SealedSegment segment : sealed) {
            full += segment.tier() == MemoryTier.FULL ? 1 : 0;
        }
        return full;
    }

    private SegmentBuild startCompaction(
            long segmentId, List<SealedSegment> picked, VectorSource source, MemoryTier into) {
        SealedSegment base = into == MemoryTier.FULL ? mergeBase(picked) : null;
        if (base != null) {
            List<SealedSegment> baseFirst = new ArrayList<>(picked);
            baseFirst.remove(base);
            baseFirst.add(0, base);
            picked = baseFirst;
        }
        int live = 0;
        for (SealedSegment segment : picked) {
            live += segment.liveCount();
        }
        // The base's vectors are already in its graph: only its ids and metadata are copied.
        int baseSize = base == null ? 0 : base.size();
        String[] ids = new String[live];
        float[] vectors = new float[(live - baseSize) * dim];
        List<Map<String, String>> metadata = new ArrayList<>(live);
        long[] origins = new long[live];
        int n = 0;
        for (int p = 0; p < picked.size(); p++) {
            SealedSegment segment = picked.get(p);
            List<Map<String, String>> rows = segment.metadataRows();
            for (int ordinal = 0; ordinal < segment.size(); ordinal++) {
                if (!segment.isLive(ordinal)) {
                    continue;
                }
                String id = segment.idAt(ordinal);
                if (segment != base) {
                    float[] vector =
                            segment.tier() == MemoryTier.FULL
                                    ? segment.vectorAt(ordinal)
                                    : Objects.requireNonNull(source, "source").vector(id);
                    if (vector == null) {
                        continue;
                    }
                    checkVector(id, vector);
                    System.arraycopy(vector, 0, vectors, (n - baseSize) * dim, dim);
                }
                ids[n] = id;
                metadata.add(rows.get(ordinal));
                origins[n] = (long) p << 32 | ordinal;
                n++;
            }
        }
        long[] sources = new long[picked.size()];
        List<KeywordIndex> textSources = new ArrayList<>(picked.size());
        for (int i = 0; i < sources.length; i++) {
            sources[i] = picked.get(i).id();
            textSources.add(picked.get(i).keywords());
        }
        long[] textOrigins = Arrays.copyOf(origins, n);
        merging =
                new SegmentBuild(
                        segmentId,
                        Arrays.copyOf(ids, n),
                        Arrays.copyOf(vectors, (n - baseSize) * dim),
                        metadata,
                        new long[0],
                        sources,
                        base,
                        () -> KeywordIndex.merge(textSources, textOrigins),
                        into);
        mergeOrigins = Arrays.copyOf(origins, n);
        return merging;
    }

    /**
     * The segment a merge of {@code picked} keeps the graph of: the largest HNSW segment without
     * dead vectors (a graph with dead nodes is rebuilt, as Lucene's merger does), or null.
     */
    private static SealedSegment mergeBase(List<SealedSegment> picked) {
        if (picked.size() < 2) {
            return null;
        }
        SealedSegment base = null;
        for (SealedSegment segment : picked) {
            if (segment.type() == SegmentType.HNSW
                    && segment.tier() == MemoryTier.FULL
                    && segment.size() > 0
                    && segment.deletedCount() == 0
                    && (base == null || segment.size() > base.size())) {
                base = segment;
            }
        }
        return base;
    }

    /**
     * Installs a finished build. Vectors written while it ran win: a copy in {@code built} whose id
     * was deleted or replaced meanwhile is tombstoned at once.
     *
     * <ol>
     *   <li>A seal: an id still growing under the sequence number the build copied leaves the
     *       growing segment ({@link Installed#movedFromGrowing}); any other (deleted or upserted
     *       again since) is killed in the new segment.
     *   <li>A compaction: an id stays live only if it is still live in one of the source segments
     *       (deletes and upserts during the build killed it there); the sources are then removed.
     * </ol>
     *
     * The new segment joins the sealed list last, in this shard's tier ({@code built} may already
     * be in it: tiering is pure and may run on the build thread); an empty one (a compaction of
     * dead segments) is not added, so the caller should persist nothing for it.
     *
     * <p>The other lane's build in flight is unaffected: a seal adds a segment no compaction in
     * flight picked, and a compaction removes only segments that no seal touches.
     *
     * @throws IllegalStateException if {@code build} is not a build in flight
     * @throws IllegalArgumentException if {@code built} is not the result of {@code build}
     */
    public Installed install(SegmentBuild build, SealedSegment built) {
        Objects.requireNonNull(build, "build");
        Objects.requireNonNull(built, "built");
        checkInFlight(build);
        if (built.id() != build.segmentId()
                || built.size() != build.ids().length
                || built.dimension() != dim) {
            throw new IllegalArgumentException(
                    built
                            + " is not the result of the build of segment "
                            + build.segmentId()
                            + " over "
                            + build.ids().length
                            + " vectors");
        }
        List<SealedSegment> sources = new ArrayList<>();
        for (long sourceId : build.sourceSegments()) {
            SealedSegment source = find(sourceId);
            if (source == null) {
                throw new IllegalStateException(
                        "source segment " + sourceId + " of the compaction is gone");
            }
            sources.add(source);
        }
        SealedSegment installed =
                built.size() > 0
                                && tier == MemoryTier.PQ_CODES
                                && built.tier() == MemoryTier.FULL
                                && built.type() == SegmentType.IVF_PQ
                        ? built.withTier(tier)
                        : built;
        String[] ids = build.ids();
        List<String> moved = new ArrayList<>(build.isSeal() ? ids.length : 0);
        List<Tombstone> tombstones = new ArrayList<>();
        // A seal's current copies leave the growing segment in one pass (see removeSealed).
        boolean[] takenFromGrowing =
                build.isSeal() ? growing.removeSealed(ids, build.seqs()) : null;
        for (int ordinal = 0; ordinal < ids.length; ordinal++) {
            String id = ids[ordinal];
            boolean current;
            if (build.isSeal()) {
                current = takenFromGrowing[ordinal];
                if (current) {
                    moved.add(id);
                }
            } else {
                // Still live where the build took it from: a bitset read, where looking the id
                // up in every source held the task thread for ~100 ms on a merge of 800,000.
                long origin = mergeOrigins[ordinal];
                current = sources.get((int) (origin >>> 32)).isLive((int) origin);
            }
            if (!current) {
                installed.kill(ordinal);
                if (installed != built) {
                    built.kill(ordinal);
                }
                tombstones.add(new Tombstone(build.segmentId(), ordinal));
            }
        }
        long sourceHits = 0;
        for (SealedSegment source : sources) {
            sourceHits += source.hits();
        }
        installed.recordHits(sourceHits);
        sealed.removeAll(sources);
        if (installed.size() > 0) {
            sealed.add(installed);
        }
        endLane(build);
        List<Long> removed = new ArrayList<>(sources.size());
        for (SealedSegment source : sources) {
            removed.add(source.id());
        }
        return new Installed(
                built, List.copyOf(moved), List.copyOf(removed), List.copyOf(tombstones));
    }

    /**
     * Forgets a failed build; the shard stays as before it started.
     *
     * @throws IllegalStateException if {@code build} is not a build in flight
     */
    public void abort(SegmentBuild build) {
        Objects.requireNonNull(build, "build");
        checkInFlight(build);
        endLane(build);
    }

    private void endLane(SegmentBuild build) {
        if (build == sealing) {
            sealing = null;
        } else {
            merging = null;
            mergeOrigins = null;
        }
    }

    /** {@link #search(float[], SearchKnobs, VectorSource, Filter)} without a filter. */
    public SearchHits search(float[] query, SearchKnobs knobs, VectorSource source) {
        return search(query, knobs, source, null);
    }

    /**
     * The k best live vectors over all segments that match {@code filter}, best first, with
     * external scores: a {@link CrossSegmentSearch} of this shard alone (see there for how {@code
     * ef} is shared among segments and how PQ_CODES segments rerank).
     *
     * <p>With a filter, the growing segment tests each vector's metadata during its scan, and each
     * sealed segment computes the exact set of its matching live vectors from its metadata columns
     * and lets its index choose, by that set's size, between a filtered index search and an exact
     * scan of the set (see {@link SealedSegment}). Every hit matches.
     *
     * @param filter the metadata filter, or null for none
     */
    public SearchHits search(float[] query, SearchKnobs knobs, VectorSource source, Filter filter) {
        RankedHits hits =
                CrossSegmentSearch.search(
                        List.of(this),
                        List.of(source == null ? VectorSource.NONE : source),
                        query,
                        knobs,
                        filter);
        return new SearchHits(hits.ids(), hits.scores());
    }

    /**
     * The k best live texts for the query {@code terms} by BM25 over this shard's statistics, that
     * match {@code filter} (null for none): a {@link KeywordSearch} of this shard alone.
     */
    public SearchHits keywordSearch(List<String> terms, int k, Filter filter) {
        RankedHits hits =
                KeywordSearch.search(List.of(this), List.of(VectorSource.NONE), terms, k, filter);
        return new SearchHits(hits.ids(), hits.scores());
    }

    /**
     * Vectors a query walks or scans: growing plus sealed, dead copies included (their share of
     * work), but not those of compressed segments, which are ranked by their codes instead (the
     * share of the beam a graph earns counts only the others).
     */
    public long searchedVectors() {
        long n = growing.size();
        for (SealedSegment segment : sealed) {
            n += segment.tier().rescoresFromSource() ? 0 : segment.size();
        }
        return n;
    }

    GrowingSegment growing() {
        return growing;
    }

    /** Live vectors in the shard: growing plus live in sealed segments. */
    public int liveCount() {
        int live = growing.size();
        for (SealedSegment segment : sealed) {
            live += segment.liveCount();
        }
        return live;
    }

    public int growingCount() {
        return growing.size();
    }

    /**
     * About how many bytes a sealed segment of the growing vectors would take ({@link
     * SealedSegment#memoryBytes}): vectors, ids, metadata and the index's own share per vector. In
     * constant time, so it can be checked on every write.
     */
    public long growingSegmentBytes() {
        long perVector =
                (long) dim * Float.BYTES
                        + 4
                        + 48 // id lookup entry
                        + switch (spec.type()) {
                            // Layer 0 holds 2m neighbours, the layers above about 1/m of that.
                            case HNSW -> 2L * spec.hnswM() * Integer.BYTES * 11 / 10 + 16;
                            case IVF_FLAT -> Integer.BYTES;
                            case IVF_PQ -> Integer.BYTES + Math.max(spec.pqM(), dim / 8);
                        };
        return growing.size() * perVector + growing.contentBytes();
    }

    /** The sealed segments, oldest first (unmodifiable, follows this view). */
    public List<SealedSegment> sealed() {
        return sealedView;
    }

    /** Dead vectors still held by sealed segments. */
    public long tombstoneCount() {
        long dead = 0;
        for (SealedSegment segment : sealed) {
            dead += segment.deletedCount();
        }
        return dead;
    }

    /**
     * Estimated heap bytes of the growing and sealed segments and of the copies the builds in
     * flight hold (a build's result is counted once installed; while it is built it takes about
     * what its copies do again, which a budget's headroom must cover).
     */
    public long memoryBytes() {
        long bytes = growing.memoryBytes();
        boolean binary = false;
        for (SealedSegment segment : sealed) {
            bytes += segment.memoryBytes();
            binary |= segment.tier() == MemoryTier.BINARY;
        }
        // The binary segments of a shard share one rotation (drawn from the spec's seed).
        bytes += binary ? BinaryIvf.rotationBytes(dim) : 0;
        bytes += sealing == null ? 0 : sealing.memoryBytes();
        bytes += merging == null ? 0 : merging.memoryBytes();
        return bytes;
    }

    private List<Tombstone> killSealed(String id) {
        for (SealedSegment segment : sealed) {
            int ordinal = segment.ordinalOf(id);
            if (ordinal >= 0) {
                segment.kill(ordinal);
                return List.of(new Tombstone(segment.id(), ordinal));
            }
        }
        return List.of();
    }

    private SealedSegment findLive(String id) {
        for (SealedSegment segment : sealed) {
            if (segment.ordinalOf(id) >= 0) {
                return segment;
            }
        }
        return null;
    }

    private SealedSegment find(long segmentId) {
        for (SealedSegment segment : sealed) {
            if (segment.id() == segmentId) {
                return segment;
            }
        }
        return null;
    }

    private void checkInFlight(SegmentBuild build) {
        SegmentBuild lane = build.isSeal() ? sealing : merging;
        String kind = build.isSeal() ? "seal" : "compaction";
        if (build != lane) {
            throw new IllegalStateException(
                    lane == null
                            ? "no " + kind + " is in flight"
                            : "segment "
                                    + build.segmentId()
                                    + " is not the "
                                    + kind
                                    + " in flight (segment "
                                    + lane.segmentId()
                                    + " is)");
        }
    }

    /** An immutable copy of {@code metadata}; empty for null. */
    private static Map<String, String> copy(Map<String, String> metadata) {
        return metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    private void checkVector(String id, float[] vector) {
        Objects.requireNonNull(vector, "vector");
        if (vector.length != dim) {
            throw new IllegalArgumentException(
                    "vector of " + id + " has dimension " + vector.length + ", shard has " + dim);
        }
    }

    /**
     * What {@link #install} changed, for the caller to persist.
     *
     * @param segment {@code built} as passed to {@link #install}, with the tombstones applied. The
     *     view holds it, or, when it was FULL and this shard keeps PQ_CODES, its PQ_CODES copy; so
     *     a FULL {@code built} can still be {@link SealedSegment#write written}. Empty (size 0, not
     *     added to the view, nothing to persist) when a compaction found no live vector.
     * @param movedFromGrowing ids that left the growing segment for it (a seal)
     * @param removedSegments ids of the segments it replaced (a compaction)
     * @param tombstones dead copies in the new segment
     */
    public record Installed(
            SealedSegment segment,
            List<String> movedFromGrowing,
            List<Long> removedSegments,
            List<Tombstone> tombstones) {}
}
