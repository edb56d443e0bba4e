package io.vectorstream.bench.cluster;

import java.util.List;
import java.util.Map;

/**
 * What the cluster spent in one measured window: per vertex of the job, and per process.
 *
 * @param processCores CPU cores each process used on average ({@code kafka}, {@code jobmanager},
 *     {@code taskmanager-N}, {@code bench client}), in name order
 */
record WindowLoad(double seconds, List<VertexLoad> vertices, Map<String, Double> processCores) {

    /**
     * One vertex (a chain of operators, one task per subtask) in the window. Rates are over the
     * window, summed over the vertex's subtasks.
     *
     * @param busyMsPerSecond task-thread busy time per second of the window (not idle, not
     *     back-pressured), summed over subtasks: 1000 is one core's worth. Work on other threads
     *     (the index's background segment builds, the Kafka clients' I/O, RocksDB's compactions,
     *     the asynchronous part of checkpoints) is not in it; see the processes' CPU
     * @param busiestSubtaskShare the busy share of the busiest subtask, 0..1
     * @param flinkBusyMsPerSecond Flink's own {@code busyTimeMsPerSecond} at the window's end,
     *     summed over subtasks: a view over the last 60 s updated every 5 s, so in a window shorter
     *     than that it still holds part of what came before
     */
    record VertexLoad(
            String name,
            int parallelism,
            double recordsInPerSecond,
            double recordsOutPerSecond,
            double busyMsPerSecond,
            double busiestSubtaskShare,
            double flinkBusyMsPerSecond) {

        /** Whether records went in or out of the vertex in the window. */
        boolean movedRecords() {
            return recordsInPerSecond >= 0.5 || recordsOutPerSecond >= 0.5;
        }

        /** Busy cores: {@link #busyMsPerSecond} / 1000. */
        double busyCores() {
            return busyMsPerSecond / 1000;
        }

        /**
         * Records per second per busy core: records in ÷ busy cores, or records out for a source
         * (which reads from Kafka, not from an input); NaN when it was not busy.
         */
        double recordsPerBusyCore() {
            double records = recordsInPerSecond > 0 ? recordsInPerSecond : recordsOutPerSecond;
            return busyCores() > 0.001 ? records / busyCores() : Double.NaN;
        }
    }
}
