package io.vectorstream.bench.fuzz;

import io.vectorstream.bench.JobMetrics;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.KafkaContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A fuzzer for the Kafka contract (a benchmark tool, not a test): sends mutated Avro and JSON
 * payloads through a running system and accounts for every one.
 *
 * <ol>
 *   <li>Set-up: two reply topics of its own, the configured collection's dimension (fixed with a
 *       first vector if the job has none yet), and a small collection of its own ({@link
 *       SeedFactory#SMALL_COLLECTION}).
 *   <li>Rounds: makes {@code --round} cases ({@link CaseGenerator}: a valid seed for the vectors,
 *       queries or collections topic, in Avro or JSON, and one mutation class), sends them, and
 *       waits until every one has an outcome: a vector record counts as accepted (the validator's
 *       {@code recordsAccepted}, read over Flink's REST API) or dead-lettered (its dead letter,
 *       matched by the original partition and offset), a request as answered (its answer, matched
 *       by correlation id). Meanwhile it watches the job's {@code numRestarts} and state.
 *   <li>A restart (or a job that stops running or answering REST calls) ends the run: the round's
 *       payloads are saved, the job's failures are printed, and {@code --replay} of the saved round
 *       (one payload per round) names the first payload after which the restart count rose. {@code
 *       bench/run-fuzz.sh} does that replay on a fresh system.
 *   <li>The report: payloads per topic, form and mutation class with their outcomes, outcomes by
 *       code, and the checks (everything accounted for, valid payloads accepted, no restart).
 * </ol>
 *
 * Case {@code seq} is a function of the seed and {@code seq} (and the dimension), so a run repeats
 * exactly with the printed {@code --seed}.
 */
public final class PayloadFuzzer {
    private static final HexFormat HEX = HexFormat.of();
    private static final String VALIDATOR = "validate-vectors";

    /** Consecutive rounds without all outcomes after which the job counts as stalled. */
    private static final int STALLED_ROUNDS = 3;

    private final FuzzOptions opts;
    private final String runId;
    private final String queryReplies;
    private final String collectionReplies;
    private final Path saveDir;
    private final Ledger ledger = new Ledger();

    private JobMetrics job;
    private long restartsBefore;
    private long acceptedBefore;
    private long rejectedBefore;

    /** Vector records given up on: neither accepted nor dead-lettered when a round timed out. */
    private long lostVectors;

    private PayloadFuzzer(FuzzOptions opts) {
        this.opts = opts;
        this.runId = String.format("%08x", new SplittableRandom().nextInt());
        this.queryReplies = "fuzz-" + runId + ".results";
        this.collectionReplies = "fuzz-" + runId + ".collections";
        this.saveDir =
                opts.saveDir() != null
                        ? opts.saveDir()
                        : Paths.get(
                                System.getProperty("java.io.tmpdir"), "vectorstream-fuzz-" + runId);
    }

    public static void main(String[] args) {
        int rc;
        try {
            rc = new PayloadFuzzer(FuzzOptions.parse(args)).run();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            rc = 1;
        } catch (Exception e) {
            e.printStackTrace();
            rc = 1;
        }
        System.exit(rc); // Kafka client threads would keep the JVM alive
    }

    /** How a round ended. */
    private enum RoundEnd {
        SETTLED,
        TIMED_OUT,
        JOB_FAILED
    }

    /** How a round ended, and what went wrong unless it settled. */
    private record RoundResult(RoundEnd end, String why) {}

    private int run() throws Exception {
        job =
                opts.jobId() == null
                        ? JobMetrics.ofActiveJob(opts.restPort())
                        : new JobMetrics(opts.restPort(), opts.jobId());
        createReplyTopics();
        int dimension = setUp();
        SeedFactory seeds = new SeedFactory(opts.collection(), dimension);
        List<FuzzCase> replay = opts.replay() == null ? null : CaseFiles.load(opts.replay());
        long total = replay == null ? opts.payloads() : replay.size();
        CaseGenerator generator =
                new CaseGenerator(opts.seed(), seeds, opts.classes(), opts.maxRecordBytes());
        LongFunction<FuzzCase> caseAt =
                replay == null
                        ? i -> generator.generate(opts.firstSeq() + i)
                        : i -> replay.get((int) i);
        System.out.printf(
                "Payload fuzzer: %s, run %s, %,d payloads in rounds of %d against job %s;"
                        + " collection '%s' of dimension %d; offending payloads go to %s%n",
                replay == null
                        ? "seed "
                                + opts.seed()
                                + (opts.firstSeq() == 0 ? "" : " from seq " + opts.firstSeq())
                        : "replay of " + opts.replay(),
                runId,
                total,
                opts.round(),
                job.jobId(),
                opts.collection(),
                dimension,
                saveDir);
        if (replay == null) {
            System.out.println(
                    "classes: "
                            + opts.classList()
                            + (opts.pinpoint().isEmpty()
                                    ? ""
                                    : "; smaller rounds (size@seq): " + opts.pinpoint()));
        }

        long startedWallMs = System.currentTimeMillis();
        restartsBefore = job.restarts();
        acceptedBefore = job.sum(VALIDATOR, "recordsAccepted");
        rejectedBefore = job.sum(VALIDATOR, "recordsRejected");
        Sending sending = sendRounds(caseAt, total);
        FuzzReport report =
                new FuzzReport(ledger.snapshot(), jobTotals(), ledger.foreignDeadLetters());
        System.out.printf(
                "%nSent %,d payloads in %.0f s (%,.0f/s), %s, run %s.%n%n",
                sending.sent(),
                sending.seconds(),
                sending.sent() / sending.seconds(),
                replay == null ? "seed " + opts.seed() : "replay of " + opts.replay(),
                runId);
        System.out.print(report.markdown());
        if (sending.failure() != null) {
            reportFailure(sending.failure(), sending.failedRound(), startedWallMs);
        }
        saveOffenders(caseAt, replay);
        deleteReplyTopics();
        if (sending.failure() != null || report.jobFailed()) {
            return 3;
        }
        return report.failedChecks().isEmpty() ? 0 : 2;
    }

    /**
     * How the sending went.
     *
     * @param failure why it stopped early (the job restarted, stopped or stalled), null if not
     * @param failedRound the round during which the job failed, null if none
     */
    private record Sending(long sent, double seconds, String failure, List<FuzzCase> failedRound) {}

    /**
     * Sends the cases round by round, waiting after each for every outcome, until all are sent or
     * the job fails; then waits for the last outcomes.
     */
    private Sending sendRounds(LongFunction<FuzzCase> caseAt, long total) throws Exception {
        List<FuzzCase> failedRound = null;
        String failure = null;
        long t0 = System.nanoTime();
        long lastProgress = t0;
        long sent = 0;
        try (OutcomeReader reader =
                        new OutcomeReader(
                                opts.bootstrap(), runId, queryReplies, collectionReplies, ledger);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps())) {
            reader.start();
            int unsettled = 0;
            for (long i = 0; i < total && failure == null; ) {
                List<FuzzCase> round = new ArrayList<>();
                int size = opts.replay() == null ? opts.roundAt(opts.firstSeq() + i) : opts.round();
                for (; i < total && round.size() < size; i++) {
                    FuzzCase c = caseAt.apply(i);
                    round.add(c);
                    ledger.register(c);
                    send(producer, c);
                }
                producer.flush();
                sent += round.size();
                List<Long> seqs = round.stream().map(FuzzCase::seq).toList();
                RoundResult r = awaitRound(seqs, opts.roundTimeout(), opts.settle());
                if (r.end() == RoundEnd.JOB_FAILED) {
                    failure = r.why();
                    failedRound = round;
                } else if (r.end() == RoundEnd.TIMED_OUT) {
                    System.out.printf(
                            "round of seqs %d..%d: %s after %d s%n",
                            seqs.get(0),
                            seqs.get(seqs.size() - 1),
                            r.why(),
                            opts.roundTimeout().toSeconds());
                    if (++unsettled == STALLED_ROUNDS) {
                        failure = "the job seems stalled: " + unsettled + " rounds did not settle";
                    }
                } else {
                    unsettled = 0;
                }
                if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10) || i >= total) {
                    lastProgress = System.nanoTime();
                    progress(sent, total, t0);
                }
            }
            if (failure == null) {
                awaitRound(ledger.unanswered(), opts.answerTimeout(), Duration.ZERO);
            } else {
                // The job is failing: give outcomes already on their way a moment, no more.
                Thread.sleep(5_000);
            }
            if (reader.failure() != null) {
                throw reader.failure();
            }
        }
        return new Sending(sent, (System.nanoTime() - t0) / 1e9, failure, failedRound);
    }

    // ------------------------------------------------------------------------------- set-up

    private void createReplyTopics() throws Exception {
        try (Admin admin = Admin.create(adminProps())) {
            admin.createTopics(
                            List.of(
                                    new NewTopic(queryReplies, 1, (short) 1),
                                    new NewTopic(collectionReplies, 1, (short) 1)))
                    .all()
                    .get(60, TimeUnit.SECONDS);
        }
    }

    private void deleteReplyTopics() {
        try (Admin admin = Admin.create(adminProps())) {
            admin.deleteTopics(List.of(queryReplies, collectionReplies))
                    .all()
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.out.println("could not delete the run's reply topics: " + e);
        }
    }

    /**
     * The configured collection's dimension (fixed with a first vector if it has none yet), and the
     * run's small collection created.
     */
    private int setUp() throws Exception {
        try (VectorStreamClient client =
                VectorStreamClient.builder()
                        .bootstrapServers(opts.bootstrap())
                        .defaultTimeout(Duration.ofSeconds(60))
                        .build()) {
            int dimension = dimensionOf(client);
            if (dimension == 0) {
                dimension = opts.dimension();
                client.upsert(
                                "fuzz-dimension",
                                SeedFactory.unitVector(new SplittableRandom(1), dimension),
                                Map.of())
                        .get(60, TimeUnit.SECONDS);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (dimensionOf(client) == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(
                                "the collection's dimension was not fixed within 60 s");
                    }
                    Thread.sleep(200);
                }
                dimension = dimensionOf(client);
            }
            client.createCollection(
                            SeedFactory.SMALL_COLLECTION,
                            SeedFactory.SMALL_DIMENSION,
                            SeedFactory::smallSettings)
                    .get(60, TimeUnit.SECONDS);
            return dimension;
        }
    }

    private int dimensionOf(VectorStreamClient client) throws Exception {
        for (CollectionInfo c : client.listCollections().get(60, TimeUnit.SECONDS)) {
            if (c.getName().equals(opts.collection())) {
                return c.getDimension();
            }
        }
        throw new IllegalStateException(
                "the job serves no collection '" + opts.collection() + "'; see --collection");
    }

    // ------------------------------------------------------------------------------- sending

    private void send(KafkaProducer<byte[], byte[]> producer, FuzzCase c) {
        ProducerRecord<byte[], byte[]> r =
                new ProducerRecord<>(c.target().topic, null, c.key(), c.value());
        if (c.target().answered()) {
            r.headers()
                    .add(
                            KafkaContract.CORRELATION_ID_HEADER,
                            OutcomeReader.correlationId(runId, c.seq()));
            switch (c.replyTo().kind()) {
                case OWN ->
                        r.headers()
                                .add(
                                        KafkaContract.REPLY_TO_HEADER,
                                        (c.target() == Target.QUERIES
                                                        ? queryReplies
                                                        : collectionReplies)
                                                .getBytes(StandardCharsets.UTF_8));
                case LITERAL ->
                        r.headers().add(KafkaContract.REPLY_TO_HEADER, c.replyTo().literal());
                case ABSENT -> {}
            }
        }
        long seq = c.seq();
        try {
            producer.send(
                    r,
                    (md, e) -> {
                        if (e == null) {
                            ledger.acked(seq, md.partition(), md.offset());
                        } else {
                            ledger.refused(seq, e.getClass().getSimpleName());
                        }
                    });
        } catch (RuntimeException e) {
            ledger.refused(seq, e.getClass().getSimpleName());
        }
    }

    // ------------------------------------------------------------------------------- waiting

    /**
     * Waits until every case of {@code seqs} has its outcome and every vector record sent so far is
     * accepted or dead-lettered, watching the job's restarts and state.
     *
     * @param why set to what went wrong unless the round settled
     */
    private RoundResult awaitRound(List<Long> seqs, Duration timeout, Duration settle)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Thread.sleep(200);
            String failure = jobFailure();
            if (failure != null) {
                return new RoundResult(RoundEnd.JOB_FAILED, failure);
            }
            if (!ledger.allSent(seqs)) {
                continue;
            }
            long accepted;
            try {
                accepted = job.sum(VALIDATOR, "recordsAccepted") - acceptedBefore;
            } catch (IOException e) {
                continue; // jobFailure() tells on the next turn if the job is gone
            }
            long unresolvedVectors =
                    ledger.vectorsAcked() - lostVectors - accepted - ledger.vectorsDeadLettered();
            List<Long> unanswered = ledger.unanswered(seqs);
            if (unresolvedVectors <= 0 && unanswered.isEmpty()) {
                if (!settle.isZero()) {
                    Thread.sleep(settle.toMillis());
                    failure = jobFailure();
                }
                return new RoundResult(
                        failure == null ? RoundEnd.SETTLED : RoundEnd.JOB_FAILED, failure);
            }
            if (System.nanoTime() > deadline) {
                lostVectors += Math.max(0, unresolvedVectors);
                return new RoundResult(
                        RoundEnd.TIMED_OUT,
                        String.format(
                                "%,d vector records neither accepted nor dead-lettered, %,d"
                                        + " requests unanswered",
                                Math.max(0, unresolvedVectors), unanswered.size()));
            }
        }
    }

    /** Why the job is not fine (restarted, not running, unreachable), null if it is. */
    private String jobFailure() {
        try {
            long restarts = job.restarts();
            if (restarts > restartsBefore) {
                return "the job restarted (numRestarts " + restartsBefore + " -> " + restarts + ")";
            }
            JobMetrics.State s = job.state();
            if (!s.running()) {
                return "the job is "
                        + s.job()
                        + (s.allTasksRunning() ? "" : ", not every task running");
            }
            return null;
        } catch (IOException e) {
            return "the job's REST API does not answer (" + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private FuzzReport.JobTotals jobTotals() {
        long restarts = -1;
        long accepted = -1;
        long rejected = -1;
        String state = "unreachable";
        boolean allRunning = false;
        try {
            restarts = job.restarts();
            JobMetrics.State s = job.state();
            state = s.job();
            allRunning = s.allTasksRunning();
            if (restarts == restartsBefore) {
                // Operator counters start again from 0 after a restart: only compare without one.
                accepted = job.sum(VALIDATOR, "recordsAccepted") - acceptedBefore;
                rejected = job.sum(VALIDATOR, "recordsRejected") - rejectedBefore;
            }
        } catch (IOException | InterruptedException e) {
            // Reported as unreachable / unknown.
        }
        return new FuzzReport.JobTotals(
                accepted, rejected, restartsBefore, restarts, state, allRunning);
    }

    private void progress(long sent, long total, long t0) {
        double s = (System.nanoTime() - t0) / 1e9;
        long restarts = -1;
        long accepted = -1;
        try {
            restarts = job.restarts();
            accepted = job.sum(VALIDATOR, "recordsAccepted") - acceptedBefore;
        } catch (IOException | InterruptedException e) {
            // printed as -1
        }
        System.out.printf(
                "%tT sent %,d/%,d (%,.0f/s): vector records %,d (accepted %,d, dead-lettered %,d),"
                        + " requests unanswered %,d, restarts %d%n",
                System.currentTimeMillis(),
                sent,
                total,
                sent / s,
                ledger.vectorsAcked(),
                accepted,
                ledger.vectorsDeadLettered(),
                ledger.unanswered().size(),
                restarts - restartsBefore);
    }

    // ------------------------------------------------------------------------------- findings

    /** Prints the job's failures and the round they happened in, and saves that round. */
    private void reportFailure(String failure, List<FuzzCase> round, long sinceMs)
            throws IOException {
        System.out.println("\nSTOPPED: " + failure);
        try {
            for (JobMetrics.Failure f : job.failuresSince(sinceMs)) {
                System.out.printf(
                        "  job failure %tT %s%s%n    root cause: %s%n",
                        f.timestampMs(),
                        f.exception(),
                        f.task().isEmpty() ? "" : " in " + f.task(),
                        f.rootCause());
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("  (the job's exception history could not be read: " + e + ")");
        }
        if (round == null) {
            return;
        }
        Path dir = saveDir.resolve("restart-round");
        CaseFiles.save(dir, round);
        if (round.size() == 1) {
            System.out.println("\nThe first payload after which the restart count rose:");
            describe(round.get(0));
            System.out.println("Saved in " + dir);
            return;
        }
        Map<String, Long> topics = new TreeMap<>();
        round.forEach(c -> topics.merge(c.target().topic, 1L, Long::sum));
        Path args = saveDir.resolve("pinpoint.args");
        Files.writeString(args, pinpointArgs(round) + "\n");
        System.out.printf(
                "%nIt happened while the round of seqs %d..%d was processed (%d payloads: %s)."
                        + "%nIts payloads are saved in %s (--replay sends them again). To narrow"
                        + " it down, run the fuzzer on a fresh system with the arguments in %s"
                        + " (bench/run-fuzz.sh does). Largest of the round:%n",
                round.get(0).seq(),
                round.get(round.size() - 1).seq(),
                round.size(),
                topics,
                dir,
                args);
        round.stream()
                .sorted(Comparator.comparingInt((FuzzCase c) -> c.value().length).reversed())
                .limit(3)
                .forEach(PayloadFuzzer::describe);
    }

    /**
     * The arguments of the next pinpointing pass after a restart during {@code round}: the same
     * payloads up to its end, the round itself in rounds of a twentieth of it (a replay of its
     * saved payloads when this run was a replay: it has no seed). A failure that needs what came
     * before the round still shows up.
     */
    private String pinpointArgs(List<FuzzCase> round) {
        int smaller = Math.max(1, (round.size() + 19) / 20);
        String common =
                String.format(
                        " --collection %s --max-record-bytes %d --round-timeout-s %d --settle-ms"
                                + " 300",
                        opts.collection(), opts.maxRecordBytes(), opts.roundTimeout().toSeconds());
        if (opts.replay() != null) {
            return "--replay "
                    + saveDir.resolve("restart-round").toAbsolutePath()
                    + " --round "
                    + smaller
                    + common;
        }
        long first = round.get(0).seq();
        long last = round.get(round.size() - 1).seq();
        List<String> pinpoint = new ArrayList<>();
        opts.pinpoint().stream()
                .filter(r -> r.from() < first)
                .forEach(r -> pinpoint.add(r.toString()));
        pinpoint.add(new FuzzOptions.Rounds(smaller, first).toString());
        return String.format(
                "--seed %d --first %d --payloads %d --round %d --pinpoint %s --only %s --dim %d%s",
                opts.seed(),
                opts.firstSeq(),
                last - opts.firstSeq() + 1,
                opts.round(),
                String.join(",", pinpoint),
                opts.classList(),
                opts.dimension(),
                common);
    }

    private static void describe(FuzzCase c) {
        byte[] v = c.value();
        System.out.printf(
                "  seq %d: %s %s %s, %,d bytes: %s%n    key %s, first bytes %s%n",
                c.seq(),
                c.target().topic,
                c.format().name().toLowerCase(Locale.ROOT),
                c.mutation().label(),
                v.length,
                c.description(),
                c.key() == null
                        ? "none"
                        : JsonMutator.abbreviate(new String(c.key(), StandardCharsets.UTF_8)),
                HEX.formatHex(v, 0, Math.min(v.length, 48)));
    }

    /**
     * Saves the requests that got no answer and the unmutated payloads that were rejected, at most
     * 200 of each (made again from the seed, or taken from the replayed set).
     */
    private void saveOffenders(LongFunction<FuzzCase> caseAt, List<FuzzCase> replay)
            throws IOException {
        List<Long> unanswered = ledger.unanswered();
        List<Long> validRejected = new ArrayList<>();
        for (Ledger.Entry e : ledger.snapshot()) {
            if (e.validRejected()) {
                validRejected.add(e.seq);
            }
        }
        save("unanswered", unanswered, caseAt, replay);
        save("valid-rejected", validRejected, caseAt, replay);
    }

    private void save(
            String name, List<Long> seqs, LongFunction<FuzzCase> caseAt, List<FuzzCase> replay)
            throws IOException {
        if (seqs.isEmpty()) {
            return;
        }
        List<FuzzCase> cases = new ArrayList<>();
        for (long seq : seqs.subList(0, Math.min(200, seqs.size()))) {
            if (replay == null) {
                cases.add(caseAt.apply(seq - opts.firstSeq()));
            } else {
                replay.stream().filter(c -> c.seq() == seq).forEach(cases::add);
            }
        }
        CaseFiles.save(saveDir.resolve(name), cases, ledger::outcome);
        System.out.printf(
                "%,d %s payloads saved in %s%n", cases.size(), name, saveDir.resolve(name));
    }

    // ------------------------------------------------------------------------------- clients

    private Properties producerProps() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, opts.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 << 10));
        // Room for the oversize class: the broker, not the producer, should refuse what it must.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(16 << 20));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L << 20));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        return p;
    }

    private Properties adminProps() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, opts.bootstrap());
        return p;
    }
}
