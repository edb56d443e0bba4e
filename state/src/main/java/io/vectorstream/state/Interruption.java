package io.vectorstream.state;

import java.util.concurrent.CancellationException;

/**
 * Lets a long build (graph construction, k-means, encoding) stop when its thread is interrupted:
 * the Flink operator interrupts its build threads when its task is cancelled, and a build of a
 * large segment would otherwise keep a core busy long after the task is gone.
 */
public final class Interruption {

    private Interruption() {}

    /**
     * @throws CancellationException if the current thread has been interrupted (the flag is left
     *     set)
     */
    public static void check() {
        if (Thread.currentThread().isInterrupted()) {
            throw new CancellationException("build cancelled: its thread was interrupted");
        }
    }
}
