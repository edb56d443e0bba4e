package io.vectorstream.jobs;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.VectorStreamOptions;
import io.vectorstream.operators.embed.EmbedQueries;
import io.vectorstream.operators.embed.EmbedWrites;
import io.vectorstream.operators.index.ShardIndexOperator;
import io.vectorstream.operators.kafka.AnswerSerializer;
import io.vectorstream.operators.kafka.ControlTopicHistory;
import io.vectorstream.operators.kafka.DeadLetterSerializer;
import io.vectorstream.operators.kafka.KafkaClientProperties;
import io.vectorstream.operators.kafka.RawMessageDeserializer;
import io.vectorstream.operators.kafka.ReplyTopics;
import io.vectorstream.operators.kafka.TolerantKafkaSink;
import io.vectorstream.operators.kafka.TopicEndOffsets;
import io.vectorstream.operators.merge.TopKMerger;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.IndexReply;
import io.vectorstream.operators.message.MessageTypes;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.validate.CatalogView;
import io.vectorstream.operators.validate.CollectionControl;
import io.vectorstream.operators.validate.CollectionTopics;
import io.vectorstream.operators.validate.EndOffsetLookup;
import io.vectorstream.operators.validate.QueryOutcomes;
import io.vectorstream.operators.validate.QueryValidator;
import io.vectorstream.operators.validate.ReplyTopicCheck;
import io.vectorstream.operators.validate.VectorValidator;
import io.vectorstream.schema.DeadLetter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

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
     * Builds the topology: decode → shard → index (keyed state) ← broadcast queries → merge, with
     * the collections' control beside it.
     *
     * <pre>
     * vectors ─► validate-vectors ─► embed-vectors ─keyBy(shard)─► shard-index ─keyBy(request)─► merge-top-k ─► answers
     * queries ─► reply-topic-check ─► validate-queries ─► end-offsets ─┬──────broadcast──────┘          ▲
     *                     (text for an embedder) └─► embed-queries ─┘ └──────────keyBy(request)─────────┘
     * collections ─► reply-topic-check ─► collection-control ─broadcast catalog─► both validators
     * </pre>
     *
     * Everything on the vector and query paths runs at the job's parallelism; only the collection
     * control (one catalog, one order of creation) runs at 1, and no record or query passes it.
     *
     * @param queries the queries topic
     * @param requests the collections topic (control requests)
     * @param replyTopics tells which reply-to topics exist (requests naming others get an error)
     * @param vectorsEnd tells where the vectors topic ends; strong queries wait for the index to
     *     get there
     * @param control the collections topic, where its answers go, and its history
     * @param indexParallelism parallelism of the index operator; the merger waits for this many
     *     partial answers per query
     */
    public static Outputs buildPipeline(
            DataStream<RawMessage> vectors,
            DataStream<RawMessage> queries,
            DataStream<RawMessage> requests,
            VectorStreamConfig cfg,
            String resultsTopic,
            ReplyTopics replyTopics,
            TopicEndOffsets vectorsEnd,
            CollectionTopics control,
            int indexParallelism) {
        return buildPipeline(
                vectors,
                queries,
                requests,
                cfg,
                resultsTopic,
                replyTopics,
                vectorsEnd,
                control,
                indexParallelism,
                UnaryOperator.identity());
    }

    /**
     * As {@link #buildPipeline(DataStream, DataStream, DataStream, VectorStreamConfig, String,
     * ReplyTopics, TopicEndOffsets, CollectionTopics, int)}, with {@code toMerger} applied to the
     * index instances' replies on their way to the merger; tests put an operator there that holds
     * back one instance.
     */
    static Outputs buildPipeline(
            DataStream<RawMessage> vectors,
            DataStream<RawMessage> queries,
            DataStream<RawMessage> requests,
            VectorStreamConfig cfg,
            String resultsTopic,
            ReplyTopics replyTopics,
            TopicEndOffsets vectorsEnd,
            CollectionTopics control,
            int indexParallelism,
            UnaryOperator<DataStream<IndexReply>> toMerger) {
        // The control: one catalog, so one instance; it sees only the collections topic.
        SingleOutputStreamOperator<CatalogUpdate> created =
                checkReplyTopics(
                                requests,
                                replyTopics,
                                Set.of(control.results()),
                                "collections",
                                true)
                        .process(new CollectionControl(cfg, control))
                        .returns(Types.POJO(CatalogUpdate.class))
                        .name("collection-control")
                        .uid("validate")
                        .setParallelism(1)
                        .setBufferTimeout(0);

        // Vectors are decoded where they are read: forward from the source, at its parallelism.
        SingleOutputStreamOperator<ShardMessage> validated =
                vectors.connect(created.broadcast())
                        .transform(
                                "validate-vectors",
                                MessageTypes.SHARD_MESSAGE,
                                new VectorValidator(cfg, control.history()))
                        .uid("validate-vectors")
                        // So each partition is read by one instance, whose markers vouch for it.
                        .setParallelism(vectors.getParallelism());
        // Records with text and no vector for a collection's embedder are embedded here, off the
        // task thread; in order, so that writes of an id and the markers after them stay in order.
        SingleOutputStreamOperator<ShardMessage> writes =
                AsyncDataStream.orderedWait(
                                validated,
                                new EmbedWrites(cfg.text().embedderThreads()),
                                EMBED_WRITE_TIMEOUT_MS,
                                TimeUnit.MILLISECONDS,
                                cfg.text().embedderCapacity())
                        .returns(MessageTypes.SHARD_MESSAGE)
                        .name("embed-vectors")
                        .uid("embed-vectors")
                        .setParallelism(vectors.getParallelism());

        // Queries: single records someone waits for, so no buffering delay on their way.
        SingleOutputStreamOperator<Query> decoded =
                checkReplyTopics(queries, replyTopics, Set.of(resultsTopic), "queries", false)
                        .connect(created.broadcast(CatalogView.CATALOG))
                        .process(new QueryValidator(cfg, resultsTopic, control.history()))
                        .returns(Types.POJO(Query.class))
                        .name("validate-queries")
                        .uid("validate-queries")
                        .setBufferTimeout(0);
        SingleOutputStreamOperator<Query> ready =
                AsyncDataStream.unorderedWait(
                                decoded,
                                new EndOffsetLookup(vectorsEnd, cfg.limits()),
                                2 * EndOffsetLookup.MAX_LOOKUP_MS,
                                TimeUnit.MILLISECONDS,
                                ASYNC_CAPACITY)
                        .returns(MessageTypes.QUERY_OUTCOME)
                        .name("end-offsets")
                        .uid("end-offsets")
                        .setBufferTimeout(0)
                        .process(new QueryOutcomes())
                        .returns(Types.POJO(Query.class))
                        .name("admitted-queries")
                        .uid("admitted-queries")
                        .setBufferTimeout(0);
        // Only queries that ask with text for a collection's embedder take this detour: the
        // others never wait behind a model run, nor pay for another asynchronous step.
        SingleOutputStreamOperator<Query> embedded =
                AsyncDataStream.unorderedWait(
                                ready.getSideOutput(QueryOutcomes.TO_EMBED),
                                new EmbedQueries(cfg.text().embedderThreads(), cfg.limits()),
                                cfg.maxTimeoutMs(),
                                TimeUnit.MILLISECONDS,
                                cfg.text().embedderCapacity())
                        .returns(MessageTypes.QUERY_OUTCOME)
                        .name("embed-queries")
                        .uid("embed-queries")
                        .setBufferTimeout(0)
                        .process(new QueryOutcomes())
                        .returns(Types.POJO(Query.class))
                        .name("embedded-queries")
                        .uid("embedded-queries")
                        .setBufferTimeout(0);
        DataStream<Query> admitted = ready.union(embedded);

        SingleOutputStreamOperator<IndexReply> replies =
                writes.keyBy(ShardMessage::shardKey, Types.INT)
                        .connect(admitted.broadcast())
                        .transform(
                                "shard-index",
                                MessageTypes.INDEX_REPLY,
                                new ShardIndexOperator(cfg))
                        .uid("shard-index")
                        .setParallelism(indexParallelism)
                        .setMaxParallelism(cfg.maxParallelism())
                        .setBufferTimeout(0);

        SingleOutputStreamOperator<Answer> merged =
                admitted.keyBy(q -> q.requestKey, Types.STRING)
                        .connect(
                                toMerger.apply(replies).keyBy(IndexReply::requestKey, Types.STRING))
                        .process(new TopKMerger(indexParallelism, cfg.maxTimeoutMs(), cfg.limits()))
                        .returns(Types.POJO(Answer.class))
                        .name("merge-top-k")
                        .uid("merge-top-k")
                        .setBufferTimeout(0);

        DataStream<Answer> answers =
                merged.union(
                        decoded.getSideOutput(QueryValidator.REJECTED),
                        ready.getSideOutput(QueryOutcomes.ANSWERS),
                        embedded.getSideOutput(QueryOutcomes.ANSWERS),
                        created.getSideOutput(CollectionControl.ANSWERS));
        DataStream<DeadLetter> deadLetters =
                validated
                        .getSideOutput(VectorValidator.DEAD_LETTERS)
                        .union(replies.getSideOutput(ShardIndexOperator.DEAD_LETTERS));
        return new Outputs(answers, deadLetters);
    }

    /**
     * How long a record may wait for its embedding (in line behind at most the embedder's capacity
     * of others) before it is dead-lettered: far beyond any model run, so only a stuck embedder.
     */
    static final long EMBED_WRITE_TIMEOUT_MS = 600_000;

    /**
     * Most requests in flight per instance of an asynchronous check; more wait upstream
     * (backpressure), so a burst costs bounded memory.
     */
    private static final int ASYNC_CAPACITY = 1000;

    /**
     * {@code requests} after the {@link ReplyTopicCheck}, at their own parallelism; in their order
     * when {@code ordered} (control requests: a LIST after a CREATE must see it, and of two CREATEs
     * of one name the first wins), else as their checks complete.
     */
    private static SingleOutputStreamOperator<RawMessage> checkReplyTopics(
            DataStream<RawMessage> requests,
            ReplyTopics replyTopics,
            Set<String> defaults,
            String what,
            boolean ordered) {
        ReplyTopicCheck check = new ReplyTopicCheck(replyTopics, defaults);
        return (ordered
                        ? AsyncDataStream.orderedWait(
                                requests, check, 10, TimeUnit.SECONDS, ASYNC_CAPACITY)
                        : AsyncDataStream.unorderedWait(
                                requests, check, 10, TimeUnit.SECONDS, ASYNC_CAPACITY))
                .returns(Types.POJO(RawMessage.class))
                .name("reply-topic-check-" + what)
                .uid("reply-topic-check-" + what)
                .setParallelism(requests.getParallelism())
                .setBufferTimeout(0);
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
        DataStream<RawMessage> requests = readCollections(env, conf, history.endOffsets());
        return buildPipeline(
                vectors,
                queries,
                requests,
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
     * The collections topic (control requests) as a stream, from {@code start} (where the history
     * the job was built with ends; earliest for partitions it does not name).
     */
    public static DataStream<RawMessage> readCollections(
            StreamExecutionEnvironment env, Configuration conf, Map<TopicPartition, Long> start) {
        String collectionsTopic = conf.get(VectorStreamOptions.COLLECTIONS_TOPIC);
        // Subscribed by pattern: a job whose users never create collections need not have the
        // topic (a topic list fails the job when one is missing); one created later is found by
        // partition discovery.
        KafkaSource<RawMessage> collectionsSource =
                KafkaSource.<RawMessage>builder()
                        .setProperties(KafkaClientProperties.from(conf))
                        .setTopicPattern(Pattern.compile(Pattern.quote(collectionsTopic)))
                        .setGroupId(conf.get(VectorStreamOptions.GROUP_ID) + "-collections")
                        .setStartingOffsets(
                                OffsetsInitializer.offsets(start, OffsetResetStrategy.EARLIEST))
                        .setDeserializer(new RawMessageDeserializer())
                        .setProperty("partition.discovery.interval.ms", "30000")
                        .build();
        return env.fromSource(
                        collectionsSource, WatermarkStrategy.noWatermarks(), "collections-source")
                .uid("collections-source")
                .setParallelism(1)
                .setBufferTimeout(0);
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
