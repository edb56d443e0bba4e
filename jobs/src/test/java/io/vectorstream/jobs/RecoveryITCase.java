package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.JobRest;
import io.vectorstream.jobs.testing.JobRest.CheckpointStats;
import io.vectorstream.jobs.testing.NoAutoCompaction;
import io.vectorstream.jobs.testing.PublishedVectors;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.Hit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery of the index state: a task failure, a lost TaskManager, rescaling through savepoints,
 * and the size of incremental checkpoints, each on its own job and topics against a real broker and
 * a two-TaskManager mini cluster with RocksDB and incremental checkpoints every 200 ms.
 *
 * <p>After every recovery the same three checks hold: each live id is the top hit of a query by its
 * own vector, no deleted id is returned for its old vector, and the summed {@code liveVectors}
 * gauge equals what was published minus what was deleted. A small seal size makes the segmented
 * index seal and compact during the tests. The checks that only a segmented index can pass (sealed
 * segments are loaded, never rebuilt, on restore) are in their own test, {@link
 * #restoredShardsLoadSealedSegmentsInsteadOfRebuildingThem}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RecoveryITCase {
    private static final Logger LOG = LoggerFactory.getLogger(RecoveryITCase.class);

    private static final int DIM = 16;
    private static final int SHARDS = 4;
    private static final int SEAL_SIZE = 200;
    private static final int MAX_PARALLELISM = 128;
    private static final String INDEX = "shard-index";
    private static final String LIVE = "vectorstream.liveVectors";
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(60);

    @TempDir static Path tmp;

    // One slot per TaskManager: a job at parallelism 2 then runs on both, so losing either hits it.
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(1)
                            .setConfiguration(clusterConfiguration())
                            .build());

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Configuration clusterConfiguration() {
        Configuration c = new Configuration();
        // The REST metrics are what the fetcher last collected; the default is every 10 s.
        c.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(200));
        // REST answers are cached for web.refresh-interval (3 s by default).
        c.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(100));
        c.set(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(100));
        c.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 1000);
        return c;
    }

    // ----------------------------------------------------------------------------------- tests

    @Test
    @Order(1)
    void aTaskFailureMidIngestLosesNothing(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        FailOnceAfter.arm();
        try (Deployment d = Deployment.create("task-failure", cluster)) {
            d.submit(2, null, FailOnceAfter.RECORDS);
            PublishedVectors data = new PublishedVectors(DIM, 1);
            ingestMixedWorkload(d, data, () -> {});

            assertThat(FailOnceAfter.FAILED).as("the injected failure happened").isTrue();
            assertRecovered(d, data);
        }
    }

    @Test
    @Order(2)
    void aLostTaskManagerMidIngestLosesNothing(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        try (Deployment d = Deployment.create("tm-loss", cluster)) {
            d.submit(2, null, 0);
            PublishedVectors data = new PublishedVectors(DIM, 2);
            ingestMixedWorkload(
                    d,
                    data,
                    () -> {
                        // Graceful shutdown of the TaskManager: the JobManager learns at once,
                        // without waiting for a heartbeat timeout.
                        cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
                        cluster.startTaskManager();
                    });

            assertRecovered(d, data);
        }
    }

    @Test
    @Order(3)
    void rescalingThroughSavepointsKeepsEveryVectorAndEveryAnswer(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        RescaleRun run = rescaleRun(cluster);
        RescaleStep first = run.steps.get(0);
        for (RescaleStep step : run.steps.subList(1, run.steps.size())) {
            assertThat(step.restoredFrom)
                    .as("parallelism %d restored from the savepoint", step.parallelism)
                    .contains(step.savepoint);
            assertThat(step.vectorsIndexed)
                    .as(
                            "vectors applied at parallelism %d: state came from the savepoint, not"
                                    + " from re-reading the topic",
                            step.parallelism)
                    .isEqualTo(0);
            assertThat(step.answers)
                    .as(
                            "answers at parallelism %d equal those before any rescale",
                            step.parallelism)
                    .isEqualTo(first.answers);
        }
    }

    /**
     * Segment-specific: fails on the exact (pre-segment) operator, which reports none of these
     * metrics. Ingest must have sealed and compacted segments; a restore must then load them from
     * state (segmentLoads > 0) and build no graph (graphBuilds == 0): nothing was due for a seal
     * when the savepoints were taken.
     */
    @Test
    @Order(4)
    void restoredShardsLoadSealedSegmentsInsteadOfRebuildingThem(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        RescaleRun run = rescaleRun(cluster);
        RescaleStep ingest = run.steps.get(0);
        assertThat(ingest.sealedSegments)
                .as("sealed segments after ingest (not reported: an operator without them)")
                .isPresent();
        assertThat(ingest.graphBuilds).as("graphBuilds during ingest").isPresent();
        assertThat(ingest.sealedSegments.getAsLong())
                .as("sealed segments after ingest")
                .isPositive();
        assertThat(ingest.graphBuilds.getAsLong())
                .as(
                        "graph builds during ingest: more than the sealed segments left, so"
                                + " segments were compacted too")
                .isGreaterThan(ingest.sealedSegments.getAsLong());
        for (RescaleStep step : run.steps.subList(1, run.steps.size())) {
            assertThat(step.graphBuilds)
                    .as(
                            "graphBuilds after the restore at parallelism %d (not reported: an"
                                    + " operator without sealed segments)",
                            step.parallelism)
                    .hasValue(0);
            assertThat(step.segmentLoads)
                    .as(
                            "segmentLoads after the restore at parallelism %d (not reported: an"
                                    + " operator without sealed segments)",
                            step.parallelism)
                    .isPresent();
            assertThat(step.segmentLoads.getAsLong())
                    .as("segmentLoads after the restore at parallelism %d", step.parallelism)
                    .isPositive();
        }
        assertThat(run.steps)
                .as("before each savepoint no build was in flight and no seal was due")
                .allMatch(step -> step.settled);
    }

    /**
     * Judged on the index vertex: every other operator holds almost no state, and a RocksDB
     * instance re-uploads its small private files (MANIFEST, OPTIONS) on every checkpoint, about 20
     * KB each, whatever it holds. RocksDB's background compaction is off ({@link NoAutoCompaction})
     * so that the numbers are what the operator wrote.
     */
    @Test
    @Order(5)
    void incrementalCheckpointsUploadOnlyWhatChanged(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        try (Deployment d = Deployment.create("incremental", cluster)) {
            d.submit(2, null, 0, NoAutoCompaction.class);
            // Each vector carries 300 chars of text, so the state (about 1 MB) dwarfs the fixed
            // per-checkpoint files.
            PublishedVectors data = new PublishedVectors(DIM, 300, 5);
            // 650 vectors per shard: three full seals (no compaction at max-segments 3) and a
            // growing segment of 50; the 25 more per shard later stay in the growing segment.
            for (List<String> batch : idsPerShard("base-", 650)) {
                batch.forEach(id -> data.upsert(d.client(), id));
                data.awaitAcks();
                d.awaitNextCheckpoint();
            }
            d.awaitLiveVectors(data.liveCount());
            d.awaitSegmentsSettled();

            // 1. Nothing changes: the next checkpoints upload almost nothing.
            long settledAt = d.rest().latestCompletedId();
            d.rest()
                    .awaitCompletedCheckpoints(
                            d.rest().completedCheckpoints(), 4, RECOVERY_TIMEOUT);
            List<CheckpointStats> quiet = d.indexCheckpointsAfter(settledAt + 1);
            LOG.info("index vertex, checkpoints without new data: {}", quiet);
            CheckpointStats lastQuiet = quiet.get(quiet.size() - 1);
            assertThat(lastQuiet.checkpointedSize())
                    .as(
                            "bytes uploaded for the index by a checkpoint without new data, with"
                                    + " %d bytes of index state",
                            lastQuiet.stateSize())
                    .isLessThan(lastQuiet.stateSize() / 10);

            // 2. 100 new vectors (25 per shard): the checkpoints that take them upload about as
            // much as the new vectors' share of the state, not the sealed segments again.
            long before = d.rest().latestCompletedId();
            List<String> extra = idsPerShard("extra-", 25).stream().flatMap(List::stream).toList();
            extra.forEach(id -> data.upsert(d.client(), id));
            data.awaitAcks();
            d.awaitLiveVectors(data.liveCount());
            d.awaitSegmentsSettled();
            d.rest()
                    .awaitCompletedCheckpoints(
                            d.rest().completedCheckpoints(), 2, RECOVERY_TIMEOUT);
            List<CheckpointStats> withNew = d.indexCheckpointsAfter(before);
            long stateSize = withNew.get(withNew.size() - 1).stateSize();
            long uploadedBeyondFixed =
                    withNew.stream()
                            .mapToLong(c -> c.checkpointedSize() - lastQuiet.checkpointedSize())
                            .sum();
            long newVectorsShare = stateSize * extra.size() / data.liveCount();
            LOG.info(
                    "index vertex, checkpoints taking {} new vectors: {}; beyond the fixed files"
                            + " {} bytes, their share of the state {} of {} bytes",
                    extra.size(),
                    withNew,
                    uploadedBeyondFixed,
                    newVectorsShare,
                    stateSize);
            assertThat(uploadedBeyondFixed)
                    .as(
                            "bytes uploaded for the index beyond the fixed files for %d new vectors"
                                    + " (%d bytes of %d of state)",
                            extra.size(), newVectorsShare, stateSize)
                    .isLessThan(4 * newVectorsShare);
            data.assertAllSearchable(d.client(), RECOVERY_TIMEOUT);
        }
    }

    // ------------------------------------------------------------------------ the workloads

    /**
     * Publishes 3000 new ids in five acknowledged batches of 600; from the third batch on, each
     * also deletes the 100 oldest live ids and re-upserts the next 100 with new vectors (so ids
     * re-upserted in one batch are deleted in the next). After each batch it waits for a
     * checkpoint, so the state to restore spans several. {@code disruption} runs right after the
     * third batch was acknowledged, while the job is still applying it. Ends with 2700 live ids and
     * 300 deleted.
     */
    private static void ingestMixedWorkload(
            Deployment d, PublishedVectors data, ThrowingRunnable disruption) throws Exception {
        for (int batch = 0; batch < 5; batch++) {
            for (int i = batch * 600; i < (batch + 1) * 600; i++) {
                data.upsert(d.client(), "v-" + i);
            }
            if (batch >= 2) {
                List<String> oldest = data.oldestLive(200);
                oldest.subList(0, 100).forEach(id -> data.delete(d.client(), id));
                oldest.subList(100, 200).forEach(id -> data.upsert(d.client(), id)); // re-upsert
            }
            data.awaitAcks();
            if (batch == 2) {
                disruption.run();
            }
            d.awaitNextCheckpoint();
        }
    }

    /**
     * The three checks after a failover, and that it restored a checkpoint: the upserts applied
     * since (the counter starts at 0 with the new task attempts) are fewer than all published.
     */
    private static void assertRecovered(Deployment d, PublishedVectors data) throws Exception {
        d.rest().awaitAllTasksRunning(RECOVERY_TIMEOUT);
        data.assertAllSearchable(d.client(), RECOVERY_TIMEOUT);
        d.awaitLiveVectors(data.liveCount());
        assertThat(d.rest().restoredCount()).as("restores from a checkpoint").isPositive();
        long applied =
                d.rest().operatorMetricSum(INDEX, "vectorstream.vectorsIndexed").orElseThrow();
        LOG.info("{}: {} of {} upserts applied after the restore", d, applied, data.upsertCount());
        assertThat(applied)
                .as("upserts applied after the restore; the others came from the checkpoint")
                .isLessThan(data.upsertCount());
    }

    /** Ids {@code prefix<n>} chosen so that each of the shards gets exactly {@code perShard}. */
    private static List<List<String>> idsPerShard(String prefix, int perShard) {
        ShardRouter router = new ShardRouter(SHARDS, MAX_PARALLELISM);
        List<List<String>> out = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            out.add(new ArrayList<>());
        }
        for (int n = 0, full = 0; full < SHARDS; n++) {
            List<String> shard = out.get(router.shardOf(prefix + n));
            if (shard.size() < perShard) {
                shard.add(prefix + n);
                if (shard.size() == perShard) {
                    full++;
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------ rescaling via savepoints

    private static RescaleRun rescale;
    private static Exception rescaleFailure;

    /**
     * Parallelism 1 → 2 → 1 through stop-with-savepoint, checking after each start that every
     * vector is there; run once, asserted by two tests (a failure is reported to both).
     */
    private static RescaleRun rescaleRun(MiniCluster cluster) throws Exception {
        if (rescale == null && rescaleFailure == null) {
            try {
                rescale = runRescale(cluster);
            } catch (Exception | AssertionError e) {
                rescaleFailure =
                        e instanceof Exception ex ? ex : new Exception("the rescale run failed", e);
            }
        }
        if (rescaleFailure != null) {
            throw rescaleFailure;
        }
        return rescale;
    }

    private static RescaleRun runRescale(MiniCluster cluster) throws Exception {
        List<RescaleStep> steps = new ArrayList<>();
        try (Deployment d = Deployment.create("rescale", cluster)) {
            Random rnd = new Random(3);
            List<float[]> queries = new ArrayList<>();
            for (int q = 0; q < 20; q++) {
                float[] v = new float[DIM];
                for (int i = 0; i < DIM; i++) {
                    v[i] = (float) rnd.nextGaussian();
                }
                queries.add(v);
            }
            PublishedVectors data = new PublishedVectors(DIM, 4);
            String savepoint = null;
            int[] parallelisms = {1, 2, 1};
            for (int p : parallelisms) {
                d.submit(p, savepoint, 0);
                if (savepoint == null) {
                    ingestMixedWorkload(d, data, () -> {});
                }
                d.rest().awaitAllTasksRunning(RECOVERY_TIMEOUT);
                data.assertAllSearchable(d.client(), RECOVERY_TIMEOUT);
                d.awaitLiveVectors(data.liveCount());
                RescaleStep step = new RescaleStep(p, savepoint);
                // Settled first: a seal finishing between two answers would change them.
                step.settled = d.awaitSegmentsSettled();
                step.answers = answers(d.client(), queries);
                step.restoredFrom = d.rest().restoredFrom().orElse(null);
                step.vectorsIndexed =
                        d.rest().operatorMetricSum(INDEX, "vectorstream.vectorsIndexed").orElse(-1);
                if (savepoint != null) {
                    step.segmentLoads =
                            d.awaitSegmentMetric("vectorstream.segmentLoads", v -> v > 0);
                }
                step.graphBuilds = d.rest().operatorMetricSum(INDEX, "vectorstream.graphBuilds");
                step.sealedSegments =
                        d.rest().operatorMetricSum(INDEX, "vectorstream.sealedSegments");
                LOG.info("rescale step {}", step);
                steps.add(step);
                if (steps.size() < parallelisms.length) {
                    savepoint =
                            d.job()
                                    .stopWithSavepoint(
                                            false,
                                            tmp.resolve("savepoints").toUri().toString(),
                                            SavepointFormatType.DEFAULT)
                                    .get(60, TimeUnit.SECONDS);
                    d.awaitJobEnd();
                }
            }
        }
        return new RescaleRun(steps);
    }

    private static List<List<String>> answers(VectorStreamClient client, List<float[]> queries)
            throws Exception {
        List<List<String>> out = new ArrayList<>();
        for (float[] q : queries) {
            var r = client.query(q, 10).get(30, TimeUnit.SECONDS);
            assertThat(r.getComplete()).as("complete answer %s", r).isTrue();
            out.add(r.getHits().stream().map(Hit::getId).toList());
        }
        return out;
    }

    private record RescaleRun(List<RescaleStep> steps) {}

    /** What one parallelism of the rescale run answered and reported. */
    private static final class RescaleStep {
        final int parallelism;
        final String savepoint;
        List<List<String>> answers;
        String restoredFrom;
        long vectorsIndexed;
        OptionalLong segmentLoads;
        OptionalLong graphBuilds;
        OptionalLong sealedSegments;
        boolean settled;

        RescaleStep(int parallelism, String savepoint) {
            this.parallelism = parallelism;
            this.savepoint = savepoint;
        }

        @Override
        public String toString() {
            return "p="
                    + parallelism
                    + " restoredFrom="
                    + restoredFrom
                    + " vectorsIndexed="
                    + vectorsIndexed
                    + " segmentLoads="
                    + segmentLoads
                    + " graphBuilds="
                    + graphBuilds
                    + " sealedSegments="
                    + sealedSegments
                    + " settled="
                    + settled;
        }
    }

    // ----------------------------------------------------------------------------- the job

    /**
     * One test's job on its own topics and consumer groups, with its client; the job can be
     * submitted again (restored from a savepoint) under the same names.
     */
    private static final class Deployment implements AutoCloseable {
        private final String name;
        private final MiniCluster cluster;
        private final VectorStreamClient client;
        private JobClient job;
        private JobRest rest;

        private Deployment(String name, MiniCluster cluster, VectorStreamClient client) {
            this.name = name;
            this.cluster = cluster;
            this.client = client;
        }

        static Deployment create(String name, MiniCluster cluster) throws Exception {
            for (String t : List.of("vectors", "queries", "results")) {
                kafka.createTopic(name + "." + t, 2);
            }
            kafka.createTopic(name + ".dlq", 1);
            VectorStreamClient client =
                    VectorStreamClient.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .vectorsTopic(name + ".vectors")
                            .queriesTopic(name + ".queries")
                            .replyTopic(name + ".results")
                            .defaultTimeout(Duration.ofSeconds(20))
                            .build();
            return new Deployment(name, cluster, client);
        }

        /**
         * Submits the job.
         *
         * @param restoreFrom savepoint to start from, or null for a fresh start
         * @param failAfterRecords if positive, the vectors source is followed by a {@link
         *     FailOnceAfter} with this threshold
         */
        void submit(int parallelism, String restoreFrom, long failAfterRecords) throws Exception {
            submit(parallelism, restoreFrom, failAfterRecords, null);
        }

        void submit(
                int parallelism,
                String restoreFrom,
                long failAfterRecords,
                Class<? extends RocksDBOptionsFactory> rocksDbOptions)
                throws Exception {
            Configuration conf = jobConfiguration(parallelism);
            if (rocksDbOptions != null) {
                conf.setString("state.backend.rocksdb.options-factory", rocksDbOptions.getName());
            }
            if (restoreFrom != null) {
                conf.setString("execution.state-recovery.path", restoreFrom);
            }
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            if (failAfterRecords > 0) {
                attachKafkaWithFailure(env, conf, failAfterRecords);
            } else {
                VectorStreamJob.attachKafka(env, conf);
            }
            job = env.executeAsync("recovery-" + name + "-p" + parallelism);
            rest = new JobRest(cluster.getRestAddress().get(), job.getJobID());
            rest.awaitAllTasksRunning(RECOVERY_TIMEOUT);
        }

        private Configuration jobConfiguration(int parallelism) {
            Configuration conf = new Configuration();
            conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
            conf.setString("vectorstream.kafka.group-id", "recovery-" + name);
            conf.setString("vectorstream.topics.vectors", name + ".vectors");
            conf.setString("vectorstream.topics.queries", name + ".queries");
            conf.setString("vectorstream.topics.results", name + ".results");
            conf.setString("vectorstream.topics.dlq", name + ".dlq");
            conf.setString("vectorstream.collection.dimension", String.valueOf(DIM));
            conf.setString("vectorstream.collection.metric", "cosine");
            conf.setString("vectorstream.collection.shards", String.valueOf(SHARDS));
            conf.setString("vectorstream.max-parallelism", String.valueOf(MAX_PARALLELISM));
            // The segmented index (ignored by the exact one): seal and compact often.
            conf.setString("vectorstream.index.type", "hnsw");
            conf.setString("vectorstream.index.seal-size", String.valueOf(SEAL_SIZE));
            conf.setString("vectorstream.index.compaction.max-segments", "3");
            // Seals at the seal size only: the checkpoint-size test counts what 25 growing
            // vectors per shard upload, and a seal or merge after idle would rewrite segments.
            conf.setString("vectorstream.index.seal-after-idle", "0 s");
            conf.setString("vectorstream.index.build-threads", "1");
            conf.setString("state.backend.type", "rocksdb");
            conf.setString("execution.checkpointing.interval", "200 ms");
            conf.setString("execution.checkpointing.incremental", "true");
            conf.setString(
                    "execution.checkpointing.dir",
                    tmp.resolve(name).resolve("checkpoints").toUri().toString());
            conf.setString("restart-strategy.type", "fixed-delay");
            conf.setString("restart-strategy.fixed-delay.attempts", "5");
            conf.setString("restart-strategy.fixed-delay.delay", "200 ms");
            conf.setString("pipeline.generic-types", "false");
            conf.setString("parallelism.default", String.valueOf(parallelism));
            return conf;
        }

        VectorStreamClient client() {
            return client;
        }

        JobClient job() {
            return job;
        }

        JobRest rest() {
            return rest;
        }

        /** The index vertex's share of each completed checkpoint with an id above {@code id}. */
        List<CheckpointStats> indexCheckpointsAfter(long id) throws Exception {
            List<CheckpointStats> out = new ArrayList<>();
            for (CheckpointStats c : rest.completedHistory()) {
                if (c.id() > id) {
                    out.add(rest.vertexCheckpoint(c, INDEX));
                }
            }
            assertThat(out).as("checkpoints after %d", id).isNotEmpty();
            return out;
        }

        void awaitNextCheckpoint() throws Exception {
            rest.awaitCompletedCheckpoints(rest.completedCheckpoints(), 1, RECOVERY_TIMEOUT);
        }

        /**
         * Waits for the summed liveVectors gauge. The operator counts a shard once it has loaded
         * it, which after a start or restore happens on its first query or write: call this after
         * queries.
         */
        void awaitLiveVectors(int expected) throws Exception {
            rest.awaitMetric(INDEX, LIVE, v -> v == expected, RECOVERY_TIMEOUT);
        }

        /**
         * Waits up to 20 s for a segment metric to satisfy {@code condition} and returns its last
         * value; empty at once if the operator does not report it (the exact index). Never fails:
         * only the segment-specific test judges these values.
         */
        OptionalLong awaitSegmentMetric(String metric, LongPredicate condition) throws Exception {
            if (rest.operatorMetricOnceReporting(INDEX, LIVE, metric).isEmpty()) {
                return OptionalLong.empty();
            }
            return rest.pollMetric(INDEX, metric, condition, Duration.ofSeconds(20));
        }

        /**
         * Waits until no segment build is in flight and no shard can be due for a seal (checked
         * twice, half a second apart). False when that did not happen within the timeout, and at
         * once on an operator without segments; never fails by itself.
         */
        boolean awaitSegmentsSettled() throws Exception {
            if (rest.operatorMetricOnceReporting(INDEX, LIVE, "vectorstream.buildsInFlight")
                    .isEmpty()) {
                return false;
            }
            for (int reading = 0; reading < 2; reading++) {
                OptionalLong inFlight =
                        rest.pollMetric(
                                INDEX,
                                "vectorstream.buildsInFlight",
                                v -> v == 0,
                                RECOVERY_TIMEOUT);
                OptionalLong growing =
                        rest.pollMetric(
                                INDEX,
                                "vectorstream.growingVectors",
                                v -> v < (long) SEAL_SIZE * SHARDS,
                                RECOVERY_TIMEOUT);
                if (inFlight.orElse(-1) != 0
                        || growing.isEmpty()
                        || growing.getAsLong() >= (long) SEAL_SIZE * SHARDS) {
                    LOG.warn(
                            "segments not settled: buildsInFlight {} growingVectors {}",
                            inFlight,
                            growing);
                    return false;
                }
                Thread.sleep(500);
            }
            return true;
        }

        @Override
        public String toString() {
            return name;
        }

        void awaitJobEnd() throws Exception {
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws Exception {
            client.close();
            if (job != null && !job.getJobStatus().get().isTerminalState()) {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * {@link VectorStreamJob#attachKafka} with a {@link FailOnceAfter} between the vectors source
     * and the pipeline; same sources, uids and sinks.
     */
    private static void attachKafkaWithFailure(
            StreamExecutionEnvironment env, Configuration conf, long failAfterRecords) {
        env.setMaxParallelism(VectorStreamConfig.from(conf).maxParallelism());
        DataStream<RawMessage> vectors =
                VectorStreamJob.readVectors(env, conf)
                        .map(new FailOnceAfter(failAfterRecords))
                        .name("fail-once")
                        .uid("fail-once");
        VectorStreamJob.writeOutputs(
                VectorStreamJob.pipeline(
                        env, conf, vectors, VectorStreamJob.readQueries(env, conf)),
                conf);
    }

    /**
     * Passes records through and throws once, after all its instances together have seen {@code
     * threshold} records and a checkpoint has completed (so there is state to restore). The
     * instances run in this JVM; static fields are the only channel they share with the test.
     */
    private static final class FailOnceAfter extends RichMapFunction<RawMessage, RawMessage>
            implements CheckpointListener {
        static final long RECORDS = 1500;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        private static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
        private static final AtomicLong SEEN = new AtomicLong();

        private final long threshold;

        FailOnceAfter(long threshold) {
            this.threshold = threshold;
        }

        static void arm() {
            FAILED.set(false);
            CHECKPOINTED.set(false);
            SEEN.set(0);
        }

        @Override
        public RawMessage map(RawMessage m) {
            if (SEEN.incrementAndGet() >= threshold
                    && CHECKPOINTED.get()
                    && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + threshold + " records");
            }
            return m;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTED.set(true);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
