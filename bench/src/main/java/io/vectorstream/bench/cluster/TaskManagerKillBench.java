package io.vectorstream.bench.cluster;

import static io.vectorstream.bench.EndToEndBench.randomUnit;
import static io.vectorstream.bench.EndToEndBench.secs;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.bench.FlinkRest;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills a TaskManager of a running cluster ({@code jobs/cluster.sh}) with SIGKILL while vectors and
 * queries flow, and measures how the job recovers.
 *
 * <ol>
 *   <li>Load: one thread publishes vectors at a fixed rate with acknowledgement ({@code acks=all});
 *       another sends a k=10 query every few milliseconds and records when its answer arrives.
 *   <li>After a warm-up with at least one completed checkpoint, the TaskManager that runs
 *       shard-index subtask 0 is killed ({@code kill -9} of the pid in its pid file). The load goes
 *       on.
 *   <li>Recovery times, counted from the SIGKILL: the job seen failing (REST {@code /jobs/<id>} not
 *       RUNNING or a task not RUNNING), the job and every task RUNNING again, and the first
 *       complete answer to a query sent after the kill.
 *   <li>After the load stops, every acknowledged vector (or a random sample, {@code --verify N}) is
 *       queried with its own vector, {@code consistency=strong} (so the answer covers everything
 *       published before): it must be the top hit.
 * </ol>
 *
 * The job continues on the surviving TaskManager when it has enough free slots ({@code
 * jobs/cluster.sh} gives 2 per TaskManager, the job needs 2); {@code --replace} starts a
 * replacement TaskManager right after the kill instead. Prints the figures as a Markdown table.
 */
public final class TaskManagerKillBench {
    /** One query of the continuous load. */
    private record Sent(long sentNanos, long answeredNanos, boolean complete) {}

    /** One REST sample of the job: its state and whether every task runs. */
    private record Sample(long nanos, String state, boolean allRunning) {}

    private final FlinkRest rest;
    private final String jobId;

