package io.vectorstream.operators.index;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The gate that holds a strong (read-your-writes) query on one index instance until the barrier the
 * validator sent ahead of it has arrived for every shard of the query that the instance holds.
 *
 * <p>Each shard's channel is FIFO, so once its barrier is here the shard has applied every vector
 * published before the query was read. Barriers and query meet in either order; whichever comes
 * first waits here until the rest arrive or the query's deadline passes. The first arrival of a
 * request asks for an {@link #expire} call at the deadline, so neither barriers nor a waiting query
 * can leak; by then the merger has answered without this instance.
 *
 * <p>Knows nothing of Flink: the caller runs the timers and answers what the gate hands back. Task
 * thread only.
 *
 * @param <Q> the waiting query (the operator keeps its stream record, for the timestamp)
 */
final class StrongQueryBarriers<Q> {

    /** Where the gate asks for {@link #expire}{@code (requestKey)} to be called at a deadline. */
    @FunctionalInterface
    interface Timers {
        void expireAt(String requestKey, long deadlineMs);
    }

    private final Timers timers;

    /**
     * Strong query's request key → shard keys whose barrier arrived, until the query is answered.
     */
    private final Map<String, Set<Integer>> barriers = new HashMap<>();

    /** Strong queries that arrived before all their barriers. */
    private final Map<String, Waiting<Q>> waiting = new HashMap<>();

    /** A query held back, with the number of its shards this instance holds. */
    private record Waiting<Q>(Q query, int heldShards) {}

    StrongQueryBarriers(Timers timers) {
        this.timers = timers;
    }

    /**
     * A strong query arrived. True if it may be answered now: it holds no shard here, or every one
     * of its {@code heldShards} barriers has arrived. Otherwise the gate keeps it, and {@link
     * #barrierArrived} hands it back with its last barrier.
     */
    boolean queryArrived(String requestKey, int heldShards, long deadlineMs, Q query) {
        if (heldShards == 0) {
            return true;
        }
        Set<Integer> seen = barriers.get(requestKey);
        if (seen == null || seen.size() < heldShards) {
            if (seen == null) {
                timers.expireAt(requestKey, deadlineMs);
            }
            waiting.put(requestKey, new Waiting<>(query, heldShards));
            return false;
        }
        barriers.remove(requestKey);
        return true;
    }

    /**
     * Notes a strong query's barrier for one shard; returns the waiting query if this was its last
     * barrier (it is then the caller's to answer), else null.
     */
    Q barrierArrived(String requestKey, int shardKey, long deadlineMs) {
        Set<Integer> seen = barriers.get(requestKey);
        if (seen == null) {
            seen = new HashSet<>();
            barriers.put(requestKey, seen);
            if (!waiting.containsKey(requestKey)) {
                timers.expireAt(requestKey, deadlineMs);
            }
        }
        seen.add(shardKey);
        Waiting<Q> query = waiting.get(requestKey);
        if (query == null || seen.size() < query.heldShards()) {
            return null;
        }
        barriers.remove(requestKey);
        waiting.remove(requestKey);
        return query.query();
    }

    /**
     * Forgets a strong query's barriers and its wait, at its deadline. True if the query itself was
     * still waiting, so it expires unanswered here.
     */
    boolean expire(String requestKey) {
        barriers.remove(requestKey);
        return waiting.remove(requestKey) != null;
    }

    /** Strong queries with a barrier or the query itself still waiting here. */
    int pending() {
        Set<String> ids = new HashSet<>(barriers.keySet());
        ids.addAll(waiting.keySet());
        return ids.size();
    }
}
