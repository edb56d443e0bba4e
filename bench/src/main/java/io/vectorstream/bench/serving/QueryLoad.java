package io.vectorstream.bench.serving;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop query load through Kafka: {@code clients} request loops share one {@link
 * VectorStreamClient}, and each sends its next query as soon as the last is answered. The loops
 * cycle over the query set from its start, run a warm-up whose answers are dropped, then a measured
 * window; a query counts if it was sent inside the window, and the window closes when the last of
 * those is answered. Recall is scored on every measured answer, so a partial or refused answer
 * counts as misses.
 */
public final class QueryLoad {

    /** How long one query may take before it counts as failed. */
    private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(60);

    private final VectorStreamClient client;
    private final float[][] queries;
    private final int[][] truth;
    private final int k;

    /**
     * @param truth for each query the ordinals of its exact nearest base vectors, best first; base
     *     vector {@code i} was published as {@link BaseVectors#id(int)}
     */
    public QueryLoad(VectorStreamClient client, float[][] queries, int[][] truth, int k) {
        this.client = client;
        this.queries = queries;
        this.truth = truth;
        this.k = k;
    }

    /**
     * Runs {@code clients} loops for {@code warmup} then {@code window}.
     *
     * @param consistency the queries' consistency, null for the default (eventual)
     */
    public Result run(int clients, String consistency, Duration warmup, Duration window)
            throws Exception {
        AtomicInteger cursor = new AtomicInteger();
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long measureTo = measureFrom + window.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Loop>> loops = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                loops.add(pool.submit(() -> loop(cursor, consistency, measureFrom, measureTo)));
            }
            Loop all = new Loop();
            for (Future<Loop> f : loops) {
                all.add(f.get());
            }
            return all.result(clients, consistency, measureFrom);
        } finally {
            pool.shutdownNow();
        }
    }

    private Loop loop(AtomicInteger cursor, String consistency, long measureFrom, long measureTo)
            throws InterruptedException {
        Loop mine = new Loop();
        while (true) {
            int q = Math.floorMod(cursor.getAndIncrement(), queries.length);
            QueryRequest request =
                    QueryRequest.newBuilder()
                            .setQueryId(UUID.randomUUID().toString())
                            .setVector(FloatVectors.toBytes(queries[q]))
                            .setK(k)
                            .setConsistency(consistency)
                            .build();
            long sent = System.nanoTime();
            if (sent >= measureTo) {
                return mine;
            }
            boolean measured = sent >= measureFrom;
            try {
                QueryResponse answer =
                        client.query(request, QUERY_TIMEOUT)
                                .get(QUERY_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
                long answered = System.nanoTime();
                if (measured) {
                    mine.answered(answered, (answered - sent) / 1000, answer, hits(q, answer));
                }
            } catch (ExecutionException | TimeoutException e) {
                if (measured) {
                    mine.failed(System.nanoTime());
                }
            }
        }
    }

    /** How many of the query's k true neighbours the answer holds. */
    private int hits(int q, QueryResponse answer) {
        int[] t = truth[q];
        int found = 0;
        int shown = Math.min(k, answer.getHits().size());
        for (int j = 0; j < shown; j++) {
            int ordinal = BaseVectors.ordinal(answer.getHits().get(j).getId());
            for (int i = 0; i < k && i < t.length; i++) {
                if (t[i] == ordinal) {
                    found++;
                    break;
                }
            }
        }
        return found;
    }

    /**
     * What one level measured.
     *
     * @param sortedMicros round trips of the answered queries, client side, ascending
     * @param sortedTookMs the job's own time per answered query ({@code tookMs}), ascending
     * @param errors answers with an error (refused queries)
     * @param incomplete answers without every shard ({@code complete=false}), errors included
     * @param failed queries with no answer in time or not sent
     */
    public record Result(
            int clients,
            String consistency,
            double seconds,
            long[] sortedMicros,
            long[] sortedTookMs,
            double recall,
            long errors,
            long incomplete,
            long failed) {

        public double queriesPerSecond() {
            return sortedMicros.length / seconds;
        }

        /** The {@code p}-quantile of the round trips in milliseconds (nearest rank). */
        public double roundTripMs(double p) {
            return nearestRank(sortedMicros, p) / 1000.0;
        }

        public long tookMs(double p) {
            return nearestRank(sortedTookMs, p);
        }

        private static long nearestRank(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
        }
    }

    /** The measured answers of one loop, then of all loops together. Not thread-safe. */
    private final class Loop {
        private long[] micros = new long[1024];
        private long[] tookMs = new long[1024];
        private int count;
        private long hits;
        private long errors;
        private long incomplete;
        private long failed;
        private long lastNanos;

        void answered(long nanos, long roundTripMicros, QueryResponse answer, int found) {
            push(roundTripMicros, answer.getTookMs());
            hits += found;
            errors += answer.getError() == null ? 0 : 1;
            incomplete += answer.getComplete() ? 0 : 1;
            lastNanos = Math.max(lastNanos, nanos);
        }

        void failed(long nanos) {
            failed++;
            lastNanos = Math.max(lastNanos, nanos);
        }

        void add(Loop other) {
            for (int i = 0; i < other.count; i++) {
                push(other.micros[i], other.tookMs[i]);
            }
            hits += other.hits;
            errors += other.errors;
            incomplete += other.incomplete;
            failed += other.failed;
            lastNanos = Math.max(lastNanos, other.lastNanos);
        }

        private void push(long roundTripMicros, long answerTookMs) {
            if (count == micros.length) {
                micros = Arrays.copyOf(micros, 2 * count);
                tookMs = Arrays.copyOf(tookMs, 2 * count);
            }
            micros[count] = roundTripMicros;
            tookMs[count] = answerTookMs;
            count++;
        }

        Result result(int clients, String consistency, long measureFrom) {
            long[] m = Arrays.copyOf(micros, count);
            long[] t = Arrays.copyOf(tookMs, count);
            Arrays.sort(m);
            Arrays.sort(t);
            long scored = count + failed;
            return new Result(
                    clients,
                    consistency == null ? "eventual" : consistency,
                    (lastNanos - measureFrom) / 1e9,
                    m,
                    t,
                    scored == 0 ? 0 : (double) hits / (scored * k),
                    errors,
                    incomplete,
                    failed);
        }
    }
}
