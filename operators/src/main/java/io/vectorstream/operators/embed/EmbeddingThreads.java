package io.vectorstream.operators.embed;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads one embedding subtask runs the model on, off its task thread. Their queue needs no
 * bound of its own: the asynchronous operator in front admits at most its capacity of elements and
 * backpressures the rest.
 */
final class EmbeddingThreads {

    private EmbeddingThreads() {}

    static ExecutorService start(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory =
                r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
        return Executors.newFixedThreadPool(threads, factory);
    }
}
