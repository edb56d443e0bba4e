package io.vectorstream.bench.segments;

import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.bench.data.Flags;
import io.vectorstream.state.filter.Filter;
import io.vectorstream.state.filter.FilterParser;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.search.TopK;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.SegmentType;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.VectorSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Filtered search on one shard's segments, single-threaded, no Flink: recall@10 against exact
 * filtered brute force and queries per CPU second at 50 %, 10 %, 1 % and 0.1 % selectivity. Every
 * base vector gets a metadata field {@code bucket} = ordinal mod 1000 (so {@code bucket < b}
 * selects exactly b/1000 of them, spread over every cluster and segment); the filter is a numeric
 * {@code range} on it. The vectors are sealed in segments of {@code --seal-size} (built as the job
 * builds them) with the remainder growing. Usage: {@code bench/run-filters.sh --data DIR}.
 */
public final class FilterBench {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        Flags f =
                Flags.parse(
                        args,
                        Set.of(
                                "data",
                                "vectors",
                                "seal-size",
                                "index",
                                "ef",
                                "nprobe",
                                "rerank",
                                "per-mille"),
                        "bench/run-filters.sh --data DIR [--vectors N] [--seal-size 20000] [--index"
                                + " hnsw|ivf-flat|ivf-pq] [--ef 64] [--nprobe 16] [--rerank 100]"
                                + " [--per-mille 500,100,10,1]");
        AnnDataSet ds = AnnDataSet.read(Paths.get(f.string("data", "")));
        int n = Math.min(f.integer("vectors", ds.base().length), ds.base().length);
        int sealSize = f.integer("seal-size", 20_000);
        SegmentType type = SegmentType.parse(f.string("index", "hnsw"));
        SearchKnobs knobs =
                new SearchKnobs(
                        10, f.integer("ef", 64), f.integer("nprobe", 16), f.integer("rerank", 100));
        int dim = ds.dimension();
        SegmentSpec spec = new SegmentSpec(type, ds.metric(), dim, 16, 100, 0, 0, 25, 42);

        long t0 = System.nanoTime();
        ShardSegments shard = new ShardSegments(spec, MemoryTier.FULL);
        for (int i = 0; i < n; i++) {
            shard.upsert(
                    StandaloneSegments.id(i), ds.base()[i], Map.of("bucket", "" + i % 1000), i);
            if (shard.growingCount() == sealSize) {
                SegmentBuild build = shard.startSeal(i);
                shard.install(build, build.run(spec));
            }
        }
        System.out.printf(
                "%s: %,d x %d, %s segments of %,d (%d sealed, %,d growing), built in %.1f s%n",
                ds.name(),
                n,
                dim,
                type.configName(),
                sealSize,
                shard.sealed().size(),
                shard.growingCount(),
                (System.nanoTime() - t0) / 1e9);
        System.out.println();
        System.out.println(
                "| selectivity | recall@10 | QPS (CPU) | exact filtered scan QPS (CPU) |");
        System.out.println("|---:|---:|---:|---:|");
        for (String perMilleText : f.string("per-mille", "500,100,10,1").split(",")) {
            int perMille = Integer.parseInt(perMilleText.trim());
            Filter filter =
                    FilterParser.parse("{\"range\": {\"bucket\": {\"lt\": " + perMille + "}}}");
            float[][] queries = ds.queries();
            int[][] truth = new int[queries.length][];
            long exactCpu = cpu();
            for (int q = 0; q < queries.length; q++) {
                truth[q] = exactFiltered(ds, n, queries[q], perMille);
            }
            exactCpu = cpu() - exactCpu;
            long hits = 0;
            long searchCpu = 0;
            int rounds = 0;
            // One untimed pass, then timed passes until one CPU second.
            for (int pass = 0; pass < 2 || searchCpu < 1_000_000_000L; pass++) {
                long start = cpu();
                for (int q = 0; q < queries.length; q++) {
                    SearchHits found = shard.search(queries[q], knobs, VectorSource.NONE, filter);
                    if (pass == 0) {
                        hits += overlap(found, truth[q], perMille);
                    }
                }
                if (pass > 0) {
                    searchCpu += cpu() - start;
                    rounds++;
                }
            }
            System.out.printf(
                    "| %s %% | %.3f | %,.0f | %,.0f |%n",
                    perMille / 10.0,
                    hits / (double) (queries.length * 10L),
                    queries.length * rounds / (searchCpu / 1e9),
                    queries.length / (exactCpu / 1e9));
        }
    }

    /** Counts the hits that are true top-10 neighbours, checking every hit matches the filter. */
    private static int overlap(SearchHits found, int[] truth, int perMille) {
        Set<Integer> t = new HashSet<>();
        for (int x : truth) {
            t.add(x);
        }
        int count = 0;
        for (String id : found.ids()) {
            int ordinal = Integer.parseInt(id.substring(1));
            if (ordinal % 1000 >= perMille) {
                throw new IllegalStateException(id + " does not match the filter");
            }
            count += t.contains(ordinal) ? 1 : 0;
        }
        return count;
    }

    /** The exact filtered top 10 by brute force over the matching base vectors. */
    private static int[] exactFiltered(AnnDataSet ds, int n, float[] query, int perMille) {
        TopK top = new TopK(10);
        float[][] base = ds.base();
        for (int i = 0; i < n; i++) {
            if (i % 1000 < perMille) {
                top.offer(ds.metric().score(query, base[i], 0, query.length), i);
            }
        }
        long[] best = top.drainBestFirst();
        int[] out = new int[best.length];
        for (int i = 0; i < best.length; i++) {
            out[i] = TopK.unpackNode(best[i]);
        }
        return out;
    }

    private static long cpu() {
        return THREADS.getCurrentThreadCpuTime();
    }
}
