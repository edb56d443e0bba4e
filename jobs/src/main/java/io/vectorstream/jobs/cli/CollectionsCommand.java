package io.vectorstream.jobs.cli;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.KafkaContract;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/** {@code collections}: lists the collections the job serves, with their settings. */
final class CollectionsCommand implements Command {

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream collections [--timeout-ms T] [--reply-topic R] [common"
                            + " options]",
                    "",
                    "Asks the job for its collections and prints one row each, by name, with every"
                            + " setting",
                    "resolved: dimension (auto until the first vector fixes it), metric, shards,"
                            + " index type,",
                    "memory tier, seal size, HNSW m / ef-construction / ef-search, IVF nlist / pq-m"
                            + " / nprobe /",
                    "rerank, the compaction triggers and the embedder (none when records bring"
                            + " their vectors).",
                    "With --collection, only that collection; exits with 2 when it does not"
                            + " exist.",
                    "  --timeout-ms T   how long to wait for the answer (default 10000)",
                    "  --reply-topic R  topic the answer is written to (default "
                            + KafkaContract.COLLECTION_RESULTS_TOPIC
                            + ")",
                    "Exits with 2 when the job rejects the request or no answer arrives in time.");

    private static final String[] HEADER = {
        "name",
        "dim",
        "metric",
        "shards",
        "index",
        "tier",
        "seal-size",
        "hnsw-m",
        "ef-constr",
        "ef-search",
        "nlist",
        "pq-m",
        "nprobe",
        "rerank",
        "max-segments",
        "deleted-ratio",
        "embedder"
    };

    // Name, metric, index type, memory tier and embedder are left-aligned; numbers right-aligned.
    private static final Set<Integer> TEXT_COLUMNS = Set.of(0, 2, 4, 5, 16);

    @Override
    public String name() {
        return "collections";
    }

    @Override
    public String summary() {
        return "list the collections and their settings";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("timeout-ms", "reply-topic");
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        if (!args.positionals().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
        }
        Duration timeout = timeout(args);
        String only = args.has("collection") ? common.collection() : null;
        try (VectorStreamClient client = client(common, args)) {
            return list(client, only, timeout, out, err);
        }
    }

    /** Lists the collections (only {@code only} unless null), prints them, returns the code. */
    static int list(
            VectorStreamClient client,
            String only,
            Duration timeout,
            PrintStream out,
            PrintStream err) {
        List<CollectionInfo> all;
        try {
            all = client.listCollections(timeout).get();
        } catch (ExecutionException e) {
            err.println("error: " + e.getCause().getMessage());
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted while waiting for the answer");
            return ExitCodes.FAILED;
        }
        List<CollectionInfo> shown =
                only == null ? all : all.stream().filter(c -> c.getName().equals(only)).toList();
        if (only != null && shown.isEmpty()) {
            err.println(
                    "error: the job has no collection '"
                            + only
                            + "' ("
                            + all.size()
                            + " collections); create it with 'vectorstream create-collection'");
            return ExitCodes.FAILED;
        }
        if (shown.isEmpty()) {
            out.println(
                    "no collections yet; create one with 'vectorstream create-collection --name"
                            + " NAME --dimension D'");
            return ExitCodes.OK;
        }
        printTable(shown, out);
        return ExitCodes.OK;
    }

    /** One row per collection, columns as wide as their widest cell. */
    static void printTable(List<CollectionInfo> collections, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (CollectionInfo c : collections) {
            rows.add(row(c));
        }
        int[] width = new int[HEADER.length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String align = TEXT_COLUMNS.contains(i) ? "%-" : "%";
                line.append(String.format(Locale.ROOT, align + width[i] + "s", r[i]));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    private static String[] row(CollectionInfo c) {
        return new String[] {
            c.getName(),
            c.getDimension() == 0 ? "auto" : Integer.toString(c.getDimension()),
            c.getMetric(),
            Integer.toString(c.getShards()),
            c.getIndexType(),
            c.getMemoryTier(),
            Integer.toString(c.getSealSize()),
            Integer.toString(c.getHnswM()),
            Integer.toString(c.getHnswEfConstruction()),
            Integer.toString(c.getHnswEfSearch()),
            c.getIvfNlist() == 0 ? "auto" : Integer.toString(c.getIvfNlist()),
            c.getIvfPqM() == 0 ? "auto" : Integer.toString(c.getIvfPqM()),
            Integer.toString(c.getIvfNprobe()),
            Integer.toString(c.getIvfRerank()),
            Integer.toString(c.getCompactionMaxSegments()),
            String.format(Locale.ROOT, "%.2f", c.getCompactionDeletedRatio()),
            c.getEmbedder() == null ? "none" : c.getEmbedder()
        };
    }

    static Duration timeout(CliArgs args) throws UsageException {
        return Duration.ofMillis(args.longValue("timeout-ms", 10_000, 1, Long.MAX_VALUE));
    }

    /** The client, reading collection answers from {@code --reply-topic} when given. */
    static VectorStreamClient client(CommonOptions common, CliArgs args) throws UsageException {
        VectorStreamClient.Builder builder = common.clientBuilder();
        if (args.has("reply-topic")) {
            builder.collectionsReplyTopic(args.string("reply-topic", null));
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
    }
}
