package io.vectorstream.operators.index;

import io.vectorstream.state.segment.SegmentManifest;
import io.vectorstream.state.segment.ShardSegments;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The metrics of one {@link ShardIndexOperator} instance, in group {@code vectorstream}, plus a
 * {@code shard} group per loaded shard.
 *
 * <p>Gauges are read on the metric reporter's thread, and a {@link ShardSegments} is for the task
 * thread only, so shard gauges read a {@link ShardStats} snapshot that the task thread refreshes
 * after every change of the shard.
 */
final class ShardIndexMetrics {

    final Counter vectorsIndexed;
    final Counter vectorsDeleted;
    final Counter shardLoads;
    final Counter segmentLoads;
    final Counter graphBuilds;
    final Counter buildFailures;
    final Counter strongQueriesExpired;
    final Counter writesRefused;
    final Counter tierDowns;
    final Counter throttledWrites;
    final Counter throttledMillis;
    final Histogram searchLatencyMicros;
    final Histogram sealMillis;
    final Histogram compactionMillis;
    final Histogram installMillis;
    final Histogram freshnessLagMs;

    private final MetricGroup group;
    private final Map<String, ShardStats> shards = new ConcurrentHashMap<>();

    ShardIndexMetrics(MetricGroup operatorGroup, IntSupplier shardsHeld, IntSupplier inFlight) {
        group = operatorGroup.addGroup("vectorstream");
        vectorsIndexed = group.counter("vectorsIndexed");
        vectorsDeleted = group.counter("vectorsDeleted");
        shardLoads = group.counter("shardLoads");
        segmentLoads = group.counter("segmentLoads");
        graphBuilds = group.counter("graphBuilds");
        buildFailures = group.counter("buildFailures");
        strongQueriesExpired = group.counter("strongQueriesExpired");
        writesRefused = group.counter("writesRefused");
        tierDowns = group.counter("tierDowns");
        throttledWrites = group.counter("throttledWrites");
        throttledMillis = group.counter("throttledMillis");
        searchLatencyMicros =
                group.histogram("searchLatencyMicros", new DescriptiveStatisticsHistogram(1000));
        sealMillis = group.histogram("sealMillis", new DescriptiveStatisticsHistogram(100));
        compactionMillis =
                group.histogram("compactionMillis", new DescriptiveStatisticsHistogram(100));
        installMillis = group.histogram("installMillis", new DescriptiveStatisticsHistogram(100));
        freshnessLagMs =
                group.histogram("freshnessLagMs", new DescriptiveStatisticsHistogram(1000));
        group.gauge("shardsHeld", shardsHeld::getAsInt);
        group.gauge("buildsInFlight", inFlight::getAsInt);
        group.gauge("liveVectors", () -> sum(s -> s.liveVectors));
        group.gauge("growingVectors", () -> sum(s -> s.growingVectors));
        group.gauge("sealedSegments", () -> sum(s -> s.sealedSegments));
        group.gauge("tombstones", () -> sum(s -> s.tombstones));
        group.gauge("memoryBytes", () -> sum(s -> s.memoryBytes));
    }

    /** The stats of a collection's shard, registering its gauges the first time. */
    ShardStats shard(String collection, int shard) {
        return shards.computeIfAbsent(
                collection + "/" + shard,
                s -> {
                    ShardStats stats = new ShardStats();
                    MetricGroup g =
                            group.addGroup("collection", collection)
                                    .addGroup("shard", String.valueOf(shard));
                    g.gauge("liveVectors", () -> stats.liveVectors);
                    g.gauge("sealedSegments", () -> stats.sealedSegments);
                    g.gauge("memoryBytes", () -> stats.memoryBytes);
                    return stats;
                });
    }

    long liveVectors() {
        return sum(s -> s.liveVectors);
    }

    long sealedSegments() {
        return sum(s -> s.sealedSegments);
    }

    private long sum(ToLongFunction<ShardStats> f) {
        long total = 0;
        for (ShardStats s : shards.values()) {
            total += f.applyAsLong(s);
        }
        return total;
    }

    /** The estimated heap bytes of this subtask's loaded shards, by their last refresh. */
    long memoryBytes() {
        return sum(s -> s.memoryBytes);
    }

    /**
     * What the gauges show of one shard; written by the task thread, read by any. Refreshed after
     * every change, at a few operations per segment: the growing segment keeps its size up to date
     * as it changes, and sealed segments compute theirs once.
     */
    static final class ShardStats {
        private volatile long liveVectors;
        private volatile long growingVectors;
        private volatile long sealedSegments;
        private volatile long tombstones;
        private volatile long memoryBytes;

        /**
         * What the persisted manifest of a shard not loaded yet tells: its live vectors and sealed
         * segments (its heap use is 0 until it is loaded).
         */
        void fromManifest(SegmentManifest m) {
            liveVectors = m.liveCount();
            sealedSegments = m.segments().size();
        }

        void update(ShardSegments shard) {
            liveVectors = shard.liveCount();
            growingVectors = shard.growingCount();
            sealedSegments = shard.sealed().size();
            tombstones = shard.tombstoneCount();
            memoryBytes = shard.memoryBytes();
        }
    }
}
