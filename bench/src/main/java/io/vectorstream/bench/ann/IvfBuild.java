package io.vectorstream.bench.ann;

import io.vectorstream.state.ivf.IvfIndex;
import io.vectorstream.state.ivf.IvfParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains and fills our {@link IvfIndex} (IVF-Flat when {@code pqM} is 0, else IVF-PQ) over a data
 * set's base, one thread, and times both steps.
 */
final class IvfBuild {

    private IvfBuild() {}

    /**
     * @param trainSize the first this many base vectors train the quantisers (the anchors use the
     *     same prefix)
     * @param reranks IVF-PQ: one searchable view per value, each rescoring that many best ADC
     *     candidates exactly (0 = ADC scores only); ignored for IVF-Flat
     */
    static List<BuiltIndex> build(
            AnnDataSet data,
            int nlist,
            int pqM,
            int trainSize,
            int trainIterations,
            int[] reranks,
            long seed,
            Report out) {
        float[][] sample = Arrays.copyOf(data.base(), Math.min(trainSize, data.base().length));
        Stopwatch train = Stopwatch.start();
        IvfIndex index =
                IvfIndex.train(
                        sample, data.metric(), new IvfParams(nlist, pqM, seed, trainIterations));
        double trainSeconds = train.cpuSeconds();
        double trainWall = train.wallSeconds();
        Stopwatch insert = Stopwatch.start();
        for (float[] v : data.base()) {
            index.add(v);
        }
        double insertSeconds = insert.cpuSeconds();
        double wall = trainWall + insert.wallSeconds();

        String family = pqM == 0 ? "vectorstream-ivf-flat" : "vectorstream-ivf-pq";
        out.build(
                new BuildReport(
                        family,
                        "nlist="
                                + nlist
                                + (pqM == 0 ? "" : " m=" + pqM + "x8bit")
                                + " train="
                                + sample.length
                                + "x"
                                + trainIterations
                                + "it",
                        data.base().length,
                        trainSeconds,
                        insertSeconds,
                        wall,
                        index.memoryBytes(),
                        pqM == 0 ? -1 : index.codesMemoryBytes()));
        List<BuiltIndex> views = new ArrayList<>();
        for (int rerank : pqM == 0 ? new int[] {0} : reranks) {
            String algorithm = rerank == 0 ? family : family + "-rerank" + rerank;
            views.add(
                    new BuiltIndex() {
                        @Override
                        public String algorithm() {
                            return algorithm;
                        }

                        @Override
                        public String paramName() {
                            return "nprobe";
                        }

                        @Override
                        public int[] search(float[] query, int k, int nprobe) {
                            return index.search(query, k, nprobe, rerank, null).nodes();
                        }

                        @Override
                        public long memoryBytes() {
                            return index.memoryBytes();
                        }
                    });
        }
        return views;
    }
}
