package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.validate.CollectionTopics;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/** The job graph: nothing serial on the vector or query path. */
class TopologyTest {

    @Test
    void onlyTheCollectionControlRunsAtParallelismOne() {
        Configuration conf = new Configuration();
        conf.setString("pipeline.generic-types", "false");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(4);
        VectorStreamConfig cfg = VectorStreamConfig.from(conf);
        env.setMaxParallelism(cfg.maxParallelism());
        VectorStreamJob.Outputs out =
                VectorStreamJob.buildPipeline(
                        source(env, "vectors", 4),
                        source(env, "queries", 4),
                        source(env, "collections", 1),
                        cfg,
                        "results",
                        ReplyTopics.anyLegalName(),
                        TopicEndOffsets.none(),
                        CollectionTopics.of("collections", "collections.results"),
                        4);
        out.answers().sinkTo(new DiscardingSink<>()).name("answers");
        out.deadLetters().sinkTo(new DiscardingSink<>()).name("dead-letters");

        Map<String, Integer> parallelism = new TreeMap<>();
        for (StreamNode n : env.getStreamGraph().getStreamNodes()) {
            parallelism.put(n.getOperatorName(), n.getParallelism());
        }
        assertThat(parallelism)
                .containsKeys(
                        "validate-vectors",
                        "validate-queries",
                        "end-offsets",
                        "shard-index",
                        "merge-top-k",
                        "collection-control");
        parallelism.forEach(
                (name, p) -> {
                    boolean control = name.contains("collection");
                    assertThat(p).as(name).isEqualTo(control ? 1 : 4);
                });
    }

    private static DataStream<RawMessage> source(
            StreamExecutionEnvironment env, String topic, int parallelism) {
        return env.fromData(Types.POJO(RawMessage.class), RawMessage.of(topic, null, new byte[1]))
                .name(topic + "-source")
                .setParallelism(parallelism);
    }
}
