package io.vectorstream.operators.index;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds a strong (read-your-writes) query on one index instance until the vector decoders' progress
 * markers have covered, on every shard of the query the instance holds, where the vectors topic
 * ended when the query was read.
 *
 * <p>A marker on a shard's channel vouches that everything the decoder read up to its offsets and
 * routed to that shard came ahead of it; channels are FIFO, so the shard has applied it. Each
 * partition is read by one decoder at a time, and every decoder also vouches for the offsets it
 * restored (those records are in the restored index), so the highest offset any marker named is a
 * safe bound. A waiting query is answered by the marker that completes its cover, or expires at its
 * deadline (the merger has answered without this instance by then).
 *
 * <p>Knows nothing of Flink: the caller runs the timers and answers what the gate hands back. Task
 * thread only.
 *
 * @param <Q> the waiting query (the operator keeps its stream record, for the timestamp)
 */
final class ProgressGate<Q> {

    /** Where the gate asks for {@link #expire}{@code (requestKey)} to be called at a deadline. */
    @FunctionalInterface
    interface Timers {
        void expireAt(String requestKey, long deadlineMs);
    }

    /** Thrown when {@code maxWaiting} queries wait already. */
    static final class Full extends Exception {
        private static final long serialVersionUID = 1L;

        Full(String message) {
            super(message);
        }
    }

    private final Timers timers;
    private final int maxWaiting;

    /** Shard key → vectors partition → highest offset vouched for on that shard. */
    private final Map<Integer, Map<Integer, Long>> vouched = new HashMap<>();

    private final Map<String, Waiting<Q>> waiting = new LinkedHashMap<>();

    /** A query held back: the shards it needs here, and the offsets it waits for. */
    private record Waiting<Q>(Q query, int[] shardKeys, int[] partitions, long[] offsets) {}

    ProgressGate(Timers timers, int maxWaiting) {
        this.timers = timers;
        this.maxWaiting = maxWaiting;
    }

    /**
     * A strong query arrived. True if it may be answered now: markers already cover it on every
     * shard in {@code heldKeys}. Otherwise the gate keeps it and {@link #markerArrived} hands it
     * back.
     *
     * @throws Full when {@code maxWaiting} queries wait already
     */
    boolean queryArrived(
            String requestKey,
            int[] heldKeys,
            int[] partitions,
            long[] offsets,
            long deadlineMs,
            Q query)
            throws Full {
        if (covered(heldKeys, partitions, offsets)) {
            return true;
        }
        if (waiting.size() >= maxWaiting) {
            throw new Full(
                    waiting.size()
                            + " strong queries are waiting for the index to catch up"
                            + " (vectorstream.limits.max-strong-queries-held); retry later, or send"
                            + " the query with consistency \"eventual\"");
        }
        waiting.put(requestKey, new Waiting<>(query, heldKeys, partitions, offsets));
        timers.expireAt(requestKey, deadlineMs);
        return false;
    }

    /**
     * Notes a marker for one shard; returns the waiting queries it completes (they are then the
     * caller's to answer), in arrival order.
     */
    List<Q> markerArrived(int shardKey, int[] partitions, long[] offsets) {
        Map<Integer, Long> shard = vouched.computeIfAbsent(shardKey, k -> new HashMap<>());
        for (int i = 0; i < partitions.length; i++) {
            shard.merge(partitions[i], offsets[i], Math::max);
        }
        if (waiting.isEmpty()) {
            return List.of();
        }
        List<Q> released = new ArrayList<>();
        for (Iterator<Waiting<Q>> it = waiting.values().iterator(); it.hasNext(); ) {
            Waiting<Q> w = it.next();
            if (needs(w.shardKeys, shardKey) && covered(w.shardKeys, w.partitions, w.offsets)) {
                it.remove();
                released.add(w.query);
            }
        }
        return released;
    }

    /** Forgets a strong query at its deadline. True if it was still waiting, so it expires here. */
    boolean expire(String requestKey) {
        return waiting.remove(requestKey) != null;
    }

    /** Strong queries waiting here. */
    int pending() {
        return waiting.size();
    }

    private boolean covered(int[] shardKeys, int[] partitions, long[] offsets) {
        for (int key : shardKeys) {
            Map<Integer, Long> shard = vouched.getOrDefault(key, Map.of());
            for (int i = 0; i < partitions.length; i++) {
                if (shard.getOrDefault(partitions[i], -1L) < offsets[i]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean needs(int[] shardKeys, int shardKey) {
        for (int key : shardKeys) {
            if (key == shardKey) {
                return true;
            }
        }
        return false;
    }
}
