package io.vectorstream.jobs.cli;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.KafkaContract;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** {@code create-collection}: asks the job to create a collection and prints it as created. */
final class CreateCollectionCommand implements Command {

    /** An integer setting: its option and where it goes in the request. */
    private record IntSetting(
            String option, BiConsumer<CollectionRequest.Builder, Integer> apply) {}

    // The job checks the values (BAD_COLLECTION names the bad one); the CLI only parses them.
    private static final List<IntSetting> INT_SETTINGS =
            List.of(
                    new IntSetting("shards", CollectionRequest.Builder::setShards),
                    new IntSetting("seal-size", CollectionRequest.Builder::setSealSize),
                    new IntSetting("hnsw-m", CollectionRequest.Builder::setHnswM),
                    new IntSetting(
                            "hnsw-ef-construction",
                            CollectionRequest.Builder::setHnswEfConstruction),
                    new IntSetting("hnsw-ef-search", CollectionRequest.Builder::setHnswEfSearch),
                    new IntSetting("ivf-nlist", CollectionRequest.Builder::setIvfNlist),
                    new IntSetting("ivf-pq-m", CollectionRequest.Builder::setIvfPqM),
                    new IntSetting("ivf-nprobe", CollectionRequest.Builder::setIvfNprobe),
                    new IntSetting("ivf-rerank", CollectionRequest.Builder::setIvfRerank),
                    new IntSetting(
                            "compaction-max-segments",
                            CollectionRequest.Builder::setCompactionMaxSegments));

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream create-collection --name NAME --dimension D [settings]"
                            + " [common options]",
                    "       vectorstream create-collection --name NAME --embedder E [settings]"
                            + " [common options]",
                    "",
                    "Asks the job to create collection NAME and prints it with every setting"
                            + " resolved. Creating",
                    "a collection that exists with the same settings succeeds; with other settings"
                            + " the job",
                    "rejects it (COLLECTION_EXISTS). Unset settings take the job's defaults"
                            + " (vectorstream.collection.*",
                    "and vectorstream.index.*).",
                    "  --name NAME                    1 to 64 letters, digits, '_', '.' or '-'",
                    "  --dimension D                  vector components, 1..65536; fixed for the"
                            + " collection's life",
                    "  --embedder E                   all-minilm-l6-v2: the job embeds records and"
                            + " queries that carry",
                    "                                 text and no vector (produce --text, query"
                            + " --text); its",
                    "                                 vectors fix the dimension (384, --dimension"
                            + " optional) and",
                    "                                 metric cosine is the default",
                    "  --metric M                     cosine, dot or euclidean",
                    "  --shards N                     shards, fixed; must divide the job's"
                            + " max-parallelism",
                    "  --index-type T                 hnsw, ivf-flat or ivf-pq",
                    "  --memory-tier T                full, pq-codes (needs ivf-pq) or binary",
                    "  --seal-size N                  vectors per growing segment before it is"
                            + " sealed",
                    "  --hnsw-m N                     HNSW neighbours per node (at least 2)",
                    "  --hnsw-ef-construction N       HNSW beam width while building",
                    "  --hnsw-ef-search N             HNSW beam width while searching",
                    "  --ivf-nlist N                  IVF lists per segment, 0 for automatic",
                    "  --ivf-pq-m N                   IVF-PQ sub-spaces, must divide D; 0 for"
                            + " automatic",
                    "  --ivf-nprobe N                 IVF lists scanned per query",
                    "  --ivf-rerank N                 IVF-PQ candidates rescored exactly, 0 for"
                            + " none",
                    "  --compaction-max-segments N    sealed segments per shard before merging",
                    "  --compaction-deleted-ratio X   deleted share, in (0, 1], before a segment"
                            + " is rewritten",
                    "  --timeout-ms T                 how long to wait for the answer (default"
                            + " 10000)",
                    "  --reply-topic R                topic the answer is written to (default "
                            + KafkaContract.COLLECTION_RESULTS_TOPIC
                            + ")",
                    "Exits with 2 when the job rejects the collection (the error code and message"
                            + " are printed)",
                    "or no answer arrives in time.");

    @Override
    public String name() {
        return "create-collection";
    }

    @Override
    public String summary() {
        return "create a collection with its own dimension, metric and index";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        Set<String> options =
                new HashSet<>(
                        Set.of(
                                "name",
                                "dimension",
                                "embedder",
                                "metric",
                                "index-type",
                                "memory-tier",
                                "compaction-deleted-ratio",
                                "timeout-ms",
                                "reply-topic"));
        for (IntSetting s : INT_SETTINGS) {
            options.add(s.option());
        }
        return options;
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        Spec spec = spec(args);
        Duration timeout = CollectionsCommand.timeout(args);
        try (VectorStreamClient client = CollectionsCommand.client(common, args)) {
            return create(client, spec, timeout, out, err);
        }
    }

    /**
     * A collection to create: its name, dimension (null: the embedder's) and the settings the
     * arguments give.
     */
    record Spec(String name, Integer dimension, Consumer<CollectionRequest.Builder> settings) {}

    /** The collection the arguments describe; values are parsed here and checked by the job. */
    static Spec spec(CliArgs args) throws UsageException {
        if (!args.positionals().isEmpty()) {
            throw new UsageException(
                    "unexpected argument '"
                            + args.positionals().get(0)
                            + "'; name the collection with --name");
        }
        if (args.has("collection")) {
            throw new UsageException("name the collection to create with --name, not --collection");
        }
        String name = args.required("name", "to name the collection");
        String embedder = args.string("embedder", null);
        if (embedder != null && embedder.isBlank()) {
            throw new UsageException("--embedder needs a name, e.g. --embedder all-minilm-l6-v2");
        }
        if (!args.has("dimension") && embedder == null) {
            throw new UsageException(
                    "--dimension D is required: the length of the vectors (or --embedder E, whose"
                            + " vectors fix it)");
        }
        Integer dimension =
                args.has("dimension")
                        ? args.intValue("dimension", 0, Integer.MIN_VALUE, Integer.MAX_VALUE)
                        : null;
        List<Consumer<CollectionRequest.Builder>> settings = new ArrayList<>();
        if (embedder != null) {
            settings.add(r -> r.setEmbedder(embedder));
        }
        String metric = args.string("metric", null);
        String indexType = args.string("index-type", null);
        String memoryTier = args.string("memory-tier", null);
        settings.add(r -> r.setMetric(metric).setIndexType(indexType).setMemoryTier(memoryTier));
        for (IntSetting s : INT_SETTINGS) {
            if (args.has(s.option())) {
                int value = args.intValue(s.option(), 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
                settings.add(r -> s.apply().accept(r, value));
            }
        }
        if (args.has("compaction-deleted-ratio")) {
            double ratio = deletedRatio(args.string("compaction-deleted-ratio", ""));
            settings.add(r -> r.setCompactionDeletedRatio(ratio));
        }
        return new Spec(name, dimension, r -> settings.forEach(s -> s.accept(r)));
    }

    /** Creates the collection, prints it or the rejection, and returns the exit code. */
    static int create(
            VectorStreamClient client,
            Spec spec,
            Duration timeout,
            PrintStream out,
            PrintStream err) {
        CollectionInfo created;
        try {
            // Without --dimension the request carries none (the job takes the embedder's); the
            // client's dimension argument is then overwritten by the settings.
            Integer dimension = spec.dimension();
            created =
                    client.createCollection(
                                    spec.name(),
                                    dimension == null ? 0 : dimension,
                                    spec.settings().andThen(r -> r.setDimension(dimension)),
                                    timeout)
                            .get();
        } catch (ExecutionException e) {
            err.println("error: " + e.getCause().getMessage());
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted while waiting for the answer");
            return ExitCodes.FAILED;
        }
        out.println("collection '" + created.getName() + "' is ready:");
        CollectionsCommand.printTable(List.of(created), out);
        return ExitCodes.OK;
    }

    private static double deletedRatio(String s) throws UsageException {
        double ratio;
        try {
            ratio = Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "--compaction-deleted-ratio must be a number, not '" + s + "'");
        }
        return ratio;
    }
}
