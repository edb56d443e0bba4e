package io.vectorstream.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vectorstream.connector.sink.VectorStreamWriter;
import io.vectorstream.jobs.VectorStreamJob;
import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.testing.EndToEnd;
import io.vectorstream.jobs.testing.KafkaTopics;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.codec.PayloadCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vectorstream SQL table against the real job: a KRaft broker, the VectorStream job and SQL
 * statements on one mini cluster. Rows go in with {@code INSERT INTO} from an upsert changelog
 * (inserts, updates and deletes) and every {@code VECTOR_SEARCH} answer is compared with exact
 * brute force over what is live: ids, order and scores. The collection's seal size is above what
 * the test writes, so every vector is in a growing segment, which the job searches exactly; that is
 * what lets the comparison be exact (the index's own recall is tested in state and jobs).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VectorStreamSqlITCase {

    private static final int DIM = 8;
    private static final int ROWS = 3_000;
    private static final int K = 10;

    @TempDir static Path tmp;

    // The job at parallelism 2 and up to two SQL jobs at parallelism 2 at a time.
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(6)
                            .build());

    private static EmbeddedKafka kafka;
    private static JobClient job;
    private static StreamExecutionEnvironment sqlEnv;
    private static StreamTableEnvironment tEnv;

    /** What the test wrote and did not delete: the oracle's data. */
    private static final Map<String, float[]> live = new LinkedHashMap<>();

    private static final Map<String, Map<String, String>> metadata = new LinkedHashMap<>();
    private static final Random rnd = new Random(20261206);

    @BeforeAll
    static void startSystem() throws Exception {
        kafka = EmbeddedKafka.start(tmp.resolve("kafka"), 0);
        for (String t : List.of("vectors", "queries", "results")) {
            kafka.createTopic(t, 2);
        }
        for (String t : List.of("vectors.dlq", "collections", "collections.results")) {
            kafka.createTopic(t, 1);
        }
        Configuration conf = new Configuration();
        conf.setString("vectorstream.kafka.bootstrap-servers", kafka.bootstrapServers());
        // dimension 0, the default: the built-in collection takes the first vector's
        conf.setString("vectorstream.index.seal-size", "10000");
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.interval", "2 s");
        conf.setString(
                "execution.checkpointing.dir", tmp.resolve("checkpoints").toUri().toString());
        conf.setString("parallelism.default", "2");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        VectorStreamJob.attachKafka(env, conf);
        job = env.executeAsync("vectorstream-sql-itcase");

        sqlEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        sqlEnv.setParallelism(2);
        tEnv = StreamTableEnvironment.create(sqlEnv);
        tEnv.executeSql(docsTable("docs", "'collection.dimension' = '8',"));
    }

    @AfterAll
    static void stopSystem() throws Exception {
        EndToEnd.stop(null, job, kafka);
    }

    private static String docsTable(String name, String extraOptions) {
        return "CREATE TABLE "
                + name
                + " (id STRING, embedding ARRAY<FLOAT>, metadata MAP<STRING, STRING>,"
                + " text STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ("
                + " 'connector' = 'vectorstream',"
                + " 'bootstrap-servers' = '"
                + kafka.bootstrapServers()
                + "',"
                + extraOptions
                + " 'collection' = 'docs', 'collection.metric' = 'euclidean')";
    }

    @Test
    @Order(1)
    void insertIntoWritesAnUpsertChangelogAndSearchesMatchBruteForce() throws Exception {
        List<Row> changes = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            changes.add(upsert(RowKind.INSERT, "doc-" + i));
        }
        for (int i = 0; i < 300; i++) { // rewrites: the new vector must win
            changes.add(upsert(RowKind.UPDATE_AFTER, "doc-" + rnd.nextInt(ROWS)));
        }
        for (int i = 0; i < 400; i++) {
            String id = "doc-" + rnd.nextInt(ROWS);
            changes.add(Row.ofKind(RowKind.DELETE, id, null, null, null));
            live.remove(id);
            metadata.remove(id);
        }
        write(changes);

        List<float[]> queries = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            queries.add(randomVector());
        }
        queries.add(live.values().iterator().next().clone()); // an exact hit: score 0
        register("queries", queries);

        // strong: answered only once every row the INSERT acknowledged has been indexed
        Map<Integer, List<Row>> answers =
                byQuery(
                        collect(
                                "SELECT q.qid, id, score FROM queries AS q, LATERAL TABLE("
                                        + "VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), q.q, "
                                        + K
                                        + ", MAP['consistency', 'strong', 'ef', '64',"
                                        + " 'timeout', '20 s']))"));
        assertThat(answers).hasSize(queries.size());
        for (int q = 0; q < queries.size(); q++) {
            assertMatchesBruteForce(answers.get(q), queries.get(q), id -> true);
        }
        assertThat(answers.get(queries.size() - 1).get(0).<Double>getFieldAs(2))
                .isCloseTo(0.0, within(1e-6));
    }

    @Test
    @Order(2)
    void theConstantFormReturnsWholeRows() throws Exception {
        String id = live.keySet().stream().skip(7).findFirst().orElseThrow();
        float[] v = live.get(id);
        List<Row> rows =
                collect(
                        "SELECT * FROM TABLE(VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), "
                                + arrayLiteral(v)
                                + ", 5, MAP['include-vectors', 'true', 'include-text', 'true']))");
        assertThat(rows).hasSize(5);
        Row best = rows.get(0);
        assertThat(best.getField(0)).isEqualTo(id);
        assertThat(toFloats((Float[]) best.getField(1))).containsExactly(v);
        assertThat(best.getField(2)).isEqualTo(metadata.get(id));
        assertThat(best.getField(3)).as("the stored text").isEqualTo("text of " + id);
        List<Row> plain =
                collect(
                        "SELECT * FROM TABLE(VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), "
                                + arrayLiteral(v)
                                + ", 1))");
        assertThat(plain.get(0).getField(0)).isEqualTo(id);
        assertThat(plain.get(0).getField(3)).as("text only when asked for").isNull();
        assertThat((Double) best.getField(4)).isCloseTo(0.0, within(1e-6));
        assertMatchesBruteForce(
                rows.stream().map(r -> Row.of(0, r.getField(0), r.getField(4))).toList(),
                v,
                x -> true,
                5);

        List<Row> lean =
                collect(
                        "SELECT id, embedding, score FROM TABLE(VECTOR_SEARCH(TABLE docs,"
                                + " DESCRIPTOR(embedding), "
                                + arrayLiteral(v)
                                + ", 5))");
        assertThat(lean).extracting(r -> r.getField(0)).first().isEqualTo(id);
        assertThat(lean).extracting(r -> r.getField(1)).containsOnlyNulls();
    }

    @Test
    @Order(3)
    void aFilterKeepsOnlyMatchingHits() throws Exception {
        Map<Integer, List<Row>> answers =
                byQuery(
                        collect(
                                "SELECT q.qid, id, score FROM queries AS q, LATERAL TABLE("
                                        + "VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), q.q, "
                                        + K
                                        + ", MAP['filter', '{\"eq\":{\"lang\":\"en\"}}']))"));
        List<float[]> queries = registered;
        for (int q = 0; q < queries.size(); q++) {
            assertMatchesBruteForce(
                    answers.get(q),
                    queries.get(q),
                    id -> "en".equals(metadata.get(id).get("lang")));
        }
    }

    @Test
    @Order(3)
    void aDistanceThresholdKeepsOnlyCloseHits() throws Exception {
        float[] q = registered.get(0);
        List<Map.Entry<String, Double>> exact =
                live.entrySet().stream()
                        .map(e -> Map.entry(e.getKey(), l2(q, e.getValue())))
                        .sorted(Map.Entry.comparingByValue())
                        .limit(K)
                        .toList();
        // halfway between the 4th and 5th distances: exactly 4 hits
        double bound = (exact.get(3).getValue() + exact.get(4).getValue()) / 2;
        List<Row> rows =
                collect(
                        "SELECT id, score FROM TABLE(VECTOR_SEARCH(TABLE docs,"
                                + " DESCRIPTOR(embedding), "
                                + arrayLiteral(q)
                                + ", "
                                + K
                                + ", MAP['max-distance', '"
                                + bound
                                + "']))");
        assertThat(rows)
                .extracting(r -> r.getField(0))
                .containsExactlyElementsOf(
                        exact.subList(0, 4).stream().map(Map.Entry::getKey).toList());
    }

    @Test
    @Order(4)
    void anInsertIsSearchableOnceItsStatementEnds() throws Exception {
        List<Row> changes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            changes.add(upsert(RowKind.INSERT, "late-" + i));
        }
        write(changes);
        float[] v = live.get("late-49");
        List<Row> rows =
                collect(
                        "SELECT id, score FROM TABLE(VECTOR_SEARCH(TABLE docs,"
                                + " DESCRIPTOR(embedding), "
                                + arrayLiteral(v)
                                + ", 1, MAP['consistency', 'strong']))");
        assertThat(rows).extracting(r -> r.getField(0)).containsExactly("late-49");
    }

    @Test
    @Order(5)
    void aRejectedSearchFailsTheStatementWithTheJobsCode() {
        register("bad", List.of(new float[] {1f, 2f, 3f}));
        assertThatThrownBy(
                        () ->
                                collect(
                                        "SELECT b.qid, id FROM bad AS b, LATERAL TABLE("
                                                + "VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding),"
                                                + " b.q, 3))"))
                .hasStackTraceContaining("WRONG_DIMENSION")
                .hasStackTraceContaining("VectorStream rejected query");
    }

    @Test
    @Order(6)
    void onErrorSkipDropsRejectedRowsAndAnswersTheRest() throws Exception {
        List<float[]> mixed = new ArrayList<>();
        mixed.add(randomVector());
        mixed.add(new float[] {1f, 2f, 3f});
        mixed.add(randomVector());
        register("mixed", mixed);
        Map<Integer, List<Row>> answers =
                byQuery(
                        collect(
                                "SELECT m.qid, id, score FROM mixed AS m, LATERAL TABLE("
                                        + "VECTOR_SEARCH(TABLE docs, DESCRIPTOR(embedding), m.q, "
                                        + K
                                        + ", MAP['on-error', 'skip']))"));
        assertThat(answers.keySet()).containsExactlyInAnyOrder(0, 2);
        assertMatchesBruteForce(answers.get(0), mixed.get(0), id -> true);
        assertMatchesBruteForce(answers.get(2), mixed.get(2), id -> true);
    }

    @Test
    @Order(7)
    void aBadFilterIsRejectedByTheJob() {
        assertThatThrownBy(
                        () ->
                                collect(
                                        "SELECT id FROM TABLE(VECTOR_SEARCH(TABLE docs,"
                                                + " DESCRIPTOR(embedding), "
                                                + arrayLiteral(randomVector())
                                                + ", 3, MAP['filter', '{\"eq\":']))"))
                .hasStackTraceContaining("BAD_FILTER");
    }

    @Test
    @Order(8)
    void tablesThatCannotWorkAreRefusedWhenPlanned() {
        tEnv.executeSql(docsTable("typo", "'serach.ef' = '10',"));
        assertThatThrownBy(() -> tEnv.explainSql(searchOne("typo")))
                .hasStackTraceContaining("Unsupported options")
                .hasStackTraceContaining("serach.ef");

        tEnv.executeSql(
                "CREATE TABLE novector (id STRING, text STRING, PRIMARY KEY (id) NOT ENFORCED)"
                        + " WITH ('connector' = 'vectorstream', 'bootstrap-servers' = '"
                        + kafka.bootstrapServers()
                        + "')");
        assertThatThrownBy(() -> tEnv.explainSql("INSERT INTO novector VALUES ('a', 'b')"))
                .hasStackTraceContaining("The table has no ARRAY<FLOAT> column");

        tEnv.executeSql(
                "CREATE TABLE badtype (id STRING, embedding ARRAY<FLOAT>, n INT,"
                        + " PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'vectorstream',"
                        + " 'bootstrap-servers' = '"
                        + kafka.bootstrapServers()
                        + "')");
        assertThatThrownBy(
                        () ->
                                tEnv.explainSql(
                                        "INSERT INTO badtype VALUES ('a', CAST(NULL AS"
                                                + " ARRAY<FLOAT>), 1)"))
                .hasStackTraceContaining("Column 'n' has type INT");

        tEnv.executeSql(
                "CREATE TABLE nokey (id STRING, embedding ARRAY<FLOAT>) WITH ("
                        + " 'connector' = 'vectorstream', 'bootstrap-servers' = '"
                        + kafka.bootstrapServers()
                        + "')");
        assertThatThrownBy(() -> tEnv.explainSql(searchOne("nokey")))
                .hasStackTraceContaining("The table has no primary key");
    }

    @Test
    @Order(9)
    void anUnknownSearchOptionIsRefused() {
        assertThatThrownBy(
                        () ->
                                collect(
                                        "SELECT id FROM TABLE(VECTOR_SEARCH(TABLE docs,"
                                                + " DESCRIPTOR(embedding), "
                                                + arrayLiteral(randomVector())
                                                + ", 3, MAP['eff', '10']))"))
                .hasStackTraceContaining("Unknown VECTOR_SEARCH option(s) [eff]");
    }

    @Test
    @Order(10)
    void aTableOnACollectionTheJobDoesNotServeSaysSo() {
        tEnv.executeSql(docsTable("ghost", "").replace("'docs'", "'ghost'"));
        assertThatThrownBy(() -> collect(searchOne("ghost")))
                .hasStackTraceContaining("does not serve collection 'ghost'");
    }

    private static String searchOne(String table) {
        return "SELECT id FROM TABLE(VECTOR_SEARCH(TABLE "
                + table
                + ", DESCRIPTOR(embedding), "
                + arrayLiteral(new float[DIM])
                + ", 3))";
    }

    @Test
    @Order(11)
    void theReadmeExampleRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int at = readme.indexOf("### A worked example with the SQL Client");
        int start = readme.indexOf("```sql\n", at) + "```sql\n".length();
        String block = readme.substring(start, readme.indexOf("```\n", start));
        // An environment of its own: the block's SET must not reach the other tests' statements.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        StreamTableEnvironment sql = StreamTableEnvironment.create(env);
        List<List<Row>> answers = new ArrayList<>();
        for (String statement : block.split(";\n")) {
            String s =
                    statement
                            .strip()
                            .replace("localhost:9092", kafka.bootstrapServers())
                            .replace("'collection' = 'docs'", "'collection' = 'readme-docs'");
            if (s.startsWith("SET")) { // the SQL Client's; TableEnvironment has no SET
                Matcher set = Pattern.compile("SET '(.+)' = '(.+)'").matcher(s);
                assertThat(set.matches()).as(s).isTrue();
                sql.getConfig().set(set.group(1), set.group(2));
            } else if (s.startsWith("SELECT")) {
                List<Row> rows = new ArrayList<>();
                try (CloseableIterator<Row> it = sql.executeSql(s).collect()) {
                    it.forEachRemaining(rows::add);
                }
                answers.add(rows);
            } else {
                sql.executeSql(s).await(3, TimeUnit.MINUTES);
            }
        }
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0))
                .extracting(r -> r.getField(0))
                .containsExactly("apple", "apfel", "car");
        assertThat(answers.get(0))
                .extracting(r -> (Double) r.getField(2))
                .satisfiesExactly(
                        s -> assertThat(s).isCloseTo(0.994, within(0.001)),
                        s -> assertThat(s).isCloseTo(0.963, within(0.001)),
                        s -> assertThat(s).isCloseTo(0.0, within(0.001)));
        assertThat(answers.get(0).get(0).getField(1))
                .isEqualTo(Map.of("lang", "en", "kind", "fruit"));
        Map<Integer, List<Row>> byQuestion = byQuery(answers.get(1));
        assertThat(byQuestion.get(1))
                .extracting(r -> r.getField(1))
                .containsExactly("apple", "car");
        assertThat(byQuestion.get(2))
                .extracting(r -> r.getField(1))
                .containsExactly("car", "apple");
    }

    @Test
    @Order(12)
    void theCallsOptionsReachTheJobAsRequestFields() {
        List<QueryRequest> sent = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            KafkaTopics.assignFromBeginning(consumer, "queries");
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (end.entrySet().stream()
                            .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    sent.add(PayloadCodec.decodeQueryRequest(r.value()));
                }
            }
        }
        // test 1: MAP['consistency', 'strong', 'ef', '64', 'timeout', '20 s'], k 10
        assertThat(sent)
                .filteredOn(
                        q ->
                                q.getCollection().equals("docs")
                                        && "strong".equals(q.getConsistency())
                                        && q.getK() == K)
                .hasSize(26)
                .allSatisfy(
                        q -> {
                            assertThat(q.getCollection()).isEqualTo("docs");
                            assertThat(q.getEf()).isEqualTo(64);
                            assertThat(q.getTimeoutMs()).isEqualTo(16_000);
                            assertThat(q.getIncludeVectors()).isFalse();
                            assertThat(q.getIncludeMetadata()).isTrue();
                            assertThat(q.getFilter()).isNull();
                        });
        // test 3: the filter, and the table's defaults: eventual, no ef, 10 s
        assertThat(sent)
                .filteredOn(
                        q ->
                                q.getCollection().equals("docs")
                                        && q.getFilter() != null
                                        && q.getFilter().contains("lang"))
                .hasSize(26)
                .allSatisfy(
                        q -> {
                            assertThat(q.getFilter()).isEqualTo("{\"eq\":{\"lang\":\"en\"}}");
                            assertThat(q.getConsistency()).isEqualTo("eventual");
                            assertThat(q.getEf()).isNull();
                            assertThat(q.getTimeoutMs()).isEqualTo(8_000);
                        });
        // test 2: include-vectors true
        assertThat(sent)
                .filteredOn(q -> q.getCollection().equals("docs") && q.getIncludeVectors())
                .hasSize(1);
    }

    @Test
    @Order(13)
    void aWriterFlushReturnsOnlyOnceKafkaHasEveryRow() throws Exception {
        long before = endOffsets("vectors");
        try (VectorStreamWriter writer =
                new VectorStreamWriter(
                        // Rows wait 5 s in the producer unless flush() sends them (the
                        // writer's collection check waits the same 5 s: linger is for every send)
                        connection(Map.of("linger.ms", "5000", "batch.size", "1048576")),
                        docsColumns(),
                        0)) {
            for (int i = 0; i < 2_000; i++) {
                writer.write(rowData("flushed-" + i, ""), null);
            }
            writer.flush(false);
            assertThat(endOffsets("vectors") - before).isEqualTo(2_000);
        }
    }

    @Test
    @Order(14)
    void aSendTheBrokerRefusesFailsTheWriter() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(
                            List.of(
                                    new NewTopic("tiny-vectors", 1, (short) 1)
                                            .configs(Map.of("max.message.bytes", "2000"))))
                    .all()
                    .get(60, TimeUnit.SECONDS);
        }
        try (VectorStreamWriter writer =
                new VectorStreamWriter(
                        ConnectionSettings.of(
                                Configuration.fromMap(
                                        Map.of(
                                                "bootstrap-servers", kafka.bootstrapServers(),
                                                "collection", "docs",
                                                "topic.vectors", "tiny-vectors")),
                                Map.of()),
                        docsColumns(),
                        0)) {
            // within the producer's limit; the broker refuses it, on the producer's I/O thread
            writer.write(rowData("too-large", "x".repeat(5_000)), null);
            assertThatThrownBy(() -> writer.flush(false))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("Publishing to VectorStream collection 'docs' failed")
                    .hasStackTraceContaining("RecordTooLargeException");
        }
    }

    @Test
    @Order(16)
    void theBuiltInCollectionTakesTheFirstVectorsDimension() throws Exception {
        tEnv.executeSql(
                "CREATE TABLE builtin (id STRING, embedding ARRAY<FLOAT>,"
                        + " PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'vectorstream',"
                        + " 'bootstrap-servers' = '"
                        + kafka.bootstrapServers()
                        + "')");
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            float[] v = new float[5];
            v[i] = 1f;
            values.append(i == 0 ? "" : ", ")
                    .append("('axis-")
                    .append(i)
                    .append("', ")
                    .append(arrayLiteral(v))
                    .append(")");
        }
        tEnv.executeSql("INSERT INTO builtin VALUES " + values).await(3, TimeUnit.MINUTES);
        List<Row> rows =
                collect(
                        "SELECT id FROM TABLE(VECTOR_SEARCH(TABLE builtin, DESCRIPTOR(embedding), "
                                + arrayLiteral(new float[] {0f, 0f, 1f, 0.1f, 0f})
                                + ", 2, MAP['consistency', 'strong']))");
        assertThat(rows).extracting(r -> r.getField(0)).containsExactly("axis-2", "axis-3");
    }

    @Test
    @Order(15)
    void kafkaPropertiesInTheWithClauseReachTheProducer() {
        tEnv.executeSql(docsTable("small_requests", "'properties.max.request.size' = '2000',"));
        assertThatThrownBy(
                        () ->
                                tEnv.executeSql(
                                                "INSERT INTO small_requests VALUES ('big', "
                                                        + arrayLiteral(randomVector())
                                                        + ", MAP['a', 'b'], REPEAT('x', 5000))")
                                        .await(3, TimeUnit.MINUTES))
                .hasStackTraceContaining("RecordTooLargeException");
    }

    private static ConnectionSettings connection(Map<String, String> kafkaProperties) {
        return ConnectionSettings.of(
                Configuration.fromMap(
                        Map.of(
                                "bootstrap-servers",
                                kafka.bootstrapServers(),
                                "collection",
                                "docs")),
                kafkaProperties);
    }

    private static TableColumns docsColumns() {
        return TableColumns.of(
                new ResolvedSchema(
                        List.of(
                                Column.physical("id", DataTypes.STRING().notNull()),
                                Column.physical("embedding", DataTypes.ARRAY(DataTypes.FLOAT())),
                                Column.physical(
                                        "metadata",
                                        DataTypes.MAP(DataTypes.STRING(), DataTypes.STRING())),
                                Column.physical("text", DataTypes.STRING())),
                        List.of(),
                        UniqueConstraint.primaryKey("pk", List.of("id"))));
    }

    private static RowData rowData(String id, String text) {
        GenericArrayData vector = new GenericArrayData(randomVector());
        return GenericRowData.of(
                StringData.fromString(id),
                vector,
                new GenericMapData(Map.of()),
                StringData.fromString(text));
    }

    private static long endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaTopics.rawConsumer(kafka.bootstrapServers())) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .toList();
            return consumer.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private static List<float[]> registered = List.of();

    private static void register(String name, List<float[]> queries) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            rows.add(Row.of(i, toBoxed(queries.get(i))));
        }
        Table t =
                tEnv.fromValues(
                        DataTypes.ROW(
                                DataTypes.FIELD("qid", DataTypes.INT()),
                                DataTypes.FIELD("q", DataTypes.ARRAY(DataTypes.FLOAT()))),
                        rows);
        tEnv.createTemporaryView(name, t);
        if (name.equals("queries")) {
            registered = queries;
        }
    }

    private static void write(List<Row> changes) throws Exception {
        TypeInformation<Row> type =
                Types.ROW_NAMED(
                        new String[] {"id", "embedding", "metadata", "text"},
                        Types.STRING,
                        Types.OBJECT_ARRAY(Types.FLOAT),
                        Types.MAP(Types.STRING, Types.STRING),
                        Types.STRING);
        DataStream<Row> stream = sqlEnv.fromData(changes, type).setParallelism(1);
        Table table =
                tEnv.fromChangelogStream(
                        stream,
                        Schema.newBuilder()
                                .column("id", DataTypes.STRING().notNull())
                                .column("embedding", DataTypes.ARRAY(DataTypes.FLOAT()))
                                .column(
                                        "metadata",
                                        DataTypes.MAP(DataTypes.STRING(), DataTypes.STRING()))
                                .column("text", DataTypes.STRING())
                                .primaryKey("id")
                                .build(),
                        ChangelogMode.upsert());
        String view = "changes_" + Math.abs(rnd.nextInt());
        tEnv.createTemporaryView(view, table);
        tEnv.executeSql("INSERT INTO docs SELECT * FROM " + view).await(3, TimeUnit.MINUTES);
    }

    private static Row upsert(RowKind kind, String id) {
        float[] v = randomVector();
        Map<String, String> m = Map.of("lang", rnd.nextBoolean() ? "en" : "de");
        live.put(id, v);
        metadata.put(id, m);
        return Row.ofKind(kind, id, toBoxed(v), m, "text of " + id);
    }

    private static List<Row> collect(String sql) throws Exception {
        List<Row> out = new ArrayList<>();
        try (CloseableIterator<Row> it = tEnv.executeSql(sql).collect()) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    /** Rows of (qid, id, score) by qid, each in the order the search returned them. */
    private static Map<Integer, List<Row>> byQuery(List<Row> rows) {
        Map<Integer, List<Row>> out = new LinkedHashMap<>();
        for (Row r : rows) {
            out.computeIfAbsent((Integer) r.getField(0), q -> new ArrayList<>()).add(r);
        }
        return out;
    }

    private static void assertMatchesBruteForce(
            List<Row> answer, float[] query, Predicate<String> admitted) {
        assertMatchesBruteForce(answer, query, admitted, K);
    }

    /** Ids in order and scores (L2 distances) of exact brute force over the live rows. */
    private static void assertMatchesBruteForce(
            List<Row> answer, float[] query, Predicate<String> admitted, int k) {
        List<Map.Entry<String, Double>> exact =
                live.entrySet().stream()
                        .filter(e -> admitted.test(e.getKey()))
                        .map(e -> Map.entry(e.getKey(), l2(query, e.getValue())))
                        .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                        .limit(k)
                        .toList();
        assertThat(answer.stream().map(r -> (String) r.getField(1)).toList())
                .containsExactlyElementsOf(exact.stream().map(Map.Entry::getKey).toList());
        for (int i = 0; i < answer.size(); i++) {
            assertThat((Double) answer.get(i).getField(2))
                    .isCloseTo(exact.get(i).getValue(), within(1e-4));
        }
    }

    private static double l2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static float[] randomVector() {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static Float[] toBoxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static float[] toFloats(Float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    private static String arrayLiteral(float[] v) {
        StringBuilder b = new StringBuilder("CAST(ARRAY[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append("CAST(").append(v[i]).append(" AS FLOAT)");
        }
        return b.append("] AS ARRAY<FLOAT>)").toString();
    }
}
