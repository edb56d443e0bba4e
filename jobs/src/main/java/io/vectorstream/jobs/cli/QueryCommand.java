package io.vectorstream.jobs.cli;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/** {@code query}: sends one k-NN, keyword or hybrid query and prints the answer. */
final class QueryCommand implements Command {

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream query --vector \"0.1,0.2,...\" [options] [common options]",
                    "       vectorstream query --random --dim D [--seed S] [options] [common"
                            + " options]",
                    "       vectorstream query --text \"...\" [--keyword | --hybrid [--vector V]"
                            + " [--rank-constant C]] [options]",
                    "",
                    "Sends one query and prints the hits best first, then how many shards answered,"
                            + " whether",
                    "the answer is complete, the job's search time and the round trip.",
                    "  --vector V        the query vector, comma-separated numbers",
                    "  --random          a random unit vector of --dim D components (seed --seed"
                            + " S)",
                    "  --text T          the query text (quote it): without --keyword/--hybrid the"
                            + " job embeds it",
                    "                    with the collection's embedder and searches the nearest"
                            + " neighbours;",
                    "                    each hit's stored text is printed under it (includeText)",
                    "  --keyword         BM25 over the stored texts instead (needs --text, no"
                            + " vector)",
                    "  --hybrid          BM25 and vector search fused by reciprocal rank fusion"
                            + " (needs --text;",
                    "                    the vector is --vector when given, else the embedded"
                            + " text)",
                    "  --rank-constant C --hybrid: the RRF constant, a hit scoring the sum of"
                            + " 1/(C + rank)",
                    "                    (default: the job's, 60)",
                    "  --k K             number of neighbours (default 10)",
                    "  --timeout-ms T    how long to wait for the answer (default 5000)",
                    "  --ef E            HNSW beam width for this query (default: the job's"
                            + " index.hnsw.ef-search)",
                    "  --nprobe N        IVF lists scanned per segment (default: the job's"
                            + " index.ivf.nprobe)",
                    "  --rerank R        IVF-PQ candidates rescored with full vectors, 0 for none"
                            + " (default: the job's index.ivf.rerank)",
                    "  --filter JSON     metadata filter, a JSON object sent as it is, e.g."
                            + " '{\"eq\":{\"lang\":\"en\"}}'",
                    "  --consistency C   eventual (default) or strong: answer only after every"
                            + " record",
                    "                    published before the query was read is indexed",
                    "  --include-vectors return each hit's stored vector (printed under the hit,"
                            + " in --vector form)",
                    "  --include-text    return each hit's stored text (printed under the hit);"
                            + " implied by --text",
                    "  --offset O        skip the best O hits (paging; k + O at most the job's"
                            + " max-k)",
                    "  --min-score S     cosine and dot: only hits scoring at least S",
                    "  --max-distance D  euclidean: only hits at most D away",
                    "  --group-by KEY    the best k groups of hits sharing metadata KEY's value",
                    "  --group-size N    hits per group with --group-by (default 1)",
                    "  --reply-topic R   topic the answer is written to (default results)",
                    "  --json            print the answer as JSON (the wire form) instead of a"
                            + " table",
                    "Exits with 2 when the job rejects the query (the error code and message are"
                            + " printed)",
                    "or no answer arrives in time.");

    @Override
    public String name() {
        return "query";
    }

    @Override
    public String summary() {
        return "run one k-NN query and print the hits";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of(
                "vector",
                "dim",
                "seed",
                "k",
                "timeout-ms",
                "reply-topic",
                "ef",
                "nprobe",
                "rerank",
                "filter",
                "consistency",
                "offset",
                "min-score",
                "max-distance",
                "group-by",
                "group-size",
                "text",
                "rank-constant");
    }

    @Override
    public Set<String> flags() {
        return Set.of("random", "json", "include-vectors", "include-text", "keyword", "hybrid");
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        if (!args.positionals().isEmpty()) {
            throw new UsageException(
                    "unexpected argument '"
                            + args.positionals().get(0)
                            + (args.has("text")
                                    ? "'; quote a text of several words: --text \"two words\""
                                    : "'; pass the vector with --vector or the text with --text"));
        }
        String mode = mode(args);
        String text = null;
        if (args.has("text")) {
            text = args.string("text", "");
            if (text.isBlank()) {
                throw new UsageException(
                        "--text needs the query text, e.g. --text \"how does compaction work\"");
            }
        }
        boolean randomVector = args.flag("random");
        int sources = (args.has("vector") ? 1 : 0) + (randomVector ? 1 : 0);
        sources += text != null ? 1 : 0;
        boolean hybridWithVector =
                VectorStreamClient.MODE_HYBRID.equals(mode) && sources == 2 && !randomVector;
        if (sources != 1 && !hybridWithVector) {
            throw new UsageException(
                    "give exactly one of --vector \"0.1,0.2,...\", --random --dim D or --text"
                            + " \"...\" (only --hybrid takes both --text and --vector)");
        }
        if (!randomVector && (args.has("dim") || args.has("seed"))) {
            throw new UsageException("--dim and --seed apply to --random only");
        }
        float[] vector;
        if (args.has("vector")) {
            vector = parseVector(args.string("vector", ""));
        } else if (!randomVector) {
            vector = null; // keyword search, or the job embeds the text
        } else {
            if (!args.has("dim")) {
                throw new UsageException("--dim D is required with --random");
            }
            int dim = args.intValue("dim", 0, 1, 1 << 20);
            Random random =
                    args.has("seed")
                            ? new Random(args.longValue("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE))
                            : new Random();
            vector = ProduceCommand.randomUnitVector(random, dim);
        }
        int k = args.intValue("k", 10, 1, Integer.MAX_VALUE);
        Duration timeout = Duration.ofMillis(args.longValue("timeout-ms", 5000, 1, Long.MAX_VALUE));
        QueryRequest.Builder request =
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setCollection(common.collection())
                        .setVector(vector == null ? null : FloatVectors.toBytes(vector))
                        .setText(text)
                        .setMode(mode)
                        .setK(k)
                        .setIncludeVectors(args.flag("include-vectors"))
                        .setIncludeText(text != null || args.flag("include-text"));
        if (args.has("rank-constant")) {
            if (!VectorStreamClient.MODE_HYBRID.equals(mode)) {
                throw new UsageException(
                        "--rank-constant applies to --hybrid only: it weighs the two rankings");
            }
            request.setRankConstant(args.intValue("rank-constant", 0, 1, Integer.MAX_VALUE));
        }
        // Checked only for sense here; the job applies its caps (vectorstream.query.max-*).
        if (args.has("ef")) {
            request.setEf(args.intValue("ef", 0, 1, Integer.MAX_VALUE));
        }
        if (args.has("nprobe")) {
            request.setNprobe(args.intValue("nprobe", 0, 1, Integer.MAX_VALUE));
        }
        if (args.has("rerank")) {
            request.setRerank(args.intValue("rerank", 0, 0, Integer.MAX_VALUE));
        }
        if (args.has("filter")) {
            String filter = args.string("filter", "").trim();
            if (filter.isEmpty()) {
                throw new UsageException(
                        "--filter needs a JSON object, e.g. --filter '{\"eq\":{\"lang\":\"en\"}}'");
            }
            request.setFilter(filter);
        }
        if (args.has("offset")) {
            request.setOffset(args.intValue("offset", 0, 0, Integer.MAX_VALUE));
        }
        request.setMinScore(args.floatValue("min-score"));
        request.setMaxDistance(args.floatValue("max-distance"));
        if (args.has("group-by")) {
            request.setGroupBy(args.string("group-by", ""));
        }
        if (args.has("group-size")) {
            request.setGroupSize(args.intValue("group-size", 1, 1, Integer.MAX_VALUE));
        }
        if (args.has("consistency")) {
            String consistency = args.string("consistency", "").trim();
            if (!consistency.equalsIgnoreCase("eventual")
                    && !consistency.equalsIgnoreCase("strong")) {
                throw new UsageException(
                        "--consistency must be eventual or strong, got '" + consistency + "'");
            }
            request.setConsistency(consistency.toLowerCase(Locale.ROOT));
        }
        VectorStreamClient.Builder builder = common.clientBuilder();
        if (args.has("reply-topic")) {
            builder.replyTopic(args.string("reply-topic", null));
        }
        VectorStreamClient client;
        try {
            client = builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage(), e);
        }
        try (client) {
            return query(client, request.build(), timeout, args.flag("json"), out, err);
        }
    }

    /**
     * The query mode the flags ask for: null for the job's default (vector), {@code keyword} or
     * {@code hybrid}; both need --text, and --keyword takes no vector.
     */
    private static String mode(CliArgs args) throws UsageException {
        boolean keyword = args.flag("keyword");
        boolean hybrid = args.flag("hybrid");
        if (keyword && hybrid) {
            throw new UsageException("give at most one of --keyword and --hybrid");
        }
        if ((keyword || hybrid) && !args.has("text")) {
            throw new UsageException(
                    "--"
                            + (keyword ? "keyword" : "hybrid")
                            + " searches the stored texts with BM25: give the query text with"
                            + " --text \"...\"");
        }
        if (keyword && (args.has("vector") || args.flag("random"))) {
            throw new UsageException(
                    "--keyword takes no vector: it ranks by BM25 alone; use --hybrid to combine"
                            + " it with --vector");
        }
        if (keyword) {
            return VectorStreamClient.MODE_KEYWORD;
        }
        return hybrid ? VectorStreamClient.MODE_HYBRID : null;
    }

    /** Sends {@code request}, prints the answer, and returns the exit code. */
    static int query(
            VectorStreamClient client,
            QueryRequest request,
            Duration timeout,
            boolean json,
            PrintStream out,
            PrintStream err) {
        long start = System.nanoTime();
        QueryResponse response;
        try {
            response = client.query(request, timeout).get();
        } catch (ExecutionException e) {
            err.println("error: " + e.getCause().getMessage());
            return ExitCodes.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted while waiting for the answer");
            return ExitCodes.FAILED;
        }
        double roundTripMs = (System.nanoTime() - start) / 1e6;
        if (json) {
            out.println(
                    new String(
                            PayloadCodec.encode(response, WireFormat.JSON),
                            StandardCharsets.UTF_8));
        } else {
            printTable(response, roundTripMs, out);
        }
        if (response.getError() != null) {
            err.println(
                    "error: query '"
                            + response.getQueryId()
                            + "' rejected: "
                            + response.getError().getCode()
                            + ": "
                            + response.getError().getMessage());
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }

    private static void printTable(QueryResponse r, double roundTripMs, PrintStream out) {
        if (r.getError() == null) {
            int idWidth = "id".length();
            for (Hit h : r.getHits()) {
                idWidth = Math.max(idWidth, h.getId().length());
            }
            String row = "%4s  %-" + idWidth + "s  %10s  %s%n";
            out.printf(Locale.ROOT, row, "rank", "id", "score", "metadata");
            int rank = 1;
            for (Hit h : r.getHits()) {
                out.printf(
                        Locale.ROOT,
                        row,
                        rank++,
                        h.getId(),
                        String.format(Locale.ROOT, "%.6f", h.getScore()),
                        metadata(h.getMetadata()));
                if (h.getVector() != null) {
                    out.println(
                            "      vector " + vectorText(FloatVectors.fromBytes(h.getVector())));
                }
                if (h.getText() != null) {
                    out.println("      text " + oneLine(h.getText()));
                }
            }
            if (r.getHits().isEmpty()) {
                out.println("(no hits)");
            }
        }
        out.printf(
                Locale.ROOT,
                "query %s: shards %d/%d, complete=%s, tookMs=%d, round trip %.1f ms%n",
                r.getQueryId(),
                r.getShardsAnswered(),
                r.getShardsExpected(),
                r.getComplete(),
                r.getTookMs(),
                roundTripMs);
    }

    /** {@code text} with every line break and other control character shown as a space. */
    static String oneLine(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) ? ' ' : c);
        }
        return sb.toString();
    }

    /** The vector as {@code --vector} takes it, so it can be pasted into the next query. */
    static String vectorText(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(v[i]);
        }
        return sb.toString();
    }

    private static String metadata(Map<String, String> m) {
        if (m.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(m).entrySet()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** Parses {@code "0.1, 0.2,0.3"}; every component must be a finite number. */
    static float[] parseVector(String s) throws UsageException {
        String[] parts = s.split(",", -1);
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            try {
                v[i] = Float.parseFloat(p);
            } catch (NumberFormatException e) {
                throw new UsageException(
                        "--vector component "
                                + i
                                + " '"
                                + p
                                + "' is not a number; write e.g. --vector \"0.1,0.2,0.3\"");
            }
            if (!Float.isFinite(v[i])) {
                throw new UsageException(
                        "--vector component "
                                + i
                                + " is "
                                + p
                                + "; every component must be finite");
            }
        }
        return v;
    }
}
