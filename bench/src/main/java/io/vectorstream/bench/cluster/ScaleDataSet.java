package io.vectorstream.bench.cluster;

import io.vectorstream.bench.data.DataSetInfo;
import io.vectorstream.bench.data.GroundTruth;
import io.vectorstream.client.VectorFiles;
import io.vectorstream.state.vector.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The part of a data set ({@code bench/make-ann-data.sh}) one scale-out run uses: the first N base
 * vectors, split into the halves the two phases ingest, the first Q queries, and their exact
 * nearest neighbours over the first half, computed here by brute force (the stored {@code
 * groundtruth.ivecs} is over the whole base set, never over a half). Both phases are queried over
 * the first half: phase b before it ingests the second.
 *
 * @param setSize the base vectors of the whole set
 * @param truth for each query the ordinals of its exact k nearest among the first {@link #half}
 *     base vectors, best first
 */
record ScaleDataSet(
        String name, Metric metric, int setSize, float[][] base, float[][] queries, int[][] truth) {

    /**
     * @param limit base vectors to read, 0 for all
     * @param queryLimit queries to read, 0 for all
     */
    static ScaleDataSet read(Path dir, int limit, int queryLimit, int k) throws Exception {
        DataSetInfo info = DataSetInfo.read(dir);
        Path baseFile = dir.resolve("base.fvecs");
        float[][] base =
                VectorFiles.readFvecs(baseFile, limit == 0 ? Long.MAX_VALUE : limit)
                        .toArray(new float[0][]);
        if (base.length < 2) {
            throw new IllegalArgumentException(baseFile + " holds fewer than 2 vectors");
        }
        float[][] queries =
                VectorFiles.readFvecs(
                                dir.resolve("query.fvecs"),
                                queryLimit == 0 ? Long.MAX_VALUE : queryLimit)
                        .toArray(new float[0][]);
        int dim = base[0].length;
        int half = base.length / 2;
        int[][] truth =
                GroundTruth.compute(
                        GroundTruth.flatten(Arrays.asList(base).subList(0, half), dim),
                        dim,
                        queries,
                        k,
                        info.metric(),
                        Runtime.getRuntime().availableProcessors());
        int setSize = (int) (Files.size(baseFile) / (4L + 4L * dim));
        return new ScaleDataSet(info.name(), info.metric(), setSize, base, queries, truth);
    }

    int dimension() {
        return base[0].length;
    }

    /** The base vectors phase a ingests: ordinals {@code [0, half)}; phase b the rest. */
    int half() {
        return base.length / 2;
    }
}
