package io.vectorstream.bench.ann;

/**
 * How long building an index took on one thread, split into training (IVF only) and inserting, and
 * what it holds. Times are the building thread's CPU seconds (see {@link Stopwatch}).
 *
 * @param settings the build parameters as written in tables ("M=16 efConstruction=200")
 * @param wallSeconds wall time of training plus inserting
 * @param memoryBytes heap bytes of the whole index as it counts them
 * @param codeBytes IVF-PQ: heap bytes without the full vectors (what a codes-only IVF-PQ such as
 *     FAISS's keeps); -1 when not applicable
 */
record BuildReport(
        String algorithm,
        String settings,
        int vectors,
        double trainSeconds,
        double insertSeconds,
        double wallSeconds,
        long memoryBytes,
        long codeBytes) {

    double insertsPerSecond() {
        return vectors / insertSeconds;
    }

    double buildSeconds() {
        return trainSeconds + insertSeconds;
    }

    /** Vectors indexed per CPU second of the whole build, training included. */
    double buildThroughput() {
        return vectors / buildSeconds();
    }

    double bytesPerVector() {
        return (double) memoryBytes / vectors;
    }

    double codeBytesPerVector() {
        return codeBytes < 0 ? Double.NaN : (double) codeBytes / vectors;
    }
}
