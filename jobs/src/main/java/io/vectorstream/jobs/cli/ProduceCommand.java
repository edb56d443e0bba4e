package io.vectorstream.jobs.cli;

import io.vectorstream.client.FvecsReader;
import io.vectorstream.client.VectorFiles;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code produce}: publishes random vectors, an {@code .fvecs} file, a JSON-lines file of records,
 * or a JSON-lines file of texts for the job to embed.
 */
final class ProduceCommand implements Command {

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream produce --random N --dim D [--seed S] [--id-prefix P]"
                            + " [common options]",
                    "       vectorstream produce --file F.fvecs [--limit N] [--id-prefix P] [common"
                            + " options]",
                    "       vectorstream produce --file F.jsonl [--limit N] [common options]",
                    "       vectorstream produce --text F.jsonl [--limit N] [common options]",
                    "",
                    "Publishes vectors (or texts) to the vectors topic and waits until Kafka"
                            + " acknowledged them.",
                    "  --random N       N random unit vectors (ids P0, P1, ...)",
                    "  --dim D          their dimension",
                    "  --seed S         random seed (default: a new one, printed so the run can be"
                            + " repeated)",
                    "  --file F         an .fvecs file (ids = P + 0-based row number) or a"
                            + " JSON-lines file",
                    "                   (.jsonl/.ndjson/.json) of records like",
                    "                  "
                        + " {\"id\":\"a\",\"vector\":[0.1,0.2],\"metadata\":{\"lang\":\"en\"}};",
                    "                   lines that do not parse are reported with their number and"
                            + " skipped;",
                    "                   --collection, when given, overrides the lines' collection",
                    "  --text F         a JSON-lines file of texts for the job to embed, one record"
                            + " a line like",
                    "                   {\"id\":\"a\",\"text\":\"Kafka keeps the"
                            + " log\",\"metadata\":{\"lang\":\"en\"}}",
                    "                   (\"collection\" optional), published with the text and no"
                            + " vector; the",
                    "                   collection must have an embedder (create-collection"
                            + " --embedder). Lines",
                    "                   that do not parse, lack id or text, carry a vector or are"
                            + " not upserts",
                    "                   are reported with their number and skipped; --collection"
                            + " overrides the",
                    "                   lines' collection",
                    "  --limit N        publish at most N records of the file",
                    "  --id-prefix P    prefix of generated ids (default none)",
                    "  --no-progress    no progress line: by default loads that last more than"
                            + " half a second",
                    "                   redraw one on stderr (count/total, percent, records/s)"
                            + " every 500 ms");

    /** Why a record read from a file is skipped: a code and what is wrong. */
    record Problem(String code, String message) {}

    /** Decides which records of a JSON-lines file are published. */
    @FunctionalInterface
    interface RecordCheck {
        /** The reason {@code record} is skipped, or null to publish it. */
        Problem problem(VectorRecord record);
    }

    /** --file: every record that parses is published as it is. */
    static final RecordCheck ANY_RECORD = r -> null;

    /** --text: upserts with text and no vector, for the collection's embedder. */
    static final RecordCheck TEXT_RECORD =
            r -> {
                if (r.getOp() != Op.UPSERT) {
                    return new Problem(
                            "NOT_UPSERT",
                            "a --text line is an upsert; publish deletes with --file or"
                                    + " 'vectorstream delete'");
                }
                if (r.getText() == null || r.getText().isBlank()) {
                    return new Problem(
                            "MISSING_TEXT",
                            "field 'text' is required and must not be blank in a --text file");
                }
                if (r.getVector() != null) {
                    return new Problem(
                            "HAS_VECTOR",
                            "a --text line has no vector (the job embeds its text); publish"
                                    + " records with vectors with --file");
                }
                return null;
            };

    /** What one run did, for the summary line and for tests. */
    record Report(
            long acked,
            long failed,
            long skipped,
            Throwable firstError,
            String inputError,
            long nanos) {
        double perSecond() {
            return nanos == 0 ? 0 : acked * 1e9 / nanos;
        }
    }

    @Override
    public String name() {
        return "produce";
    }

    @Override
    public String summary() {
        return "publish random vectors, an .fvecs or JSON-lines file, or texts to embed";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of("random", "dim", "seed", "id-prefix", "file", "text", "limit");
    }

    @Override
    public Set<String> flags() {
        return Set.of("no-progress");
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        if (!args.positionals().isEmpty()) {
            throw new UsageException("unexpected argument '" + args.positionals().get(0) + "'");
        }
        int sources = (args.has("random") ? 1 : 0) + (args.has("file") ? 1 : 0);
        sources += args.has("text") ? 1 : 0;
        if (sources != 1) {
            throw new UsageException("give exactly one of --random N, --file F or --text F.jsonl");
        }
        if (args.has("random")) {
            return summarize(runRandom(args, common, err), "vectors", out, err);
        }
        if (args.has("file")) {
            return summarize(runFile(args, common, err), "vectors", out, err);
        }
        return summarize(runText(args, common, err), "texts", out, err);
    }

    private static Report runRandom(CliArgs args, CommonOptions common, PrintStream err)
            throws UsageException {
        if (args.has("limit")) {
            throw new UsageException(
                    "--limit applies to --file only; --random N already says how many");
        }
        if (!args.has("dim")) {
            throw new UsageException("--dim D is required with --random");
        }
        long n = args.longValue("random", 0, 1, Long.MAX_VALUE);
        int dim = args.intValue("dim", 0, 1, 1 << 20);
        long seed;
        if (args.has("seed")) {
            seed = args.longValue("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        } else {
            seed = new Random().nextLong();
            err.println("random seed " + seed + " (repeat this run with --seed " + seed + ")");
        }
        Progress progress =
                args.flag("no-progress") ? Progress.off(err) : Progress.of(err, "vectors", n);
        try (VectorStreamClient client = common.client()) {
            return produceRandom(
                    client,
                    common.collection(),
                    n,
                    dim,
                    seed,
                    args.string("id-prefix", ""),
                    progress);
        }
    }

    private static Report runFile(CliArgs args, CommonOptions common, PrintStream err)
            throws UsageException {
        Path file = Path.of(args.string("file", null));
        if (args.has("dim") || args.has("seed")) {
            throw new UsageException("--dim and --seed apply to --random only");
        }
        if (!Files.isRegularFile(file)) {
            throw new UsageException("--file '" + file + "' does not exist or is not a file");
        }
        boolean fvecs = isFvecs(file);
        if (!fvecs && !isJsonLines(file)) {
            throw new UsageException(
                    "--file '"
                            + file
                            + "' must end in .fvecs, or .jsonl/.ndjson/.json for JSON lines");
        }
        if (!fvecs && args.has("id-prefix")) {
            throw new UsageException(
                    "--id-prefix does not apply to JSON lines: their ids are in the file");
        }
        long limit = args.longValue("limit", Long.MAX_VALUE, 0, Long.MAX_VALUE);
        try (VectorStreamClient client = common.client()) {
            if (fvecs) {
                return produceFvecs(
                        client,
                        common.collection(),
                        file,
                        limit,
                        args.string("id-prefix", ""),
                        err);
            }
            // Lines name their collection; only an explicit --collection overrides them.
            String collection = args.has("collection") ? common.collection() : null;
            return produceJsonLines(
                    client, collection, file, limit, ANY_RECORD, lineProgress(args, file, err));
        }
    }

    private static Report runText(CliArgs args, CommonOptions common, PrintStream err)
            throws UsageException {
        Path file = Path.of(args.string("text", null));
        if (args.has("dim") || args.has("seed")) {
            throw new UsageException("--dim and --seed apply to --random only");
        }
        if (args.has("id-prefix")) {
            throw new UsageException(
                    "--id-prefix does not apply to --text: the ids are in the file");
        }
        if (!Files.isRegularFile(file)) {
            throw new UsageException(
                    "--text '"
                            + file
                            + "' does not exist or is not a file; --text takes a JSON-lines file"
                            + " of {\"id\":\"...\",\"text\":\"...\"} records");
        }
        long limit = args.longValue("limit", Long.MAX_VALUE, 0, Long.MAX_VALUE);
        try (VectorStreamClient client = common.client()) {
            // Lines name their collection; only an explicit --collection overrides them.
            String collection = args.has("collection") ? common.collection() : null;
            return produceJsonLines(
                    client, collection, file, limit, TEXT_RECORD, lineProgress(args, file, err));
        }
    }

    /** A progress display over the file's lines, unless --no-progress. */
    private static Progress lineProgress(CliArgs args, Path file, PrintStream err) {
        if (args.flag("no-progress")) {
            return Progress.off(err);
        }
        long total;
        try {
            total = Progress.countLines(file);
        } catch (IOException e) {
            total = 0; // reading the records will fail and say why; the display shows no total
        }
        return Progress.of(err, "lines", total);
    }

    static boolean isFvecs(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".fvecs");
    }

    static boolean isJsonLines(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json");
    }

    /**
     * Publishes {@code n} random unit vectors (Gaussian, normalised) with ids {@code prefix + i}.
     */
    static Report produceRandom(
            VectorStreamClient client,
            String collection,
            long n,
            int dim,
            long seed,
            String prefix,
            Progress progress) {
        Random random = new Random(seed);
        AckTracker acks = new AckTracker();
        long start = System.nanoTime();
        for (long i = 0; i < n; i++) {
            acks.track(
                    client.upsert(collection, prefix + i, randomUnitVector(random, dim), Map.of()));
            progress.update(i + 1, i + 1);
        }
        progress.finish();
        return finish(client, acks, 0, null, start);
    }

    /**
     * Publishes the rows of an {@code .fvecs} file with ids {@code prefix + row}. A damaged file
     * stops the run; what was sent before is still awaited and counted.
     */
    static Report produceFvecs(
            VectorStreamClient client,
            String collection,
            Path file,
            long limit,
            String prefix,
            PrintStream err) {
        AckTracker acks = new AckTracker();
        long skipped = 0;
        String inputError = null;
        long start = System.nanoTime();
        try (FvecsReader reader = FvecsReader.open(file)) {
            float[] v;
            for (long row = 0; row < limit && (v = reader.next()) != null; row++) {
                try {
                    acks.track(client.upsert(collection, prefix + row, v, Map.of()));
                } catch (IllegalArgumentException e) {
                    err.println("row " + row + ": " + e.getMessage() + " (skipped)");
                    skipped++;
                }
            }
        } catch (IOException e) {
            inputError = e.getMessage();
        }
        return finish(client, acks, skipped, inputError, start);
    }

    /**
     * Publishes each record of a JSON-lines file that {@code check} accepts, as it is (upsert or
     * delete). Lines that do not parse and records {@code check} refuses are reported on the
     * progress's stream with their line number and skipped; {@code progress} follows the lines.
     *
     * @param collection when not null, replaces every record's collection
     */
    static Report produceJsonLines(
            VectorStreamClient client,
            String collection,
            Path file,
            long limit,
            RecordCheck check,
            Progress progress) {
        AckTracker acks = new AckTracker();
        long[] counts = new long[2]; // published, skipped
        String inputError = null;
        long start = System.nanoTime();
        try {
            VectorFiles.forEachNumberedJsonLine(
                    file,
                    (line, record) -> {
                        if (counts[0] >= limit) {
                            progress.update(line, counts[0]);
                            return;
                        }
                        Problem problem = check.problem(record);
                        if (problem != null) {
                            badLine(progress, file, line, problem.code(), problem.message());
                            counts[1]++;
                        } else {
                            counts[0]++;
                            VectorRecord r = record;
                            if (collection != null) {
                                r =
                                        VectorRecord.newBuilder(record)
                                                .setCollection(collection)
                                                .build();
                            }
                            try {
                                acks.track(client.publish(r));
                            } catch (IllegalArgumentException e) {
                                progress.println(
                                        "record '"
                                                + r.getId()
                                                + "': "
                                                + e.getMessage()
                                                + " (skipped)");
                                counts[1]++;
                            }
                        }
                        progress.update(line, counts[0]);
                    },
                    (line, e) -> {
                        badLine(progress, file, line, e.code(), e.getMessage());
                        counts[1]++;
                        progress.update(line, counts[0]);
                    });
        } catch (IOException e) {
            inputError = e.getMessage();
        }
        progress.finish();
        return finish(client, acks, counts[1], inputError, start);
    }

    private static void badLine(
            Progress progress, Path file, long line, String code, String message) {
        progress.println(
                file.getFileName() + ":" + line + ": " + code + ": " + message + " (skipped)");
    }

    private static Report finish(
            VectorStreamClient client,
            AckTracker acks,
            long skipped,
            String inputError,
            long start) {
        client.flush();
        try {
            acks.awaitAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new Report(
                acks.acked(),
                acks.failed(),
                skipped,
                acks.firstError(),
                inputError,
                System.nanoTime() - start);
    }

    private static int summarize(Report r, String noun, PrintStream out, PrintStream err) {
        out.printf(
                Locale.ROOT,
                "acknowledged %d %s in %.2f s (%.0f %s/s)%s%n",
                r.acked(),
                noun,
                r.nanos() / 1e9,
                r.perSecond(),
                noun,
                r.skipped() == 0 ? "" : "; skipped " + r.skipped() + " bad input records");
        if (r.inputError() != null) {
            err.println("error: " + r.inputError() + "; stopped reading there");
        }
        if (r.failed() > 0) {
            err.println("error: " + r.failed() + " writes failed; first error: " + r.firstError());
            return ExitCodes.FAILED;
        }
        return r.inputError() == null ? ExitCodes.OK : ExitCodes.USAGE;
    }

    static float[] randomUnitVector(Random random, int dim) {
        float[] v = new float[dim];
        double norm2 = 0;
        while (norm2 == 0) {
            for (int i = 0; i < dim; i++) {
                v[i] = (float) random.nextGaussian();
                norm2 += (double) v[i] * v[i];
            }
        }
        float inv = (float) (1 / Math.sqrt(norm2));
        for (int i = 0; i < dim; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
