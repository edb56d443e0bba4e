package io.vectorstream.operators.index;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The heap the index operators of one TaskManager (one JVM) may fill with segments, and how full it
 * is. Every index subtask reports its shards' estimated bytes ({@link
 * io.vectorstream.state.segment.ShardSegments#memoryBytes}: growing and sealed segments and build
 * copies); the sum decides the pressure all of them act on:
 *
 * <ul>
 *   <li>{@link Pressure#NONE} below {@code tierDownAt × limit};
 *   <li>{@link Pressure#TIER_DOWN} above it: each subtask moves its coldest full sealed segments to
 *       the binary tier, and its seals and compactions build binary segments;
 *   <li>{@link Pressure#THROTTLE} above the limit: writes that add vectors also wait before they
 *       are applied, which backs the vectors topic up (Flink's backpressure) while queries, which
 *       come on the other input, go on being answered between them.
 * </ul>
 *
 * Shared through a static map because Flink gives operators no per-TaskManager object; a subtask
 * {@link #leave leaves} when it closes.
 */
final class MemoryBudget {

    enum Pressure {
        NONE,
        TIER_DOWN,
        THROTTLE
    }

    private static final Map<Object, Long> USED = new ConcurrentHashMap<>();

    private final long limit;
    private final long tierDownAt;

    /**
     * @param limit bytes the index operators of this JVM may hold
     * @param tierDownAt share of {@code limit} from which segments are compressed
     */
    MemoryBudget(long limit, double tierDownAt) {
        this.limit = limit;
        this.tierDownAt = (long) (limit * tierDownAt);
    }

    /**
     * The budget a subtask of this JVM gets: {@code budgetBytes} if positive, else {@code fraction}
     * of the JVM's maximum heap (a TaskManager's framework and task heap).
     */
    static MemoryBudget of(long budgetBytes, double fraction, double tierDownAt) {
        long limit =
                budgetBytes > 0
                        ? budgetBytes
                        : (long) (Runtime.getRuntime().maxMemory() * fraction);
        return new MemoryBudget(limit, tierDownAt);
    }

    long limit() {
        return limit;
    }

    /** Records what {@code owner} (a subtask) holds now. */
    void report(Object owner, long bytes) {
        USED.put(owner, bytes);
    }

    /** Forgets {@code owner}'s share (its subtask closed). */
    void leave(Object owner) {
        USED.remove(owner);
    }

    /** What the index subtasks of this JVM hold, by their last reports. */
    long used() {
        long sum = 0;
        for (long bytes : USED.values()) {
            sum += bytes;
        }
        return sum;
    }

    Pressure pressure() {
        long used = used();
        if (used > limit) {
            return Pressure.THROTTLE;
        }
        return used > tierDownAt ? Pressure.TIER_DOWN : Pressure.NONE;
    }
}
