package io.vectorstream.bench.ann;

/**
 * Recall@k and single-thread queries per second of one index at one search parameter.
 *
 * @param qps queries per second of the searching thread's CPU time (best of the timed passes)
 * @param qpsWall queries per second of wall time (best of the timed passes)
 */
record SweepPoint(
        String algorithm, String paramName, int param, double recall, double qps, double qpsWall) {}
