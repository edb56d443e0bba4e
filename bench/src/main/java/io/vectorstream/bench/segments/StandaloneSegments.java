package io.vectorstream.bench.segments;

import io.vectorstream.bench.ann.AnnDataSet;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.state.search.SearchHits;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SearchKnobs;
import io.vectorstream.state.segment.SegmentSpec;
import io.vectorstream.state.segment.ShardSegments;
import io.vectorstream.state.segment.VectorSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The index core alone on the data the job received: the same sealed segments (same shard routing,
 * same seal size, same parameters) built without Flink or Kafka. Its build time is what a restore
 * would cost if it rebuilt the indexes, and the yardstick for the job's ingest throughput.
 */
final class StandaloneSegments {

    /**
     * The segments of the first n base vectors, and the vectors too few to fill a segment (which
     * the job keeps in growing segments).
     */
    record Built(
            List<SealedSegment> segments,
            List<String> growingIds,
            List<float[]> growingVectors,
            int sealedVectors,
            double wallSeconds) {}

    private StandaloneSegments() {}

    /**
     * Builds the full segments of every shard on {@code threads} threads; with {@code sealSize} 0,
     * one segment per shard of all its vectors (the job's geometry once a shard has merged at
     * rest).
     */
    static Built build(
            float[][] base, int n, ShardRouter router, int sealSize, SegmentSpec spec, int threads)
            throws Exception {
        List<List<Integer>> byShard = new ArrayList<>();
        for (int s = 0; s < router.shards(); s++) {
            byShard.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            byShard.get(router.shardOf(id(i))).add(i);
        }
        List<int[]> blocks = new ArrayList<>();
        List<String> growingIds = new ArrayList<>();
        List<float[]> growingVectors = new ArrayList<>();
        for (List<Integer> shard : byShard) {
            int size = sealSize > 0 ? sealSize : Math.max(1, shard.size());
            int full = shard.size() / size * size;
            for (int from = 0; from < full; from += size) {
                blocks.add(shard.subList(from, from + size).stream().mapToInt(x -> x).toArray());
            }
            for (int i = full; i < shard.size(); i++) {
                growingIds.add(id(shard.get(i)));
                growingVectors.add(base[shard.get(i)]);
            }
        }
        int dim = spec.dimension();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            List<Future<SealedSegment>> futures = new ArrayList<>();
            for (int b = 0; b < blocks.size(); b++) {
                int[] block = blocks.get(b);
                long segmentId = b;
                futures.add(
                        pool.submit(
                                () -> {
                                    String[] ids = new String[block.length];
                                    float[] flat = new float[block.length * dim];
                                    for (int j = 0; j < block.length; j++) {
                                        ids[j] = id(block[j]);
                                        System.arraycopy(base[block[j]], 0, flat, j * dim, dim);
                                    }
                                    return SealedSegment.build(segmentId, spec, ids, flat);
                                }));
            }
            List<SealedSegment> segments = new ArrayList<>();
            for (Future<SealedSegment> f : futures) {
                segments.add(f.get());
            }
            double wall = (System.nanoTime() - start) / 1e9;
            return new Built(segments, growingIds, growingVectors, n - growingIds.size(), wall);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One searchable view over all built segments (in {@code tier}) and the growing vectors. */
    static ShardSegments view(Built built, SegmentSpec spec, MemoryTier tier) {
        ShardSegments view = new ShardSegments(spec, tier);
        for (SealedSegment s : built.segments()) {
            view.restoreSealed(s.withTier(tier));
        }
        for (int i = 0; i < built.growingIds().size(); i++) {
            view.restoreGrowing(built.growingIds().get(i), built.growingVectors().get(i), null, i);
        }
        return view;
    }

    /** Full vectors by id, as the job reads them from RocksDB in the PQ-codes tier. */
    static VectorSource source(float[][] base) {
        return id -> base[Integer.parseInt(id.substring(1))];
    }

    /**
     * Mean recall@10 of {@code view} over the data set's queries (needs all base vectors in it).
     */
    static double recallAt10(
            ShardSegments view, AnnDataSet ds, SearchKnobs knobs, VectorSource src) {
        int[][] found = new int[ds.queries().length][];
        for (int q = 0; q < found.length; q++) {
            SearchHits hits = view.search(ds.queries()[q], knobs, src);
            found[q] = new int[hits.size()];
            for (int i = 0; i < hits.size(); i++) {
                found[q][i] = Integer.parseInt(hits.ids()[i].substring(1));
            }
        }
        return ds.recallAt(10, found);
    }

    /** The id the benchmark publishes base vector {@code i} under. */
    static String id(int i) {
        return "v" + i;
    }
}
