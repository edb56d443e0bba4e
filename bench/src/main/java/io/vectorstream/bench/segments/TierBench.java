package io.vectorstream.bench.segments;

import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.SegmentType;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.VectorSource;
import io.vectorstream.state.vector.VectorMath;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The memory tiers side by side on one data set, in the index core: the shard's sealed segments in
 * the full tier (HNSW, or IVF-Flat with {@code --full ivf-flat}), as IVF-PQ codes and as one-bit
 * codes, each searched through {@link ShardSegments#search} (the job's cross-segment search, with
 * the compressed tiers rescored from a {@link VectorSource} as the job rescores from RocksDB).
 * Prints, per tier and setting: heap bytes per vector (the segments' estimate, and the JVM's heap
 * after a full GC with only that tier loaded), recall@10 against the exact top 10, and queries per
 * CPU second of the searching thread.
 *
 * <p>Usage: {@code TierBench DATA_DIR [--segment-size S] [--full hnsw|ivf-flat] [--queries Q]
 * [--tiers full,binary,pq-codes] [--nlist N]}; segment size 0 puts every vector in one segment,
 * nlist 0 gives IVF segments about sqrt(n) lists (and binary ones a quarter of what IVF gets).
 */
public final class TierBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TierBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int segmentSize = 65_536;
        SegmentType fullType = SegmentType.HNSW;
        int queries = Integer.MAX_VALUE;
        String tiers = "full,binary,pq-codes";
        int nlist = 0;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--segment-size" -> segmentSize = Integer.parseInt(args[i + 1]);
                case "--full" -> fullType = SegmentType.parse(args[i + 1]);
                case "--queries" -> queries = Integer.parseInt(args[i + 1]);
                case "--tiers" -> tiers = args[i + 1];
                case "--nlist" -> nlist = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        AnnDataSet read = AnnDataSet.read(dir);
        float[][] base = read.base();
        float[][] q = read.queries();
        if (read.metric().normalises()) {
            for (float[] v : base) {
                VectorMath.normalize(v);
            }
            for (float[] v : q) {
                VectorMath.normalize(v);
            }
        }
        int nq = Math.min(queries, q.length);
        AnnDataSet ds =
                new AnnDataSet(
                        read.name(),
                        read.metric(),
                        base,
                        java.util.Arrays.copyOf(q, nq),
                        java.util.Arrays.copyOf(read.truth(), nq));
        int n = base.length;
        int dim = ds.dimension();
        ShardRouter oneShard = new ShardRouter(1, 128);
        VectorSource source = StandaloneSegments.source(base);
        System.out.printf(
                Locale.ROOT,
                "# %s: %d x %d %s, segments of %d, %d queries, %d cores%n",
                ds.name(),
                n,
                dim,
                ds.metric(),
                segmentSize,
                nq,
                Runtime.getRuntime().availableProcessors());
        System.out.println(
                "tier,type,setting,segments,estimate_bytes_per_vector,"
                        + "heap_bytes_per_vector,recall_at_10,qps_cpu,build_s");

        long empty = heapAfterGc();
        SegmentSpec full = spec(fullType, ds, dim, nlist);
        if (tiers.contains("full")) {
            StandaloneSegments.Built built =
                    StandaloneSegments.build(base, n, oneShard, segmentSize, full, 2);
            ShardSegments view = StandaloneSegments.view(built, full, MemoryTier.FULL);
            long heap = heapAfterGc() - empty;
            for (int ef : new int[] {32, 64, 128}) {
                SearchKnobs knobs = new SearchKnobs(10, ef, 16, 0);
                report(
                        "full",
                        fullType,
                        "ef=" + ef + ",nprobe=16",
                        view,
                        heap,
                        ds,
                        knobs,
                        source,
                        built.wallSeconds());
            }
        }
        if (tiers.contains("binary")) {
            // Coded straight from the vectors, as a seal into the binary tier does.
            long start = System.nanoTime();
            ShardSegments view = new ShardSegments(full, MemoryTier.BINARY);
            int size = segmentSize > 0 ? segmentSize : n;
            for (int from = 0, id = 0; from < n; from += size, id++) {
                int count = Math.min(size, n - from);
                String[] ids = new String[count];
                float[] flat = new float[count * dim];
                for (int j = 0; j < count; j++) {
                    ids[j] = StandaloneSegments.id(from + j);
                    System.arraycopy(base[from + j], 0, flat, j * dim, dim);
                }
                view.restoreSealed(SealedSegment.buildBinary(id, full, ids, flat, null, null));
            }
            double build = (System.nanoTime() - start) / 1e9;
            long heap = heapAfterGc() - empty;
            for (int nprobe : new int[] {8, 16, 32}) {
                for (int r : new int[] {1, 2, 4, 8, 16, 32}) {
                    SearchKnobs knobs = new SearchKnobs(10, 64, nprobe, 10 * r);
                    report(
                            "binary",
                            fullType,
                            "nprobe=" + nprobe + ",rerank=" + 10 * r,
                            view,
                            heap,
                            ds,
                            knobs,
                            source,
                            build);
                }
            }
        }
        if (tiers.contains("pq-codes")) {
            SegmentSpec pq = spec(SegmentType.IVF_PQ, ds, dim, nlist);
            StandaloneSegments.Built built =
                    StandaloneSegments.build(base, n, oneShard, segmentSize, pq, 2);
            ShardSegments view = StandaloneSegments.view(built, pq, MemoryTier.PQ_CODES);
            double build = built.wallSeconds();
            built = null;
            long heap = heapAfterGc() - empty;
            for (int nprobe : new int[] {16, 32, 64}) {
                for (int r : new int[] {1, 4, 16}) {
                    SearchKnobs knobs = new SearchKnobs(10, 64, nprobe, 10 * r);
                    report(
                            "pq-codes",
                            SegmentType.IVF_PQ,
                            "nprobe=" + nprobe + ",rerank=" + 10 * r,
                            view,
                            heap,
                            ds,
                            knobs,
                            source,
                            build);
                }
            }
        }
    }

    private static SegmentSpec spec(SegmentType type, AnnDataSet ds, int dim, int nlist) {
        return new SegmentSpec(type, ds.metric(), dim, 16, 200, nlist, 0, 25, 42);
    }

    private static void report(
            String tier,
            SegmentType type,
            String setting,
            ShardSegments view,
            long heap,
            AnnDataSet ds,
            SearchKnobs knobs,
            VectorSource source,
            double buildSeconds) {
        int n = view.liveCount();
        double recall = StandaloneSegments.recallAt10(view, ds, knobs, source); // also warms up
        double best = 0;
        for (int pass = 0; pass < 3; pass++) {
            long cpu = THREADS.getCurrentThreadCpuTime();
            int done = 0;
            do {
                for (float[] query : ds.queries()) {
                    view.search(query, knobs, source);
                }
                done += ds.queries().length;
            } while (THREADS.getCurrentThreadCpuTime() - cpu < 1_000_000_000L);
            best = Math.max(best, done / ((THREADS.getCurrentThreadCpuTime() - cpu) / 1e9));
        }
        System.out.printf(
                Locale.ROOT,
                "%s,%s,\"%s\",%d,%.1f,%.1f,%.4f,%.0f,%.1f%n",
                tier,
                type.configName(),
                setting,
                view.sealed().size(),
                (double) view.memoryBytes() / n,
                (double) heap / n,
                recall,
                best,
                buildSeconds);
    }

    private static long heapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
