package io.vectorstream.bench.fuzz;

import io.vectorstream.bench.data.Flags;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The fuzzer's settings, read once from its {@code --name value} arguments.
 *
 * @param jobId the job to watch, null for the cluster's only active job
 * @param collection the job's configured collection
 * @param firstSeq the seq of the first case (cases are made from the seed and their seq)
 * @param round cases sent before the fuzzer waits for all their outcomes and checks restarts
 * @param pinpoint smaller rounds from given seqs on, in increasing order: a pinpointing pass sends
 *     the same cases as the run it narrows down, in the same rounds, up to the round in which the
 *     job restarted, and that round in smaller ones
 * @param settle extra wait after a round's outcomes, before restarts are read again
 * @param dimension the configured collection's dimension if the job has none yet (0: 64)
 * @param replay a directory of saved cases to send instead of generated ones, null for none
 */
record FuzzOptions(
        String bootstrap,
        int restPort,
        String jobId,
        String collection,
        long payloads,
        long seed,
        long firstSeq,
        int round,
        List<Rounds> pinpoint,
        Duration roundTimeout,
        Duration answerTimeout,
        Duration settle,
        int dimension,
        int maxRecordBytes,
        Set<MutationClass> classes,
        Path saveDir,
        Path replay) {

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: PayloadFuzzer [options] (bench/run-fuzz.sh starts a local system and"
                            + " runs it)",
                    "  --bootstrap HOST:PORT    Kafka of the running system (127.0.0.1:9092)",
                    "  --rest-port N            Flink REST port of its cluster (8081)",
                    "  --job-id ID              the job to watch (default: the only active job)",
                    "  --collection NAME        the job's configured collection (default)",
                    "  --payloads N             payloads to send (100000)",
                    "  --seed N                 seed of the payloads (default: random, printed)",
                    "  --first N                seq of the first payload (0); payload seq depends"
                            + " only on seed and seq",
                    "  --round N                payloads per round; after each the fuzzer waits"
                            + " for every outcome and checks restarts (1000; replay: 1)",
                    "  --pinpoint N@SEQ,...     rounds of N payloads from seq SEQ on (how"
                            + " bench/run-fuzz.sh narrows down a restart; see pinpoint.args)",
                    "  --round-timeout-s S      longest wait for a round's outcomes (90)",
                    "  --answer-timeout-s S     longest wait for the last outcomes (90)",
                    "  --settle-ms MS           extra wait after each round before reading"
                            + " restarts (0; replay: 300)",
                    "  --dim D                  dimension to give the collection if it has none"
                            + " yet (64)",
                    "  --max-record-bytes N     the job's vectorstream.limits.max-record-bytes"
                            + " (1048576)",
                    "  --skip a,b               mutation classes to leave out",
                    "  --only a,b               the only mutation classes to use",
                    "  --save-dir DIR           where offending payloads are saved"
                            + " (/tmp/vectorstream-fuzz-<run>), and after a restart the"
                            + " arguments of a pass that narrows it down (pinpoint.args)",
                    "  --replay DIR             send the payloads saved in DIR instead",
                    "classes: valid, bit-flip, byte-replace, truncate, extend, insert, splice,"
                            + " havoc, avro-varint, json-edit, json-wrong-type,",
                    "  json-huge-number, json-deep-nesting, json-nan, json-bad-text, bad-values,"
                            + " key-mismatch, reply-to, oversize",
                    "A round settles once the REST API shows the validator's counters: the"
                            + " cluster's metrics.fetcher.update-interval (10 s by default;"
                            + " bench/run-fuzz.sh sets 200 ms) bounds the pace.",
                    "exit status: 0 all accounted for and no restart; 2 an accounting check"
                            + " failed; 3 the job restarted, stopped running or became"
                            + " unreachable; 1 the fuzzer failed");

    /** The classes as {@code --only} takes them. */
    String classList() {
        return classes.stream().map(MutationClass::label).collect(Collectors.joining(","));
    }

    /** Rounds of {@code size} cases from seq {@code from} on. */
    record Rounds(int size, long from) {
        @Override
        public String toString() {
            return size + "@" + from;
        }
    }

    /**
     * How many cases to send in the round that starts with case {@code seq}: the size of the last
     * {@link #pinpoint} entry that has begun, or {@link #round}, cut at the next entry's start.
     */
    int roundAt(long seq) {
        int size = round;
        for (Rounds r : pinpoint) {
            if (r.from() > seq) {
                return (int) Math.min(size, r.from() - seq);
            }
            size = r.size();
        }
        return size;
    }

    static FuzzOptions parse(String[] args) {
        Flags f =
                Flags.parse(
                        args,
                        Set.of(
                                "bootstrap",
                                "rest-port",
                                "job-id",
                                "collection",
                                "payloads",
                                "seed",
                                "first",
                                "round",
                                "pinpoint",
                                "round-timeout-s",
                                "answer-timeout-s",
                                "settle-ms",
                                "dim",
                                "max-record-bytes",
                                "skip",
                                "only",
                                "save-dir",
                                "replay"),
                        USAGE);
        String replay = f.string("replay", null);
        Set<MutationClass> only = MutationClass.parseList(f.string("only", null));
        Set<MutationClass> classes = only.isEmpty() ? EnumSet.allOf(MutationClass.class) : only;
        classes.removeAll(MutationClass.parseList(f.string("skip", null)));
        long seed = f.longValue("seed", new SplittableRandom().nextLong() & Long.MAX_VALUE);
        String save = f.string("save-dir", null);
        List<Rounds> pinpoint = new ArrayList<>();
        for (String entry : f.string("pinpoint", "").split(",")) {
            if (!entry.isBlank()) {
                String[] parts = entry.trim().split("@");
                if (parts.length != 2) {
                    throw new IllegalArgumentException(
                            "--pinpoint takes N@SEQ,..., got '" + entry + "'\n" + USAGE);
                }
                pinpoint.add(new Rounds(Integer.parseInt(parts[0]), Long.parseLong(parts[1])));
            }
        }
        if (replay != null && !pinpoint.isEmpty()) {
            throw new IllegalArgumentException(
                    "--pinpoint needs generated payloads; with --replay use --round\n" + USAGE);
        }
        return new FuzzOptions(
                f.string("bootstrap", "127.0.0.1:9092"),
                f.integer("rest-port", 8081),
                f.string("job-id", null),
                f.string("collection", "default"),
                f.longValue("payloads", 100_000),
                seed,
                f.longValue("first", 0),
                f.integer("round", replay == null ? 1_000 : 1),
                List.copyOf(pinpoint),
                Duration.ofSeconds(f.integer("round-timeout-s", 90)),
                Duration.ofSeconds(f.integer("answer-timeout-s", 90)),
                Duration.ofMillis(f.integer("settle-ms", replay == null ? 0 : 300)),
                f.integer("dim", 64),
                f.integer("max-record-bytes", 1_048_576),
                classes,
                save == null ? null : Paths.get(save),
                replay == null ? null : Paths.get(replay));
    }
}
