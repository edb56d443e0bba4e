package io.vectorstream.bench.data;

import io.vectorstream.state.search.TopK;
import io.vectorstream.state.vector.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Exact k-nearest neighbours of many queries over a flat base array, on all cores.
 *
 * <p>The base is scanned in blocks small enough to stay in cache while every query of a thread is
 * scored against the block, so memory is read once per thread instead of once per query (a 1M × 128
 * base is 512 MB). Ties in score keep the lower ordinal first ({@link TopK}). Stateless.
 */
public final class GroundTruth {

    private static final int BLOCK_VECTORS = 2048;

    private GroundTruth() {}

    /**
     * For each query, the ordinals of its {@code k} best base vectors, best first.
     *
     * @param base {@code n × dim} vectors, row-major
     */
    public static int[][] compute(
            float[] base, int dim, float[][] queries, int k, Metric metric, int threads)
            throws Exception {
        int n = base.length / dim;
        int[][] out = new int[queries.length][];
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(
                        pool.submit(
                                () -> {
                                    List<Integer> mine = new ArrayList<>();
                                    for (int q = first; q < queries.length; q += threads) {
                                        mine.add(q);
                                    }
                                    TopK[] tops = new TopK[mine.size()];
                                    for (int i = 0; i < tops.length; i++) {
                                        tops[i] = new TopK(Math.min(k, n));
                                    }
                                    for (int start = 0; start < n; start += BLOCK_VECTORS) {
                                        int end = Math.min(n, start + BLOCK_VECTORS);
                                        for (int i = 0; i < tops.length; i++) {
                                            float[] q = queries[mine.get(i)];
                                            TopK top = tops[i];
                                            for (int v = start; v < end; v++) {
                                                top.offer(metric.score(q, base, v * dim, dim), v);
                                            }
                                        }
                                    }
                                    for (int i = 0; i < tops.length; i++) {
                                        long[] best = tops[i].drainBestFirst();
                                        int[] ids = new int[best.length];
                                        for (int j = 0; j < best.length; j++) {
                                            ids[j] = TopK.unpackNode(best[j]);
                                        }
                                        out[mine.get(i)] = ids;
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** Copies {@code rows} into one row-major array. */
    public static float[] flatten(List<float[]> rows, int dim) {
        float[] flat = new float[rows.size() * dim];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * dim, dim);
        }
        return flat;
    }
}
