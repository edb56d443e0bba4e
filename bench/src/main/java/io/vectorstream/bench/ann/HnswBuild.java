package io.vectorstream.bench.ann;

import io.vectorstream.state.hnsw.HnswIndex;

/** Builds our {@link HnswIndex} over a data set's base, one thread, and times it. */
final class HnswBuild {

    private HnswBuild() {}

    static BuiltIndex build(AnnDataSet data, int m, int efConstruction, long seed, Report out) {
        HnswIndex index =
                HnswIndex.builder(data.dimension(), data.metric())
                        .m(m)
                        .efConstruction(efConstruction)
                        .seed(seed)
                        .build();
        Stopwatch watch = Stopwatch.start();
        for (float[] v : data.base()) {
            index.add(v);
        }
        double seconds = watch.cpuSeconds();
        double wall = watch.wallSeconds();
        BuiltIndex built =
                new BuiltIndex() {
                    @Override
                    public String algorithm() {
                        return "vectorstream-hnsw";
                    }

                    @Override
                    public String paramName() {
                        return "ef";
                    }

                    @Override
                    public int[] search(float[] query, int k, int ef) {
                        return index.search(query, k, ef).nodes();
                    }

                    @Override
                    public long memoryBytes() {
                        return index.memoryBytes();
                    }
                };
        out.build(
                new BuildReport(
                        built.algorithm(),
                        "M=" + m + " efConstruction=" + efConstruction,
                        data.base().length,
                        0,
                        seconds,
                        wall,
                        index.memoryBytes(),
                        -1));
        return built;
    }
}
