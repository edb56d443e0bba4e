package io.vectorstream.jobs.testing;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * What a test published through the client, acknowledged by the broker: the live ids with their
 * current vectors and the deleted ids with their last vectors. The oracle of the recovery tests.
 * Used from the test thread only.
 */
public final class PublishedVectors {
    /** Queries in flight at once while checking; enough to keep both cores busy. */
    private static final int CHECK_CONCURRENCY = 256;

    private static final int CHECK_K = 10;

    private final int dimension;
    private final int textChars;
    private final Random rnd;
    private final Map<String, float[]> live = new LinkedHashMap<>();
    private final Map<String, float[]> deleted = new LinkedHashMap<>();
    private final List<CompletableFuture<?>> unacknowledged = new ArrayList<>();
    private int upserts;

    public PublishedVectors(int dimension, long seed) {
        this(dimension, 0, seed);
    }

    /**
     * @param textChars length of a random "text" metadata entry stored with each vector (the source
     *     text a real producer would attach), 0 for none
     */
    public PublishedVectors(int dimension, int textChars, long seed) {
        this.dimension = dimension;
        this.textChars = textChars;
        this.rnd = new Random(seed);
    }

    /** Upserts {@code id} with a fresh random vector (a re-upsert if it is live already). */
    public void upsert(VectorStreamClient client, String id) {
        float[] v = randomVector();
        int version = live.containsKey(id) ? 2 : 1;
        live.put(id, v);
        deleted.remove(id);
        upserts++;
        Map<String, String> metadata =
                textChars == 0
                        ? Map.of("version", String.valueOf(version))
                        : Map.of("version", String.valueOf(version), "text", randomText());
        unacknowledged.add(client.upsert(id, v, metadata));
    }

    /** Deletes a live id; it must then never be returned again. */
    public void delete(VectorStreamClient client, String id) {
        float[] old = live.remove(id);
        if (old == null) {
            throw new IllegalArgumentException(id + " is not live");
        }
        deleted.put(id, old);
        unacknowledged.add(client.delete(id));
    }

    /** Waits for the broker's acknowledgement of everything published so far. */
    public void awaitAcks() throws Exception {
        CompletableFuture.allOf(unacknowledged.toArray(CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
        unacknowledged.clear();
    }

    public int liveCount() {
        return live.size();
    }

    public int deletedCount() {
        return deleted.size();
    }

    /** Upserts published so far, re-upserts included. */
    public int upsertCount() {
        return upserts;
    }

    /** The first {@code n} live ids in publication order (the oldest ones). */
    public List<String> oldestLive(int n) {
        return live.keySet().stream().limit(n).toList();
    }

    public float[] randomVector() {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private String randomText() {
        char[] text = new char[textChars];
        for (int i = 0; i < textChars; i++) {
            text[i] = (char) ('a' + rnd.nextInt(26));
        }
        return new String(text);
    }

    /**
     * Checks through the queries topic that every live id is the top hit of a query by its own
     * vector, then that no deleted id is among the hits of a query by its last vector. Ids that
     * fail are checked again until {@code timeout} (the job may still be replaying after a
     * restore); a vector that was lost or a delete that was undone fails for good. Live ids go
     * first: the last re-upserts were published after the last deletes, so once every live id is
     * right the job has read past every delete, and a deleted id cannot pass just because its
     * upsert was not replayed yet.
     */
    public void assertAllSearchable(VectorStreamClient client, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, String> problems = checkUntil(client, live.keySet(), List.of(), deadline);
        if (problems.isEmpty()) {
            problems = checkUntil(client, List.of(), deleted.keySet(), deadline);
        }
        if (!problems.isEmpty()) {
            StringBuilder msg =
                    new StringBuilder()
                            .append(problems.size())
                            .append(" ids answered wrongly after ")
                            .append(timeout.toSeconds())
                            .append(" s (")
                            .append(live.size())
                            .append(" live, ")
                            .append(deleted.size())
                            .append(" deleted), e.g.:");
            problems.entrySet().stream()
                    .limit(10)
                    .forEach(
                            e ->
                                    msg.append("\n  ")
                                            .append(e.getKey())
                                            .append(": ")
                                            .append(e.getValue()));
            throw new AssertionError(msg.toString());
        }
    }

    private Map<String, String> checkUntil(
            VectorStreamClient client,
            Collection<String> liveIds,
            Collection<String> deletedIds,
            long deadline)
            throws Exception {
        Map<String, String> problems = check(client, liveIds, deletedIds);
        while (!problems.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            List<String> liveAgain = new ArrayList<>();
            List<String> deletedAgain = new ArrayList<>();
            for (String id : problems.keySet()) {
                (live.containsKey(id) ? liveAgain : deletedAgain).add(id);
            }
            problems = check(client, liveAgain, deletedAgain);
        }
        return problems;
    }

    private Map<String, String> check(
            VectorStreamClient client, Collection<String> liveIds, Collection<String> deletedIds)
            throws Exception {
        Map<String, String> problems = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(CHECK_CONCURRENCY);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String id : liveIds) {
            all.add(query(client, slots, live.get(id), id, true, problems));
        }
        for (String id : deletedIds) {
            all.add(query(client, slots, deleted.get(id), id, false, problems));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        return problems;
    }

    private static CompletableFuture<?> query(
            VectorStreamClient client,
            Semaphore slots,
            float[] vector,
            String id,
            boolean mustBeFirst,
            Map<String, String> problems)
            throws InterruptedException {
        slots.acquire();
        return client.query(vector, CHECK_K)
                .handle(
                        (r, error) -> {
                            slots.release();
                            String problem =
                                    error != null
                                            ? "no answer: " + error
                                            : judge(r, id, mustBeFirst);
                            if (problem != null) {
                                problems.put(id, problem);
                            }
                            return null;
                        });
    }

    private static String judge(QueryResponse r, String id, boolean mustBeFirst) {
        if (r.getError() != null || !r.getComplete()) {
            return "incomplete answer " + r;
        }
        List<String> ids = r.getHits().stream().map(Hit::getId).toList();
        if (mustBeFirst) {
            return !ids.isEmpty() && ids.get(0).equals(id)
                    ? null
                    : "live, but the top hits of its own vector are " + ids;
        }
        return ids.contains(id) ? "deleted, but returned among " + ids : null;
    }
}
