package io.vectorstream.bench.ann;

/**
 * Measures recall@k and queries per second of one index at one parameter, on the calling thread.
 *
 * <p>Steps: 1. one untimed pass over all queries warms the JIT and gives the answers recall is
 * computed from; 2. {@link #PASSES} timed passes, each repeating all queries one at a time until
 * {@code minSeconds} of CPU time have passed; 3. the best pass counts (least disturbed by other
 * work on the machine). Answers of timed passes are folded into a checksum so the JIT cannot drop
 * the work.
 */
final class Sweep {

    static final int PASSES = 3;

    private Sweep() {}

    static SweepPoint measure(
            AnnDataSet data, BuiltIndex index, int k, int param, double minSeconds) {
        float[][] queries = data.queries();
        int[][] found = new int[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            found[q] = index.search(queries[q], k, param);
        }
        double recall = data.recallAt(k, found);

        double bestCpu = 0;
        double bestWall = 0;
        long sink = 0;
        for (int pass = 0; pass < PASSES; pass++) {
            long answered = 0;
            Stopwatch watch = Stopwatch.start();
            do {
                for (float[] q : queries) {
                    int[] r = index.search(q, k, param);
                    sink += r.length == 0 ? 0 : r[0];
                }
                answered += queries.length;
            } while (watch.cpuSeconds() < minSeconds);
            bestCpu = Math.max(bestCpu, answered / watch.cpuSeconds());
            bestWall = Math.max(bestWall, answered / watch.wallSeconds());
        }
        if (sink == Long.MIN_VALUE) {
            System.out.print(""); // keeps sink alive
        }
        return new SweepPoint(
                index.algorithm(), index.paramName(), param, recall, bestCpu, bestWall);
    }
}
