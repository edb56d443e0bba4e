package io.vectorstream.operators.validate;

import io.vectorstream.operators.kafka.TopicEndOffsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Holds strong (read-your-writes) queries until the validator has processed the vectors topic up to
 * where it ended when each query arrived.
 *
 * <p>Work per message is bounded and nothing blocks the task thread:
 *
 * <ol>
 *   <li>Where the topic ends is read by one asynchronous lookup ({@link
 *       TopicEndOffsets#lastOffsetsAsync}) at a time. A lookup serves every strong query that
 *       arrived before it started; those arriving while it runs wait for the next one, which starts
 *       when it completes (a lookup that started earlier may have read the end before their
 *       writes). The caller {@link #poll}s it from a timer and on every record.
 *   <li>A query then waits for the partitions it is not caught up on, in one queue per partition
 *       ordered by offset: processing a record pops only the waits it satisfies.
 *   <li>Deadlines are kept in order: a timer pops only the queries it expires.
 *   <li>At most {@code maxHeld} queries wait at once; {@link #add} refuses more.
 * </ol>
 *
 * Task thread only; the lookup completes on a Kafka client thread and is only read here.
 */
final class StrongQueryGate {

    /** The longest one lookup may take before its queries are answered OFFSETS_UNAVAILABLE. */
    static final long MAX_LOOKUP_MS = 5_000;

    private final TopicEndOffsets vectorsEnd;
    private final int maxHeld;

    /** Per vectors partition, the highest offset processed. */
    private final Map<Integer, Long> processed = new HashMap<>();

    private final Map<Integer, PriorityQueue<Wait>> waits = new HashMap<>();
    private final TreeSet<Held> byDeadline =
            new TreeSet<>(
                    Comparator.comparingLong((Held h) -> h.query.deadlineMs)
                            .thenComparingLong(h -> h.seq));
    private CompletableFuture<Map<Integer, Long>> lookup;
    private long lookupStartedMs;
    private List<Held> lookupBatch = new ArrayList<>();
    private List<Held> nextBatch = new ArrayList<>();
    private long seq;

    private final List<Query> released = new ArrayList<>();
    private final List<Query> expired = new ArrayList<>();
    private final List<Failed> failed = new ArrayList<>();

    /** A query whose lookup failed, and why. */
    record Failed(Query query, String reason) {}

    StrongQueryGate(TopicEndOffsets vectorsEnd, int maxHeld) {
        this.vectorsEnd = vectorsEnd;
        this.maxHeld = maxHeld;
    }

    /** Strong queries waiting (for a lookup or for the validator to catch up). */
    int held() {
        return byDeadline.size();
    }

    /** The highest offset processed per vectors partition (what the validator checkpoints). */
    Map<Integer, Long> processedOffsets() {
        return processed;
    }

    /**
     * Holds {@code q} until the topic's end it will look up has been processed.
     *
     * @throws Rejection TOO_MANY_STRONG_QUERIES when {@code maxHeld} queries wait already
     */
    void add(Query q, long now) throws Rejection {
        if (byDeadline.size() >= maxHeld) {
            throw new Rejection(
                    "TOO_MANY_STRONG_QUERIES",
                    byDeadline.size()
                            + " strong queries are waiting for the index to catch up"
                            + " (vectorstream.limits.max-strong-queries-held); retry later, or send"
                            + " the query with consistency \"eventual\"");
        }
        Held h = new Held(q, seq++);
        byDeadline.add(h);
        if (lookup == null) {
            lookupBatch.add(h);
            startLookup(now);
        } else {
            nextBatch.add(h);
        }
        poll(now);
    }

    /** Notes that the record at {@code offset} of {@code partition} was processed. */
    void processed(int partition, long offset) {
        Long before = processed.get(partition);
        if (before != null && before >= offset) {
            return;
        }
        processed.put(partition, offset);
        PriorityQueue<Wait> queue = waits.get(partition);
        while (queue != null && !queue.isEmpty() && queue.peek().offset <= offset) {
            Held h = queue.poll().held;
            if (!h.done && --h.partitionsBehind == 0) {
                release(h);
            }
        }
    }

    /**
     * Takes the lookup's result if it is there (or gives up on it after {@link #MAX_LOOKUP_MS}),
     * starting the next lookup, and expires the queries whose deadline is at or before {@code now}.
     */
    void poll(long now) {
        while (lookup != null && (lookup.isDone() || now - lookupStartedMs >= MAX_LOOKUP_MS)) {
            finishLookup();
            if (!nextBatch.isEmpty()) {
                List<Held> batch = lookupBatch;
                lookupBatch = nextBatch;
                nextBatch = batch;
                startLookup(now);
            }
        }
        while (!byDeadline.isEmpty() && byDeadline.first().query.deadlineMs <= now) {
            Held h = byDeadline.pollFirst();
            h.done = true;
            expired.add(h.query);
        }
    }

    /**
     * Whether there is nothing to poll or take: no query held, no lookup in flight, nothing
     * released, expired or failed. Then a record needs no more than {@link #processed}.
     */
    boolean idle() {
        return byDeadline.isEmpty()
                && lookup == null
                && released.isEmpty()
                && expired.isEmpty()
                && failed.isEmpty();
    }

    /** Whether a lookup is in flight: the caller should poll again soon. */
    boolean lookupInFlight() {
        return lookup != null;
    }

    /** Queries caught up since the last call, in the order they were caught up. */
    List<Query> takeReleased() {
        return take(released);
    }

    /** Queries whose deadline passed while held, since the last call. */
    List<Query> takeExpired() {
        return take(expired);
    }

    /** Queries whose lookup failed, since the last call. */
    List<Failed> takeFailed() {
        return take(failed);
    }

    private void startLookup(long now) {
        lookupStartedMs = now;
        lookup = vectorsEnd.lastOffsetsAsync();
    }

    private void finishLookup() {
        Map<Integer, Long> ends = null;
        String problem = null;
        if (!lookup.isDone()) {
            lookup.cancel(true);
            problem = "the lookup took over " + MAX_LOOKUP_MS + " ms";
        } else {
            try {
                ends = lookup.get();
            } catch (ExecutionException e) {
                problem = String.valueOf(e.getCause());
            } catch (Exception e) {
                problem = String.valueOf(e);
            }
        }
        lookup = null;
        for (Held h : lookupBatch) {
            if (h.done) {
                continue;
            }
            if (ends == null) {
                finish(h);
                failed.add(new Failed(h.query, problem));
                continue;
            }
            for (Map.Entry<Integer, Long> e : ends.entrySet()) {
                if (processed.getOrDefault(e.getKey(), -1L) < e.getValue()) {
                    queueOf(e.getKey()).add(new Wait(e.getValue(), h));
                    h.partitionsBehind++;
                }
            }
            if (h.partitionsBehind == 0) {
                release(h);
            }
        }
        lookupBatch.clear();
    }

    /**
     * The wait queue of {@code partition}, rebuilt without finished queries when they make up most
     * of it, so queries that expired waiting for a stalled partition do not pile up.
     */
    private PriorityQueue<Wait> queueOf(int partition) {
        PriorityQueue<Wait> queue = waits.get(partition);
        if (queue == null) {
            // Ties in arrival order, so queries caught up together go out as they came.
            queue =
                    new PriorityQueue<>(
                            Comparator.comparingLong(Wait::offset)
                                    .thenComparingLong(w -> w.held.seq));
            waits.put(partition, queue);
        } else if (queue.size() > 2 * byDeadline.size() + 16) {
            queue.removeIf(w -> w.held.done);
        }
        return queue;
    }

    private void release(Held h) {
        finish(h);
        released.add(h.query);
    }

    private void finish(Held h) {
        h.done = true;
        byDeadline.remove(h);
    }

    private static <T> List<T> take(List<T> list) {
        if (list.isEmpty()) {
            return List.of();
        }
        List<T> out = new ArrayList<>(list);
        list.clear();
        return out;
    }

    /** A held query: how many partitions it still waits for, and whether it is answered. */
    private static final class Held {
        final Query query;
        final long seq;
        int partitionsBehind;
        boolean done;

        Held(Query query, long seq) {
            this.query = query;
            this.seq = seq;
        }
    }

    private record Wait(long offset, Held held) {}
}
