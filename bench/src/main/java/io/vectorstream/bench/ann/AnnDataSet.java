package io.vectorstream.bench.ann;

import io.vectorstream.bench.data.DataSetInfo;
import io.vectorstream.bench.data.IvecsFiles;
import io.vectorstream.client.VectorFiles;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A base set, held-out queries and their exact neighbours, as read from a directory written by
 * {@code EmbedCorpus} or {@code SyntheticSet}.
 *
 * @param truth for each query the ordinals of its exact nearest base vectors, best first
 */
public record AnnDataSet(
        String name, Metric metric, float[][] base, float[][] queries, int[][] truth) {

    public AnnDataSet {
        if (queries.length != truth.length) {
            throw new IllegalArgumentException(
                    queries.length + " queries but ground truth for " + truth.length);
        }
    }

    public static AnnDataSet read(Path dir) throws IOException {
        DataSetInfo info = DataSetInfo.read(dir);
        return new AnnDataSet(
                info.name(),
                info.metric(),
                VectorFiles.readFvecs(dir.resolve("base.fvecs")).toArray(new float[0][]),
                VectorFiles.readFvecs(dir.resolve("query.fvecs")).toArray(new float[0][]),
                IvecsFiles.read(dir.resolve("groundtruth.ivecs")));
    }

    public int dimension() {
        return base[0].length;
    }

    /** Mean recall@k of {@code found} (one row per query) against the first k true neighbours. */
    public double recallAt(int k, int[][] found) {
        long hits = 0;
        for (int q = 0; q < queries.length; q++) {
            int[] t = truth[q];
            int[] f = found[q];
            for (int i = 0; i < k && i < t.length; i++) {
                for (int j = 0; j < k && j < f.length; j++) {
                    if (f[j] == t[i]) {
                        hits++;
                        break;
                    }
                }
            }
        }
        return (double) hits / ((long) queries.length * k);
    }
}
