package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.MessageTypes;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.operators.validate.CollectionTopics;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deadlines on the real pipeline (Kafka in and out, two index instances on a mini cluster): while
 * one index instance is stalled, a query is answered at its deadline from the other instance's
 * shards and says so ({@code complete=false}, {@code shardsAnswered < shardsExpected}); once the
 * instance resumes, answers are complete again.
 *
 * <p>The stall is a test operator chained behind the index operator on the partial answers' way to
 * the merger: on index instance 1 it blocks the task thread on the first partial answer of a query
 * named {@code stalled-*} until the test releases it, so that instance answers nothing meanwhile.
 */
class DeadlineITCase {

    private static final int DIM = 8;
    private static final int COUNT = 400;
    private static final int PARALLELISM = 2;
    private static final int STALLED_SUBTASK = 1;

    /** Counted down when the stalled instance reaches its stall; it then waits for RELEASE. */
    private static final CountDownLatch STALLED = new CountDownLatch(1);

    private static final CountDownLatch RELEASE = new CountDownLatch(1);

    @TempDir static Path tmp;

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    private static EmbeddedKafka kafka;
    private static JobClient job;
    private static VectorStreamClient client;
    private static VectorStreamConfig cfg;

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results")) {
            kafka.createTopic(t, 2);
        }
        kafka.createTopic("vectors.dlq", 1);

        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("pipeline.generic-types", "false");
        conf.setString("parallelism.default", String.valueOf(PARALLELISM));
        cfg = VectorStreamConfig.from(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setMaxParallelism(cfg.maxParallelism());
        VectorStreamJob.Outputs out =
                VectorStreamJob.buildPipeline(
                        VectorStreamJob.readVectors(env, conf),
                        VectorStreamJob.readQueries(env, conf),
                        VectorStreamJob.readCollections(env, conf, Map.of()),
                        cfg,
                        "results",
                        ReplyTopics.anyLegalName(),
                        TopicEndOffsets.none(),
                        CollectionTopics.of("collections", "collections.results"),
                        PARALLELISM,
                        partials ->
                                partials.map(new StallOneInstance(), MessageTypes.INDEX_REPLY)
                                        .name("stall-index-" + STALLED_SUBTASK)
                                        .setParallelism(PARALLELISM));
        VectorStreamJob.writeOutputs(out, conf);
        job = env.executeAsync("vectorstream-deadline-itcase");

        client = EndToEnd.client(kafka);
    }

    @AfterAll
    static void stopSystem() throws Exception {
        RELEASE.countDown();
        EndToEnd.stop(client, job, kafka);
    }

    @Test
    void aStalledIndexInstanceGivesAnIncompleteAnswerAtTheDeadline() throws Exception {
        Random rnd = new Random(5);
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            ids.add("doc-" + i);
            acks.add(client.upsert("doc-" + i, randomVector(rnd), Map.of()));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        awaitEverythingIndexed(rnd);

        CompletableFuture<QueryResponse> answer =
                client.query(
                        QueryRequest.newBuilder()
                                .setQueryId("stalled-" + UUID.randomUUID())
                                .setVector(FloatVectors.toBytes(randomVector(rnd)))
                                .setK(COUNT)
                                .setTimeoutMs(1500)
                                .build(),
                        Duration.ofSeconds(60));
        QueryResponse partial;
        try {
            partial = answer.get(60, TimeUnit.SECONDS);
            assertThat(STALLED.getCount()).as("index instance 1 reached the stall").isZero();
        } finally {
            RELEASE.countDown();
        }

        assertThat(partial.getError()).isNull();
        assertThat(partial.getComplete()).isFalse();
        assertThat(partial.getShardsExpected()).isEqualTo(cfg.shards());
        assertThat(partial.getShardsAnswered())
                .as("the shards of the instance that answered")
                .isEqualTo(cfg.shards() / PARALLELISM)
                .isLessThan(partial.getShardsExpected());
        assertThat(partial.getHits())
                .extracting(Hit::getId)
                .as("every vector of the answering instance, none of the stalled one's")
                .containsExactlyInAnyOrderElementsOf(idsHeldBy(1 - STALLED_SUBTASK, ids));

        QueryResponse resumed = client.query(randomVector(rnd), COUNT).get(60, TimeUnit.SECONDS);
        assertThat(resumed.getComplete()).isTrue();
        assertThat(resumed.getShardsAnswered()).isEqualTo(cfg.shards());
        assertThat(resumed.getHits()).hasSize(COUNT);
    }

    /** Holds back index instance {@value #STALLED_SUBTASK} on a {@code stalled-*} query. */
    private static final class StallOneInstance implements MapFunction<IndexReply, IndexReply> {
        @Override
        public IndexReply map(IndexReply reply) throws InterruptedException {
            if (reply instanceof PartialResult p
                    && p.subtask == STALLED_SUBTASK
                    && p.queryId.startsWith("stalled-")) {
                STALLED.countDown();
                RELEASE.await();
            }
            return reply;
        }
    }

    private static void awaitEverythingIndexed(Random rnd) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        QueryResponse r = null;
        while (System.nanoTime() < deadline) {
            r = client.query(randomVector(rnd), COUNT).get(30, TimeUnit.SECONDS);
            if (r.getComplete() && r.getHits().size() == COUNT) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not every vector was indexed in time: " + r);
    }

    /** The ids whose shard the index instance {@code subtask} holds. */
    private static Set<String> idsHeldBy(int subtask, List<String> ids) {
        ShardRouter router = new ShardRouter(cfg.shards(), cfg.maxParallelism());
        KeyGroupRange range =
                KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        cfg.maxParallelism(), PARALLELISM, subtask);
        Set<String> held = new LinkedHashSet<>();
        for (String id : ids) {
            int key = router.keyOf(router.shardOf(id));
            if (range.contains(
                    KeyGroupRangeAssignment.assignToKeyGroup(key, cfg.maxParallelism()))) {
                held.add(id);
            }
        }
        assertThat(held).isNotEmpty().hasSizeLessThan(ids.size());
        return held;
    }

    private static float[] randomVector(Random rnd) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }
}
