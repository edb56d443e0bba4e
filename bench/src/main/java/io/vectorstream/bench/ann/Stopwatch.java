package io.vectorstream.bench.ann;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Wall time and the calling thread's CPU time since start. On a shared machine CPU time is the
 * steadier measure of single-threaded work: it does not count the time other processes held the
 * core (the Python anchors use {@code time.process_time()} the same way).
 */
final class Stopwatch {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long wall0 = System.nanoTime();
    private final long cpu0 = THREADS.getCurrentThreadCpuTime();

    static Stopwatch start() {
        return new Stopwatch();
    }

    double wallSeconds() {
        return (System.nanoTime() - wall0) / 1e9;
    }

    double cpuSeconds() {
        return (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
    }
}
