package io.vectorstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line handling that needs no broker: help, and usage errors with exit code 1. */
class VectorStreamCliTest {

    @TempDir Path dir;

    @Test
    void helpListsEveryCommand() {
        CliRun run = CliRun.of("--help");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out())
                .contains(
                        "produce",
                        "query",
                        "delete",
                        "tail-dlq",
                        "collections",
                        "create-collection",
                        "Exit status: 0 ok, 1 usage error");
    }

    @Test
    void noArgumentsIsAUsageError() {
        assertThat(CliRun.of().exitCode()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unknownCommandIsNamed() {
        CliRun run = CliRun.of("serch");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("unknown command 'serch'");
    }

    @Test
    void everyCommandHasHelpWithTheCommonOptions() {
        for (String command :
                new String[] {
                    "produce", "query", "delete", "tail-dlq", "collections", "create-collection"
                }) {
            CliRun run = CliRun.of(command, "--help");

            assertThat(run.exitCode()).as(command).isEqualTo(ExitCodes.OK);
            assertThat(run.out())
                    .as(command)
                    .contains("Usage: vectorstream " + command, "--bootstrap", "--collection");
        }
    }

    @Test
    void queryHelpListsTheSearchKnobs() {
        assertThat(CliRun.of("query", "--help").out())
                .contains(
                        "--ef E",
                        "--nprobe N",
                        "--rerank R",
                        "--filter JSON",
                        "--include-vectors",
                        "--offset O",
                        "--min-score S",
                        "--max-distance D",
                        "--group-by KEY",
                        "--group-size N");
    }

    @Test
    void usageErrorsSayWhatIsWrongAndExitWithOne() {
        assertUsageError(
                new String[] {"produce"},
                "give exactly one of --random N, --file F or --text F.jsonl");
        assertUsageError(
                new String[] {"produce", "--random", "5"}, "--dim D is required with --random");
        assertUsageError(
                new String[] {"produce", "--random", "0", "--dim", "3"},
                "--random must be between 1 and");
        assertUsageError(
                new String[] {"produce", "--random", "many", "--dim", "3"},
                "--random must be a whole number, not 'many'");
        assertUsageError(
                new String[] {"produce", "--file", dir.resolve("nope.fvecs").toString()},
                "nope.fvecs' does not exist");
        assertUsageError(new String[] {"query"}, "give exactly one of --vector");
        assertUsageError(
                new String[] {"query", "--vector", "1,x,3"},
                "--vector component 1 'x' is not a number");
        assertUsageError(
                new String[] {"query", "--vector", "1,NaN"}, "--vector component 1 is NaN");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--k", "0"}, "--k must be between 1 and");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--kk", "3"}, "'query' has no option --kk");
        assertUsageError(new String[] {"query", "--vector"}, "--vector needs a value");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--ef", "0"}, "--ef must be between 1 and");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--min-score", "NaN"},
                "--min-score must be a finite number, not 'NaN'");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--nprobe", "many"},
                "--nprobe must be a whole number, not 'many'");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--rerank", "-1"},
                "--rerank must be between 0 and");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--filter", " "},
                "--filter needs a JSON object");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--include-vectors=yes"},
                "--include-vectors takes no value");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--consistency", "sometimes"},
                "--consistency must be eventual or strong, got 'sometimes'");
        assertUsageError(new String[] {"delete"}, "give at least one id to delete");
        assertUsageError(
                new String[] {"delete", "a", "--format", "xml"},
                "--format must be avro or json, not 'xml'");
        assertUsageError(
                new String[] {"delete", "a", "--bootstrap", "nohost"},
                "entry 'nohost' is not host:port");
        assertUsageError(
                new String[] {
                    "delete", "a", "--command-config", dir.resolve("missing.properties").toString()
                },
                "missing.properties' does not exist");
        assertUsageError(new String[] {"tail-dlq", "--max", "-1"}, "--max must be between 1 and");
    }

    @Test
    void textHelpListsTheNewOptions() {
        assertThat(CliRun.of("produce", "--help").out())
                .contains(
                        "vectorstream produce --text F.jsonl",
                        "--text F",
                        "{\"id\":\"a\",\"text\":\"Kafka keeps the log\"",
                        "--no-progress");
        assertThat(CliRun.of("query", "--help").out())
                .contains(
                        "vectorstream query --text",
                        "--text T",
                        "--keyword",
                        "--hybrid",
                        "--rank-constant C",
                        "--include-text");
        assertThat(CliRun.of("create-collection", "--help").out())
                .contains("--name NAME --embedder E", "--embedder E", "all-minilm-l6-v2");
        assertThat(CliRun.of("collections", "--help").out()).contains("the embedder");
    }

    @Test
    void textUsageErrorsSayWhatIsWrongAndExitWithOne() throws Exception {
        Path texts = dir.resolve("texts.jsonl");
        java.nio.file.Files.writeString(texts, "{\"id\":\"a\",\"text\":\"b\"}\n");
        assertUsageError(
                new String[] {"produce", "--random", "3", "--dim", "2", "--text", texts.toString()},
                "give exactly one of --random N, --file F or --text F.jsonl");
        assertUsageError(
                new String[] {"produce", "--file", texts.toString(), "--text", texts.toString()},
                "give exactly one of");
        assertUsageError(
                new String[] {"produce", "--text", "what a nice day"},
                "--text 'what a nice day' does not exist or is not a file; --text takes a"
                        + " JSON-lines file");
        assertUsageError(
                new String[] {"produce", "--text", texts.toString(), "--id-prefix", "p"},
                "--id-prefix does not apply to --text");
        assertUsageError(
                new String[] {"produce", "--text", texts.toString(), "--dim", "3"},
                "--dim and --seed apply to --random only");
        assertUsageError(
                new String[] {"produce", "--text", texts.toString(), "--no-progress=yes"},
                "--no-progress takes no value");
        assertUsageError(new String[] {"query", "--text", " "}, "--text needs the query text");
        assertUsageError(
                new String[] {"query", "--text", "hello", "world"},
                "unexpected argument 'world'; quote a text of several words");
        assertUsageError(
                new String[] {"query", "--text", "a", "--vector", "1"},
                "give exactly one of --vector \"0.1,0.2,...\", --random --dim D or --text"
                        + " \"...\" (only --hybrid takes both --text and --vector)");
        assertUsageError(
                new String[] {"query", "--text", "a", "--random", "--dim", "2"},
                "give exactly one of");
        assertUsageError(
                new String[] {"query", "--text", "a", "--hybrid", "--random", "--dim", "2"},
                "only --hybrid takes both --text and --vector");
        assertUsageError(
                new String[] {"query", "--text", "a", "--hybrid", "--vector", "1", "--random"},
                "give exactly one of");
        assertUsageError(
                new String[] {"query", "--keyword", "--vector", "1"},
                "--keyword searches the stored texts with BM25: give the query text with --text");
        assertUsageError(
                new String[] {"query", "--hybrid", "--vector", "1"},
                "--hybrid searches the stored texts with BM25");
        assertUsageError(
                new String[] {"query", "--text", "a", "--keyword", "--hybrid"},
                "give at most one of --keyword and --hybrid");
        assertUsageError(
                new String[] {"query", "--text", "a", "--keyword", "--vector", "1"},
                "--keyword takes no vector");
        assertUsageError(
                new String[] {"query", "--text", "a", "--rank-constant", "5"},
                "--rank-constant applies to --hybrid only");
        assertUsageError(
                new String[] {"query", "--vector", "1", "--rank-constant", "5"},
                "--rank-constant applies to --hybrid only");
        assertUsageError(
                new String[] {"query", "--text", "a", "--hybrid", "--rank-constant", "0"},
                "--rank-constant must be between 1 and");
        assertUsageError(
                new String[] {"query", "--text", "a", "--dim", "3"},
                "--dim and --seed apply to --random only");
        assertUsageError(
                new String[] {"create-collection", "--name", "d", "--embedder", " "},
                "--embedder needs a name");
        assertUsageError(
                new String[] {"create-collection", "--name", "d"},
                "--dimension D is required: the length of the vectors (or --embedder E");
    }

    @Test
    void createCollectionWithAnEmbedderSendsItAndNoDimensionUnlessGiven() throws UsageException {
        CreateCollectionCommand.Spec bare =
                CreateCollectionCommand.spec(
                        createArgs("--name", "notes", "--embedder", "all-minilm-l6-v2"));
        CollectionRequest withDimension =
                request(
                        CreateCollectionCommand.spec(
                                createArgs(
                                        "--name",
                                        "notes",
                                        "--embedder",
                                        "all-minilm-l6-v2",
                                        "--dimension",
                                        "384",
                                        "--metric",
                                        "dot")));

        assertThat(bare.dimension()).isNull();
        assertThat(request(bare))
                .isEqualTo(
                        CollectionRequest.newBuilder()
                                .setRequestId("r")
                                .setOp(CollectionOp.CREATE)
                                .setCollection("notes")
                                .setEmbedder("all-minilm-l6-v2")
                                .build());
        assertThat(withDimension.getDimension()).isEqualTo(384);
        assertThat(withDimension.getEmbedder()).isEqualTo("all-minilm-l6-v2");
        assertThat(withDimension.getMetric()).isEqualTo("dot");
    }

    @Test
    void hitTextsArePrintedOnOneLine() {
        assertThat(QueryCommand.oneLine("a\nb\r\nc\td")).isEqualTo("a b  c d");
        assertThat(QueryCommand.oneLine("Grüße")).isEqualTo("Grüße");
    }

    @Test
    void createCollectionHelpListsEverySetting() {
        assertThat(CliRun.of("create-collection", "--help").out())
                .contains(
                        "--name NAME",
                        "--dimension D",
                        "--metric M",
                        "--shards N",
                        "--index-type T",
                        "--memory-tier T",
                        "--seal-size N",
                        "--hnsw-m N",
                        "--hnsw-ef-construction N",
                        "--hnsw-ef-search N",
                        "--ivf-nlist N",
                        "--ivf-pq-m N",
                        "--ivf-nprobe N",
                        "--ivf-rerank N",
                        "--compaction-max-segments N",
                        "--compaction-deleted-ratio X",
                        "--timeout-ms T",
                        "--reply-topic R");
    }

    @Test
    void createCollectionUsageErrorsNameTheOption() {
        assertUsageError(
                new String[] {"create-collection", "--dimension", "3"},
                "--name is required to name the collection");
        assertUsageError(
                new String[] {"create-collection", "--name", "docs"}, "--dimension D is required");
        assertUsageError(
                new String[] {
                    "create-collection", "--name", "d", "--dimension", "3", "--ivf-nprobe", "many"
                },
                "--ivf-nprobe must be a whole number, not 'many'");
        assertUsageError(
                new String[] {
                    "create-collection",
                    "--name",
                    "d",
                    "--dimension",
                    "3",
                    "--compaction-deleted-ratio",
                    "half"
                },
                "--compaction-deleted-ratio must be a number, not 'half'");
        assertUsageError(
                new String[] {"create-collection", "--collection", "d", "--dimension", "3"},
                "name the collection to create with --name, not --collection");
        assertUsageError(
                new String[] {"create-collection", "docs", "--dimension", "3"},
                "unexpected argument 'docs'; name the collection with --name");
        assertUsageError(
                new String[] {
                    "create-collection", "--name", "d", "--dimension", "3", "--hnsw-n", "3"
                },
                "'create-collection' has no option --hnsw-n");
        assertUsageError(new String[] {"collections", "extra"}, "unexpected argument 'extra'");
        assertUsageError(
                new String[] {"collections", "--timeout-ms", "0"},
                "--timeout-ms must be between 1 and");
        assertUsageError(
                new String[] {"collections", "--reply-topic", "collections"},
                "collectionsTopic 'collections' is also used");
    }

    @Test
    void createCollectionArgumentsBecomeTheRequest() throws UsageException {
        CollectionRequest r =
                request(
                        CreateCollectionCommand.spec(
                                createArgs(
                                        "--name=docs",
                                        "--dimension",
                                        "384",
                                        "--metric",
                                        "dot",
                                        "--shards",
                                        "4",
                                        "--index-type",
                                        "ivf-pq",
                                        "--memory-tier",
                                        "pq-codes",
                                        "--seal-size",
                                        "5000",
                                        "--hnsw-m",
                                        "12",
                                        "--hnsw-ef-construction",
                                        "80",
                                        "--hnsw-ef-search",
                                        "48",
                                        "--ivf-nlist",
                                        "0",
                                        "--ivf-pq-m",
                                        "48",
                                        "--ivf-nprobe",
                                        "8",
                                        "--ivf-rerank",
                                        "0",
                                        "--compaction-max-segments",
                                        "4",
                                        "--compaction-deleted-ratio",
                                        "1")));

        assertThat(r)
                .isEqualTo(
                        CollectionRequest.newBuilder()
                                .setRequestId("r")
                                .setOp(CollectionOp.CREATE)
                                .setCollection("docs")
                                .setDimension(384)
                                .setMetric("dot")
                                .setShards(4)
                                .setIndexType("ivf-pq")
                                .setMemoryTier("pq-codes")
                                .setSealSize(5000)
                                .setHnswM(12)
                                .setHnswEfConstruction(80)
                                .setHnswEfSearch(48)
                                .setIvfNlist(0)
                                .setIvfPqM(48)
                                .setIvfNprobe(8)
                                .setIvfRerank(0)
                                .setCompactionMaxSegments(4)
                                .setCompactionDeletedRatio(1.0)
                                .build());
    }

    @Test
    void createCollectionLeavesUnsetSettingsNull() throws UsageException {
        CollectionRequest r =
                request(
                        CreateCollectionCommand.spec(
                                createArgs("--name", "docs", "--dimension", "3")));

        assertThat(r.getCollection()).isEqualTo("docs");
        assertThat(r.getDimension()).isEqualTo(3);
        for (int i = 4; i < r.getSchema().getFields().size(); i++) {
            assertThat(r.get(i)).as(r.getSchema().getFields().get(i).name()).isNull();
        }
    }

    /** The request the CLI's spec stands for, with request id "r". */
    private static CollectionRequest request(CreateCollectionCommand.Spec spec) {
        CollectionRequest.Builder b =
                CollectionRequest.newBuilder()
                        .setRequestId("r")
                        .setOp(CollectionOp.CREATE)
                        .setCollection(spec.name())
                        .setDimension(spec.dimension());
        spec.settings().accept(b);
        return b.build();
    }

    @Test
    void argsAcceptEqualsFormAndDoubleDash() throws UsageException {
        CliArgs a =
                CliArgs.parse(
                        "delete",
                        new String[] {"--collection=docs", "x", "--", "--y"},
                        Set.of("collection"),
                        Set.of());

        assertThat(a.string("collection", null)).isEqualTo("docs");
        assertThat(a.positionals()).containsExactly("x", "--y");
    }

    @Test
    void argsRejectRepeatsAndValuesOnFlags() {
        assertThatThrownBy(
                        () ->
                                CliArgs.parse(
                                        "q",
                                        new String[] {"--k", "1", "--k", "2"},
                                        Set.of("k"),
                                        Set.of()))
                .hasMessage("--k is given twice");
        assertThatThrownBy(
                        () ->
                                CliArgs.parse(
                                        "q", new String[] {"--json=yes"}, Set.of(), Set.of("json")))
                .hasMessage("--json takes no value");
    }

    @Test
    void vectorParsingToleratesSpaces() throws UsageException {
        assertThat(QueryCommand.parseVector(" 0.5, -1 ,2e-3")).containsExactly(0.5f, -1f, 2e-3f);
    }

    @Test
    void randomVectorsAreUnitLengthAndSeeded() {
        float[] a = ProduceCommand.randomUnitVector(new java.util.Random(3), 64);
        float[] b = ProduceCommand.randomUnitVector(new java.util.Random(3), 64);
        double norm = 0;
        for (float x : a) {
            norm += x * x;
        }

        assertThat(a).containsExactly(b);
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }

    private static CliArgs createArgs(String... args) throws UsageException {
        CreateCollectionCommand command = new CreateCollectionCommand();
        Set<String> options = new java.util.HashSet<>(CommonOptions.NAMES);
        options.addAll(command.valueOptions());
        return CliArgs.parse(command.name(), args, options, command.flags());
    }

    private static void assertUsageError(String[] args, String message) {
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).as(String.join(" ", args)).contains(message).contains("--help");
    }
}