    private TaskManagerKillBench(int restPort, String jobId) {
        this.rest = new FlinkRest(restPort);
        this.jobId = jobId;
    }

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        int restPort = 8081;
        String bootstrap = "127.0.0.1:9092";
        Path clusterDir = Paths.get("data/cluster");
        String clusterScript = "jobs/cluster.sh";
        int dim = 64;
        int rate = 300;
        int beforeSeconds = 40;
        int afterSeconds = 40;
        int queryIntervalMs = 100;
        int verify = 0;
        boolean replace = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rest-port" -> restPort = Integer.parseInt(args[++i]);
                case "--bootstrap" -> bootstrap = args[++i];
                case "--cluster-dir" -> clusterDir = Paths.get(args[++i]);
                case "--cluster-script" -> clusterScript = args[++i];
                case "--dim" -> dim = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--before" -> beforeSeconds = Integer.parseInt(args[++i]);
                case "--after" -> afterSeconds = Integer.parseInt(args[++i]);
                case "--query-interval-ms" -> queryIntervalMs = Integer.parseInt(args[++i]);
                case "--verify" -> verify = Integer.parseInt(args[++i]);
                case "--replace" -> replace = true;
                default ->
                        throw new IllegalArgumentException(
                                "unknown option "
                                        + args[i]
                                        + "; options: --rest-port N --bootstrap HOST:PORT"
                                        + " --cluster-dir DIR --cluster-script PATH --dim D"
                                        + " --rate VECTORS_PER_S --before S --after S"
                                        + " --query-interval-ms MS --verify N(0=all) --replace");
            }
        }
        String jobId = Files.readString(clusterDir.resolve("job.id")).trim();
        new TaskManagerKillBench(restPort, jobId)
                .measure(
                        bootstrap,
                        clusterDir,
                        clusterScript,
                        dim,
                        rate,
                        beforeSeconds,
                        afterSeconds,
                        queryIntervalMs,
                        verify,
                        replace);
    }

    private void measure(
            String bootstrap,
            Path clusterDir,
            String clusterScript,
            int dim,
            int rate,
            int beforeSeconds,
            int afterSeconds,
            int queryIntervalMs,
            int verify,
            boolean replace)
            throws Exception {
        try (VectorStreamClient client =
                VectorStreamClient.builder()
                        .bootstrapServers(bootstrap)
                        .defaultTimeout(Duration.ofMinutes(3))
                        .build()) {
            awaitAllRunning(Duration.ofMinutes(3));
            Random rnd = new Random(42);
            QueryResponse first = client.query(randomUnit(rnd, dim), 1).get(3, TimeUnit.MINUTES);
            log("job running, first answer complete=" + first.getComplete());

            // 1. Load: vectors at a fixed rate with acknowledgement, queries at a fixed interval.
            AtomicBoolean stop = new AtomicBoolean();
            List<float[]> vectors = new ArrayList<>();
            BitSet acked = new BitSet();
            AtomicInteger ackFailures = new AtomicInteger();
            List<CompletableFuture<?>> pendingAcks = new ArrayList<>();
            long loadStart = System.nanoTime();
            Thread producer =
                    new Thread(
                            () -> {
                                Random r = new Random(1);
                                for (int i = 0; !stop.get(); i++) {
                                    sleepUntil(loadStart + i * 1_000_000_000L / rate);
                                    float[] v = randomUnit(r, dim);
                                    synchronized (vectors) {
                                        vectors.add(v);
                                    }
                                    int id = i;
                                    CompletableFuture<?> ack =
                                            client.upsert("v" + id, v, Map.of())
                                                    .whenComplete(
                                                            (md, e) -> {
                                                                if (e != null) {
                                                                    ackFailures.incrementAndGet();
                                                                    return;
                                                                }
                                                                synchronized (acked) {
                                                                    acked.set(id);
                                                                }
                                                            });
                                    synchronized (pendingAcks) {
                                        pendingAcks.add(ack);
                                    }
                                }
                            },
                            "producer");
            ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
            AtomicInteger queryFailures = new AtomicInteger();
            List<CompletableFuture<?>> pendingQueries = new ArrayList<>();
            Thread querier =
                    new Thread(
                            () -> {
                                Random r = new Random(2);
                                while (!stop.get()) {
                                    long t = System.nanoTime();
                                    QueryRequest q =
                                            QueryRequest.newBuilder()
                                                    .setQueryId(UUID.randomUUID().toString())
                                                    .setVector(
                                                            FloatVectors.toBytes(
                                                                    randomUnit(r, dim)))
                                                    .setK(10)
                                                    .setIncludeMetadata(false)
                                                    .setTimeoutMs(3000)
                                                    .build();
                                    CompletableFuture<?> f =
                                            client.query(q)
                                                    .whenComplete(
                                                            (a, e) -> {
                                                                if (e != null) {
                                                                    queryFailures.incrementAndGet();
                                                                } else {
                                                                    sent.add(answered(t, a));
                                                                }
                                                            });
                                    synchronized (pendingQueries) {
                                        pendingQueries.add(f);
                                    }
                                    sleepUntil(t + queryIntervalMs * 1_000_000L);
                                }
                            },
                            "querier");
            List<Sample> samples = new ArrayList<>();
            Thread monitor =
                    new Thread(
                            () -> {
                                while (!stop.get()) {
                                    long t = System.nanoTime();
                                    Sample s = sample(t);
                                    synchronized (samples) {
                                        samples.add(s);
                                    }
                                    sleepUntil(t + 100_000_000L);
                                }
                            },
                            "monitor");
            producer.start();
            querier.start();
            monitor.start();

            // 2. Warm-up, then SIGKILL the TaskManager running shard-index subtask 0.
            Thread.sleep(beforeSeconds * 1000L);
            while (latestCheckpoint() < 1) {
                Thread.sleep(200);
            }
            String victim = taskManagerOfIndexSubtask0();
            Map<String, Integer> placement = subtasksPerTaskManager();
            long pid = Long.parseLong(Files.readString(clusterDir.resolve(victim + ".pid")).trim());
            int ackedAtKill;
            synchronized (acked) {
                ackedAtKill = acked.cardinality();
            }
            long killWallMillis = System.currentTimeMillis();
            long kill = System.nanoTime();
            int rc = new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException("kill -9 " + pid + " failed: " + rc);
            }
            log(
                    "SIGKILL "
                            + victim
                            + " (pid "
                            + pid
                            + ", subtasks per TaskManager "
                            + placement
                            + ", "
                            + ackedAtKill
                            + " vectors acknowledged so far)");
            Files.deleteIfExists(clusterDir.resolve(victim + ".pid"));
            if (replace) {
                new ProcessBuilder(clusterScript, "add-tm", "3").inheritIO().start();
            }

            // 3. Keep the load on until the job is back and has run for afterSeconds.
            long recovered = -1;
            while (recovered < 0 || System.nanoTime() - recovered < afterSeconds * 1_000_000_000L) {
                Thread.sleep(200);
                if (recovered < 0) {
                    long failedAt = firstSampleAfter(samples, kill, x -> !x.allRunning());
                    long firstAnswer = failedAt < 0 ? -1 : firstCompleteAnswerAfter(sent, failedAt);
                    long running = runningAgainAfter(samples, kill);
                    if (firstAnswer > 0 && running > 0) {
                        recovered = Math.max(firstAnswer, running);
                        log("recovered; load goes on for " + afterSeconds + " s");
                    } else if (System.nanoTime() - kill > TimeUnit.MINUTES.toNanos(5)) {
                        throw new IllegalStateException("no recovery within 5 minutes");
                    }
                }
            }
            stop.set(true);
            producer.join();
            querier.join();
            monitor.join();
            long loadEnd = System.nanoTime();
            CompletableFuture.allOf(pendingAcks.toArray(CompletableFuture[]::new))
                    .handle((x, e) -> null)
                    .get(3, TimeUnit.MINUTES);
            CompletableFuture.allOf(pendingQueries.toArray(CompletableFuture[]::new))
                    .handle((x, e) -> null)
                    .get(4, TimeUnit.MINUTES);

            long failed = firstSampleAfter(samples, kill, s -> !s.allRunning());
            long running = runningAgainAfter(samples, kill);
            long finalRunning = lastTransitionToRunning(samples, kill);
            long firstAnswer = failed < 0 ? -1 : firstCompleteAnswerAfter(sent, failed);
            long longestGap = longestGapBetweenAnswers(sent, kill - 5_000_000_000L);
            // Steady state: the last 15 s before the kill (the first seconds warm up the JIT).
            List<Long> before = roundTrips(sent, kill - 15_000_000_000L, kill);
            List<Long> after = roundTrips(sent, recovered, loadEnd);
            long answeredComplete = sent.stream().filter(Sent::complete).count();
            long sentAfterKill = sent.stream().filter(s -> s.sentNanos() > kill).count();

            // 4. Every acknowledged vector must be found by its own vector.
            int[] ids;
            synchronized (acked) {
                ids = acked.stream().toArray();
            }
            int[] checked = ids;
            if (verify > 0 && verify < ids.length) {
                checked =
                        new Random(3)
                                .ints(0, ids.length)
                                .distinct()
                                .limit(verify)
                                .sorted()
                                .map(i -> ids[i])
                                .toArray();
            }
            log("verifying " + checked.length + " of " + ids.length + " acknowledged vectors");
            long verifyStart = System.nanoTime();
            Verification v = verify(client, vectors, checked);
            double verifySeconds = secs(verifyStart, System.nanoTime());

            List<String> failures = failuresSince(killWallMillis);
            double loadSeconds = secs(loadStart, loadEnd);
            StringBuilder md = new StringBuilder();
            md.append("| measure | value |\n|---|---|\n");
            row(
                    md,
                    "TaskManager killed (SIGKILL)",
                    victim
                            + ", subtasks per TaskManager "
                            + placement
                            + (replace
                                    ? "; replacement TaskManager 3 started at once"
                                    : "; no replacement (job continues on the survivor's free"
                                            + " slots)"));
            row(
                    md,
                    "vectors acknowledged (published at " + rate + "/s, " + dim + "-d)",
                    String.format(
                            "%,d in %.0f s (%,.0f/s); %d publish failures",
                            ids.length, loadSeconds, ids.length / loadSeconds, ackFailures.get()));
            row(
                    md,
                    "queries sent (one per " + queryIntervalMs + " ms, k=10)",
                    String.format(
                            "%,d; %,d answered complete; %d without answer",
                            sent.size() + queryFailures.get(),
                            answeredComplete,
                            queryFailures.get()));
            row(md, "job seen failing (REST) after SIGKILL", ms(kill, failed));
            row(
                    md,
                    "job and all tasks RUNNING again after SIGKILL",
                    ms(kill, running)
                            + (finalRunning != running
                                    ? " (finally at " + ms(kill, finalRunning) + ")"
                                    : ""));
            row(
                    md,
                    "failures (restarts) of the job, from its exception history",
                    failures.size() + ": " + String.join("; ", failures));
            row(md, "outages seen by REST polling", Integer.toString(outages(samples, kill)));
            row(md, "first complete answer after the job was seen failing", ms(kill, firstAnswer));
            row(
                    md,
                    "longest time without a complete answer (around the kill)",
                    String.format("%.1f s", longestGap / 1e9));
            row(
                    md,
                    "queries sent after SIGKILL",
                    String.format(
                            "%,d, all answered: %s",
                            sentAfterKill, queryFailures.get() == 0 ? "yes" : "no"));
            row(md, "query round trip p50 / p99, last 15 s before the kill", pct(before));
            row(md, "query round trip p50 / p99 after recovery", pct(after));
            row(
                    md,
                    "acknowledged vectors verified (own vector, k=3, strong)",
                    String.format(
                            "%,d checked (%s): %,d top hit, %,d in top 3, %,d missing; %.0f s",
                            checked.length,
                            checked.length == ids.length ? "all" : "random sample",
                            v.top1(),
                            v.top3(),
                            v.missing(),
                            verifySeconds));
            System.out.println();
            System.out.print(md);
            if (v.missing() > 0) {
                throw new IllegalStateException(
                        v.missing()
                                + " acknowledged vectors are not searchable, e.g. "
                                + v.examples());
            }
        }
    }

    private static Sent answered(long sentNanos, QueryResponse answer) {
        boolean complete = answer.getError() == null && answer.getComplete();
        return new Sent(sentNanos, System.nanoTime(), complete);
    }

    private record Verification(int top1, int top3, int missing, List<String> examples) {}

    /** Queries each id's own vector (k=3, strong), at most 64 queries in flight. */
    private static Verification verify(VectorStreamClient client, List<float[]> vectors, int[] ids)
            throws Exception {
        Semaphore inFlight = new Semaphore(64);
        AtomicInteger top1 = new AtomicInteger();
        AtomicInteger top3 = new AtomicInteger();
        AtomicInteger missing = new AtomicInteger();
        ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (int id : ids) {
            float[] v;
            synchronized (vectors) {
                v = vectors.get(id);
            }
            String expected = "v" + id;
            QueryRequest q =
                    QueryRequest.newBuilder()
                            .setQueryId(UUID.randomUUID().toString())
                            .setVector(FloatVectors.toBytes(v))
                            .setK(3)
                            .setIncludeMetadata(false)
                            .setConsistency("strong")
                            .setTimeoutMs(30_000)
                            .build();
            inFlight.acquire();
            all.add(
                    client.query(q, Duration.ofMinutes(2))
                            .whenComplete(
                                    (a, e) -> {
                                        inFlight.release();
                                        List<Hit> hits = e != null ? List.of() : a.getHits();
                                        if (!hits.isEmpty()
                                                && hits.get(0).getId().equals(expected)) {
                                            top1.incrementAndGet();
                                            top3.incrementAndGet();
                                        } else if (hits.stream()
                                                .anyMatch(h -> h.getId().equals(expected))) {
                                            top3.incrementAndGet();
                                        } else {
                                            missing.incrementAndGet();
                                            if (examples.size() < 10) {
                                                examples.add(
                                                        expected
                                                                + " ("
                                                                + (e != null
                                                                        ? e.toString()
                                                                        : describe(a))
                                                                + ")");
                                            }
                                        }
                                    }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .handle((x, e) -> null)
                .get(10, TimeUnit.MINUTES);
        return new Verification(top1.get(), top3.get(), missing.get(), List.copyOf(examples));
    }

    private static String describe(QueryResponse a) {
        return "complete="
                + a.getComplete()
                + ", shards "
                + a.getShardsAnswered()
                + "/"
                + a.getShardsExpected()
                + ", error="
                + a.getError()
                + ", hits="
                + a.getHits().stream().map(h -> h.getId() + ":" + h.getScore()).toList();
    }

    // ------------------------------------------------------------------------- REST (JobManager)

    private Sample sample(long nanos) {
        try {
            JsonNode job = get("/jobs/" + jobId);
            boolean allRunning = "RUNNING".equals(job.path("state").asText());
            for (JsonNode v : job.path("vertices")) {
                allRunning &= "RUNNING".equals(v.path("status").asText());
            }
            return new Sample(nanos, job.path("state").asText(), allRunning);
        } catch (Exception e) {
            return new Sample(nanos, "UNREACHABLE", false);
        }
    }

    private void awaitAllRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sample(System.nanoTime()).allRunning()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " not running within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    private long latestCheckpoint() throws IOException, InterruptedException {
        JsonNode c = get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        return c.isMissingNode() || c.isNull() ? -1 : c.path("id").asLong(-1);
    }

    /**
     * The failures that restarted the job since {@code wallMillis}, oldest first, each as its
     * exception's class name and where it happened.
     */
    private List<String> failuresSince(long wallMillis) throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        JsonNode entries =
                get("/jobs/" + jobId + "/exceptions?maxExceptions=100")
                        .path("exceptionHistory")
                        .path("entries");
        for (JsonNode e : entries) {
            if (e.path("timestamp").asLong() >= wallMillis) {
                String name = e.path("exceptionName").asText();
                String where = e.path("taskName").asText("");
                out.add(
                        0,
                        name.substring(name.lastIndexOf('.') + 1)
                                + (where.isEmpty() ? "" : " in " + where));
            }
        }
        return out;
    }

    private String taskManagerOfIndexSubtask0() throws IOException, InterruptedException {
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().contains("shard-index")) {
                JsonNode subtasks =
                        get("/jobs/" + jobId + "/vertices/" + v.path("id").asText())
                                .path("subtasks");
                return subtasks.get(0).path("taskmanager-id").asText();
            }
        }
        throw new IllegalStateException("no shard-index vertex in job " + jobId);
    }

    private Map<String, Integer> subtasksPerTaskManager() throws IOException, InterruptedException {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (JsonNode v : get("/jobs/" + jobId).path("vertices")) {
            for (JsonNode s :
                    get("/jobs/" + jobId + "/vertices/" + v.path("id").asText()).path("subtasks")) {
                out.merge(s.path("taskmanager-id").asText(), 1, Integer::sum);
            }
        }
        return out;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return rest.get(path);
    }

    // ------------------------------------------------------------------------------- timelines

    private static long firstSampleAfter(
            List<Sample> samples, long after, java.util.function.Predicate<Sample> p) {
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.nanos() > after && p.test(s)) {
                    return s.nanos();
                }
            }
        }
        return -1;
    }

    /** The first sample with every task running after the first one without, both after t. */
    private static long runningAgainAfter(List<Sample> samples, long t) {
        long failed = firstSampleAfter(samples, t, s -> !s.allRunning());
        return failed < 0 ? -1 : firstSampleAfter(samples, failed, Sample::allRunning);
    }

    /** How many times the job went from all-running to not all-running after t. */
    private static int outages(List<Sample> samples, long t) {
        int n = 0;
        boolean up = true;
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.nanos() > t && up != s.allRunning()) {
                    up = s.allRunning();
                    n += up ? 0 : 1;
                }
            }
        }
        return n;
    }

    /** The last not-running → running transition after t (several restarts: the final one). */
    private static long lastTransitionToRunning(List<Sample> samples, long t) {
        long last = -1;
        boolean wasDown = false;
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.nanos() <= t) {
                    continue;
                }
                if (!s.allRunning()) {
                    wasDown = true;
                } else if (wasDown) {
                    last = s.nanos();
                    wasDown = false;
                }
            }
        }
        return last;
    }

    /**
     * When the first complete answer arrived after t. Counted from the job seen failing, not from
     * the kill: a SIGKILLed process takes a moment to die, and a query can still be answered whole
     * just after the signal.
     */
    private static long firstCompleteAnswerAfter(ConcurrentLinkedQueue<Sent> sent, long t) {
        return sent.stream()
                .filter(s -> s.answeredNanos() > t && s.complete())
                .mapToLong(Sent::answeredNanos)
                .min()
                .orElse(-1);
    }

    /** The longest time between two complete answers arriving, from {@code from} on. */
    private static long longestGapBetweenAnswers(ConcurrentLinkedQueue<Sent> sent, long from) {
        long[] arrivals =
                sent.stream()
                        .filter(s -> s.complete() && s.answeredNanos() > from)
                        .mapToLong(Sent::answeredNanos)
                        .sorted()
                        .toArray();
        long gap = 0;
        for (int i = 1; i < arrivals.length; i++) {
            gap = Math.max(gap, arrivals[i] - arrivals[i - 1]);
        }
        return gap;
    }

    private static List<Long> roundTrips(ConcurrentLinkedQueue<Sent> sent, long from, long to) {
        return sent.stream()
                .filter(s -> s.sentNanos() > from && s.sentNanos() < to && s.complete())
                .map(s -> (s.answeredNanos() - s.sentNanos()) / 1_000_000)
                .sorted()
                .toList();
    }

    // ------------------------------------------------------------------------------- formatting

    private static void row(StringBuilder md, String measure, String value) {
        md.append("| ").append(measure).append(" | ").append(value).append(" |\n");
    }

    private static String ms(long from, long to) {
        return to < 0 ? "not seen" : String.format("%.1f s", (to - from) / 1e9);
    }

    private static String pct(List<Long> ms) {
        if (ms.isEmpty()) {
            return "no answers";
        }
        return String.format(
                "%d ms / %d ms (%,d queries)",
                ms.get(ms.size() / 2),
                ms.get((int) Math.min(ms.size() - 1, ms.size() * 0.99)),
                ms.size());
    }

    private static void log(String msg) {
        System.out.printf("%tT %s%n", System.currentTimeMillis(), msg);
    }

    private static void sleepUntil(long nanos) {
        long d = nanos - System.nanoTime();
        if (d > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
