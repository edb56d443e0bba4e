package io.vectorstream.jobs;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.index.PartialResult;
import io.vectorstream.operators.index.ShardIndexOperator;
import io.vectorstream.operators.kafka.AnswerSerializer;
import io.vectorstream.operators.kafka.ControlTopicHistory;
import io.vectorstream.operators.kafka.DeadLetterSerializer;
import io.vectorstream.operators.kafka.KafkaClientProperties;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.kafka.RawMessageDeserializer;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TolerantKafkaSink;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.operators.merge.TopKMerger;
import io.vectorstream.operators.validate.CollectionTopics;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.RequestValidator;
import io.vectorstream.operators.validate.VectorOp;
import io.vectorstream.schema.DeadLetter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The VectorStream job: Kafka vectors and queries in, answers and dead letters out.
 *
 * <p>{@link #buildPipeline} is the topology and does no I/O, so tests feed it from memory; {@link
 * #attachKafka} wires it to Kafka; {@link #main} runs it on a cluster.
 */
public final class VectorStreamJob {

    private VectorStreamJob() {}

    /** The two result streams of the topology. */
    public record Outputs(DataStream<Answer> answers, DataStream<DeadLetter> deadLetters) {}

    /**
     * Builds validate → shard → index (keyed state) ← broadcast queries → merge.
     *
     * @param queries the queries, and the control requests of {@code control}'s topic
     * @param replyTopics tells which reply-to topics exist (queries naming others get an error)
     * @param vectorsEnd tells where the vectors topic ends; strong queries wait for the job to get
     *     there
     * @param control the collections topic, where its answers go, and its history
     * @param indexParallelism parallelism of the index operator; the merger waits for this many
     *     partial answers per query
     */
    public static Outputs buildPipeline(
            DataStream<RawMessage> vectors,
            DataStream<RawMessage> queries,
            VectorStreamConfig cfg,
            String resultsTopic,
            ReplyTopics replyTopics,
            TopicEndOffsets vectorsEnd,
            CollectionTopics control,
            int indexParallelism) {
        return buildPipeline(
                vectors,
                queries,
                cfg,
                resultsTopic,
                replyTopics,
                vectorsEnd,
                control,
                indexParallelism,
                UnaryOperator.identity());
    }

    /**
     * As {@link #buildPipeline(DataStream, DataStream, VectorStreamConfig, String, ReplyTopics,
     * TopicEndOffsets, CollectionTopics, int)}, with {@code toMerger} applied to the index
     * instances' partial answers on their way to the merger; tests put an operator there that holds
     * back one instance.
     */
    static Outputs buildPipeline(
            DataStream<RawMessage> vectors,
            DataStream<RawMessage> queries,
            VectorStreamConfig cfg,
            String resultsTopic,
            ReplyTopics replyTopics,
            TopicEndOffsets vectorsEnd,
            CollectionTopics control,
            int indexParallelism,
            UnaryOperator<DataStream<PartialResult>> toMerger) {
        // One gatekeeper for all topics: it owns the catalog of collections and holds strong
        // queries back (see its docs); the constant key gives it keyed timers. Queries are single
        // records someone waits for, so its buffers flush within 1 ms.
        SingleOutputStreamOperator<VectorOp> ops =
                vectors.connect(queries)
                        .keyBy(RequestValidator.KEY, RequestValidator.KEY, Types.INT)
                        .process(
                                new RequestValidator(
                                        cfg, resultsTopic, replyTopics, vectorsEnd, control))
                        .returns(Types.POJO(VectorOp.class))
                        .name("validate")
                        .uid("validate")
                        .setParallelism(1)
                        .setBufferTimeout(1);
        DataStream<Query> validQueries = ops.getSideOutput(RequestValidator.QUERIES);

        SingleOutputStreamOperator<PartialResult> partials =
                ops.keyBy(op -> op.shardKey, Types.INT)
                        .connect(validQueries.broadcast())
                        .transform(
                                "shard-index",
                                Types.POJO(PartialResult.class),
                                new ShardIndexOperator(cfg))
                        .uid("shard-index")
                        .setParallelism(indexParallelism)
                        .setMaxParallelism(cfg.maxParallelism())
                        .setBufferTimeout(0);

        SingleOutputStreamOperator<Answer> merged =
                validQueries
                        .keyBy(q -> q.requestKey, Types.STRING)
                        .connect(toMerger.apply(partials).keyBy(p -> p.requestKey, Types.STRING))
                        .process(new TopKMerger(indexParallelism, cfg.maxTimeoutMs(), cfg.limits()))
                        .returns(Types.POJO(Answer.class))
                        .name("merge-top-k")
                        .uid("merge-top-k")
                        .setBufferTimeout(0);

        DataStream<Answer> answers = merged.union(ops.getSideOutput(RequestValidator.REJECTED));
        return new Outputs(answers, ops.getSideOutput(RequestValidator.DEAD_LETTERS));
    }

    /**
     * Reads the topics named in {@code conf}, runs the pipeline and writes answers and dead letters
     * back.
     */
    public static void attachKafka(StreamExecutionEnvironment env, Configuration conf) {
        env.setMaxParallelism(VectorStreamConfig.from(conf).maxParallelism());
        writeOutputs(pipeline(env, conf, readVectors(env, conf), readQueries(env, conf)), conf);
    }

    /**
     * The vectors topic as a stream: from the beginning on a fresh start (state is rebuilt from the
     * log); a restore takes its offsets from the checkpoint instead.
     */
    public static DataStream<RawMessage> readVectors(
            StreamExecutionEnvironment env, Configuration conf) {
        return env.fromSource(
                        source(
                                conf,
                                conf.get(VectorStreamOptions.VECTORS_TOPIC),
                                conf.get(VectorStreamOptions.GROUP_ID) + "-vectors",
                                OffsetsInitializer.earliest()),
                        WatermarkStrategy.noWatermarks(),
                        "vectors-source")
                .uid("vectors-source");
    }

    /**
     * The queries topic as a stream: resumes after the last committed offset, so a restart without
     * state does not answer every old query again.
     */
    public static DataStream<RawMessage> readQueries(
            StreamExecutionEnvironment env, Configuration conf) {
        return env.fromSource(
                        source(
                                conf,
                                conf.get(VectorStreamOptions.QUERIES_TOPIC),
                                conf.get(VectorStreamOptions.GROUP_ID) + "-queries",
                                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST)),
                        WatermarkStrategy.noWatermarks(),
                        "queries-source")
                .uid("queries-source")
                .setBufferTimeout(0);
    }

    /**
     * {@link #buildPipeline} with the settings, results topic and reply topics of {@code conf}; it
     * reads the collections topic itself: its history now, the rest from a source that starts where
     * that read ended (see {@link CollectionTopics}).
     */
    public static Outputs pipeline(
            StreamExecutionEnvironment env,
            Configuration conf,
            DataStream<RawMessage> vectors,
            DataStream<RawMessage> queries) {
        // Every Kafka client of the job starts from these settings (security included).
        Properties kafka = KafkaClientProperties.from(conf);
        String collectionsTopic = conf.get(VectorStreamOptions.COLLECTIONS_TOPIC);
        ControlTopicHistory history =
                ControlTopicHistory.read(kafka, collectionsTopic, Duration.ofSeconds(30));
        // Subscribed by pattern: a job whose users never create collections need not have the
        // topic (a topic list fails the job when one is missing); one created later is found by
        // partition discovery.
        KafkaSource<RawMessage> collectionsSource =
                KafkaSource.<RawMessage>builder()
                        .setProperties(KafkaClientProperties.from(conf))
                        .setTopicPattern(Pattern.compile(Pattern.quote(collectionsTopic)))
                        .setGroupId(conf.get(VectorStreamOptions.GROUP_ID) + "-collections")
                        .setStartingOffsets(
                                OffsetsInitializer.offsets(
                                        history.endOffsets(), OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawMessageDeserializer())
                        .setProperty("partition.discovery.interval.ms", "30000")
                        .build();
        DataStream<RawMessage> requests =
                env.fromSource(
                                collectionsSource,
                                WatermarkStrategy.noWatermarks(),
                                "collections-source")
                        .uid("collections-source")
                        .setParallelism(1)
                        .setBufferTimeout(0);
        return buildPipeline(
                vectors,
                queries.union(requests),
                VectorStreamConfig.from(conf),
                conf.get(VectorStreamOptions.RESULTS_TOPIC),
                ReplyTopics.inKafka(kafka),
                TopicEndOffsets.inKafka(kafka, conf.get(VectorStreamOptions.VECTORS_TOPIC)),
                new CollectionTopics(
                        collectionsTopic,
                        conf.get(VectorStreamOptions.COLLECTION_RESULTS_TOPIC),
                        history.payloads()),
                env.getParallelism());
    }

    /**
     * Writes answers to their reply topics and dead letters to the DLQ topic of {@code conf}, at
     * least once, on sinks where a record Kafka refuses is dropped and counted instead of failing
     * the job ({@link TolerantKafkaSink}).
     *
     * @throws IllegalArgumentException when the largest answer or dead letter the limits allow
     *     would not fit the producer's {@code max.request.size}
     */
    public static void writeOutputs(Outputs out, Configuration conf) {
        Properties producer = KafkaClientProperties.from(conf);
        checkOutputsFit(VectorStreamConfig.from(conf).limits(), producer);
        Properties answers = new Properties();
        answers.putAll(producer);
        // Answers are single records someone waits for: no batching delay.
        answers.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        out.answers()
                .sinkTo(new TolerantKafkaSink<>("answers-sink", answers, new AnswerSerializer()))
                .name("answers-sink")
                .uid("answers-sink");
        out.deadLetters()
                .sinkTo(
                        new TolerantKafkaSink<>(
                                "dead-letter-sink",
                                producer,
                                new DeadLetterSerializer(conf.get(VectorStreamOptions.DLQ_TOPIC))))
                .name("dead-letter-sink")
                .uid("dead-letter-sink");
    }

    static void checkOutputsFit(VectorStreamConfig.Limits limits, Properties producer) {
        long maxRequest =
                Long.parseLong(
                        producer.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576"));
        long largest = limits.largestOutputRecordBytes();
        if (largest > maxRequest) {
            throw new IllegalArgumentException(
                    "invalid vectorstream setting: an answer or dead letter may take "
                            + largest
                            + " bytes with vectorstream.limits.max-answer-bytes="
                            + limits.maxAnswerBytes()
                            + " and max-dead-letter-value-bytes="
                            + limits.maxDeadLetterValueBytes()
                            + ", more than the producer's max.request.size="
                            + maxRequest
                            + "; lower those limits or raise"
                            + " vectorstream.kafka.properties.max.request.size (and the topics'"
                            + " max.message.bytes)");
        }
    }

    private static KafkaSource<RawMessage> source(
            Configuration conf, String topic, String groupId, OffsetsInitializer start) {
        return KafkaSource.<RawMessage>builder()
                .setProperties(KafkaClientProperties.from(conf))
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(start)
                .setDeserializer(new RawMessageDeserializer())
                .setProperty("partition.discovery.interval.ms", "30000")
                .build();
    }

    /**
     * Cluster entry point: the options come from the cluster's {@code config.yaml}, and {@code
     * --key value} pairs override them. Secrets belong in {@code config.yaml}: Flink masks
     * sensitive keys there, but logs program arguments one by one, so a value given as an argument
     * is printed at startup.
     */
    public static void main(String[] args) throws Exception {
        Configuration overrides = Configuration.fromMap(parseArgs(args));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(overrides);
        // The environment holds the cluster's configuration with the overrides applied.
        Configuration conf = Configuration.fromMap(env.getConfiguration().toMap());
        conf.addAll(overrides);
        attachKafka(env, conf);
        env.execute("vectorstream");
    }

    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "arguments must be '--<option> <value>' pairs, e.g."
                                + " --vectorstream.collection.dimension 384; got '"
                                + args[i]
                                + "'");
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
