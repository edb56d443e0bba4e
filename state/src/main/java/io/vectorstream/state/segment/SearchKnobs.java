package io.vectorstream.state.segment;

/**
 * Per-query search settings applied to every segment of a shard.
 *
 * @param k results wanted
 * @param ef HNSW beam width (raised to k when smaller)
 * @param nprobe IVF lists scanned
 * @param rerank IVF-PQ candidates rescored with full vectors (0: ADC scores only)
 */
public record SearchKnobs(int k, int ef, int nprobe, int rerank) {

    public SearchKnobs {
        if (k < 1 || ef < 1 || nprobe < 1 || rerank < 0) {
            throw new IllegalArgumentException(
                    "need k, ef, nprobe >= 1 and rerank >= 0, got k="
                            + k
                            + ", ef="
                            + ef
                            + ", nprobe="
                            + nprobe
                            + ", rerank="
                            + rerank);
        }
    }
}
