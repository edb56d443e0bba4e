package io.vectorstream.jobs.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Counts the outcomes of many asynchronous writes without keeping their futures, so a file of
 * millions of vectors needs no memory per vector. Thread-safe.
 */
final class AckTracker {

    private long sent;
    private long acked;
    private long failed;
    private Throwable firstError;

    synchronized void track(CompletableFuture<?> write) {
        sent++;
        write.whenComplete(
                (r, e) -> {
                    synchronized (this) {
                        if (e == null) {
                            acked++;
                        } else {
                            failed++;
                            if (firstError == null) {
                                firstError =
                                        e instanceof CompletionException && e.getCause() != null
                                                ? e.getCause()
                                                : e;
                            }
                        }
                        notifyAll();
                    }
                });
    }

    /**
     * Waits until every tracked write has an outcome; the producer's delivery timeout bounds this.
     */
    synchronized void awaitAll() throws InterruptedException {
        while (acked + failed < sent) {
            wait();
        }
    }

    synchronized long acked() {
        return acked;
    }

    synchronized long failed() {
        return failed;
    }

    synchronized Throwable firstError() {
        return firstError;
    }
}
