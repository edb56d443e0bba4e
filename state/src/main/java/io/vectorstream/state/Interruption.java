package io.vectorstream.state;

import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where a long build (graph construction, k-means, encoding) can be interrupted: it stops when its
 * thread is interrupted (the Flink operator interrupts its build threads when its task is
 * cancelled, and a build of a large segment would otherwise keep a core busy long after the task is
 * gone), and it pauses while its thread has been told to give way to more urgent builds ({@link
 * #givingWay}), as Lucene's merge scheduler pauses merges so that flushes keep up.
 */
public final class Interruption {

    /** How long a paused build sleeps between looks at whether it may go on. */
    private static final long PAUSE_NANOS = 1_000_000;

    private static final ThreadLocal<BooleanSupplier> GIVE_WAY = new ThreadLocal<>();

    private Interruption() {}

    /**
     * Runs {@code build} on this thread; every {@link #check} in it waits while {@code giveWay}
     * says so.
     */
    public static <T> T givingWay(BooleanSupplier giveWay, Supplier<T> build) {
        BooleanSupplier outer = GIVE_WAY.get();
        GIVE_WAY.set(giveWay);
        try {
            return build.get();
        } finally {
            GIVE_WAY.set(outer);
        }
    }

    /**
     * Waits while this thread's build has been told to give way ({@link #givingWay}).
     *
     * @throws CancellationException if the current thread has been interrupted (the flag is left
     *     set)
     */
    public static void check() {
        throwIfInterrupted();
        BooleanSupplier giveWay = GIVE_WAY.get();
        if (giveWay == null) {
            return;
        }
        while (giveWay.getAsBoolean()) {
            LockSupport.parkNanos(PAUSE_NANOS);
            throwIfInterrupted();
        }
    }

    private static void throwIfInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("build cancelled: its thread was interrupted");
        }
    }
}
