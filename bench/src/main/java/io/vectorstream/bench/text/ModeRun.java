package io.vectorstream.bench.text;

import io.vectorstream.bench.text.DebianCorpus.Query;
import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends every query once in one search mode through one {@link VectorStreamClient} with a fixed
 * number in flight (closed loop: the next one goes out when one is answered), and records where
 * each answer ranks the query's labelled document. Timed from the first send to the last answer.
 */
final class ModeRun {

    private ModeRun() {}

    /**
     * What one mode measured.
     *
     * @param ranks per query, the 1-based rank of its labelled document among the answer's hits, 0
     *     if it is not among them (or there was no answer)
     * @param sortedMicros round trips of the queries answered without error, ascending
     * @param errors answers with an error, by code (their queries rank 0)
     * @param incomplete answers without every shard ({@code complete=false}), errors not included
     * @param failed queries without an answer (client timeout, send failure)
     */
    record Result(
            String mode,
            int k,
            int[] ranks,
            long[] sortedMicros,
            double seconds,
            Map<String, Integer> errors,
            int incomplete,
            int failed,
            String firstError) {

        int queries() {
            return ranks.length;
        }

        /** The share of queries whose document is among the first {@code n} hits. */
        double hitRate(int n) {
            return ranks.length == 0
                    ? 0
                    : (double) Arrays.stream(ranks).filter(r -> r >= 1 && r <= n).count()
                            / ranks.length;
        }

        /** Mean reciprocal rank over the first {@code n} hits (0 for a query not among them). */
        double mrr(int n) {
            double sum = 0;
            for (int r : ranks) {
                if (r >= 1 && r <= n) {
                    sum += 1.0 / r;
                }
            }
            return ranks.length == 0 ? 0 : sum / ranks.length;
        }

        double queriesPerSecond() {
            return seconds <= 0 ? 0 : ranks.length / seconds;
        }

        /** The {@code p}-quantile of the round trips in milliseconds (nearest rank). */
        double roundTripMs(double p) {
            if (sortedMicros.length == 0) {
                return 0;
            }
            int rank = (int) Math.ceil(p * sortedMicros.length);
            return sortedMicros[Math.max(0, Math.min(sortedMicros.length, rank) - 1)] / 1000.0;
        }

        int errorCount() {
            return errors.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * Sends {@code queries} in {@code mode} ({@code keyword}, {@code vector} or {@code hybrid}):
     * each query's text and no vector, so the job embeds the text where the mode needs a vector.
     */
    static Result run(
            VectorStreamClient client,
            String collection,
            String mode,
            List<Query> queries,
            int k,
            int inFlight,
            int timeoutMs)
            throws InterruptedException {
        int n = queries.size();
        int[] ranks = new int[n];
        long[] micros = new long[n];
        Arrays.fill(micros, -1);
        Map<String, Integer> errors = new TreeMap<>();
        int[] incomplete = new int[1];
        int[] failed = new int[1];
        String[] firstError = new String[1];
        Duration clientWait = Duration.ofMillis(timeoutMs + 10_000L);
        Semaphore permits = new Semaphore(inFlight);
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong lastAnswer = new AtomicLong();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            permits.acquire();
            int qid = i;
            Query q = queries.get(i);
            long sent = System.nanoTime();
            CompletableFuture<QueryResponse> answer;
            try {
                answer =
                        client.query(request(collection, mode, q.text(), k, timeoutMs), clientWait);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete(
                    (response, error) -> {
                        long now = System.nanoTime();
                        synchronized (ranks) {
                            if (error != null) {
                                failed[0]++;
                                if (firstError[0] == null) {
                                    firstError[0] = error.toString();
                                }
                            } else if (response.getError() != null) {
                                errors.merge(response.getError().getCode(), 1, Integer::sum);
                                if (firstError[0] == null) {
                                    firstError[0] =
                                            response.getError().getCode()
                                                    + ": "
                                                    + response.getError().getMessage();
                                }
                            } else {
                                micros[qid] = (now - sent) / 1000;
                                ranks[qid] = rank(response.getHits(), q.answer(), k);
                                incomplete[0] += response.getComplete() ? 0 : 1;
                            }
                        }
                        lastAnswer.accumulateAndGet(now, Math::max);
                        permits.release();
                        done.countDown();
                    });
        }
        done.await();
        long[] answered;
        synchronized (ranks) {
            answered = Arrays.stream(micros).filter(m -> m >= 0).sorted().toArray();
        }
        return new Result(
                mode,
                k,
                ranks,
                answered,
                (lastAnswer.get() - start) / 1e9,
                errors,
                incomplete[0],
                failed[0],
                firstError[0]);
    }

    /** The query as sent: text, mode, k; no vector, metadata or text back. */
    static QueryRequest request(String collection, String mode, String text, int k, int timeoutMs) {
        return QueryRequest.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setCollection(collection)
                .setText(text)
                .setMode(mode)
                .setK(k)
                .setIncludeMetadata(false)
                .setIncludeText(false)
                .setIncludeVectors(false)
                .setTimeoutMs(timeoutMs)
                .build();
    }

    /** The 1-based rank of {@code id} among the first {@code k} hits, 0 if not among them. */
    static int rank(List<Hit> hits, String id, int k) {
        for (int i = 0; i < Math.min(k, hits.size()); i++) {
            if (hits.get(i).getId().equals(id)) {
                return i + 1;
            }
        }
        return 0;
    }
}
