package io.vectorstream.operators.index;

import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SealedSegment;
import io.vectorstream.state.segment.SegmentBuild;
import io.vectorstream.state.segment.SegmentSpec;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs segment builds (seals and compactions) on a fixed pool of daemon threads and queues the
 * results for the task thread, which {@link #poll}s them and installs them. Everything that does
 * not need the task thread happens here: the build, its serialisation, and the split of the blob
 * into the chunks the task thread then writes to state one at a time ({@link LoadedShard#step}).
 *
 * <p>A pool thread touches only the build's private copies of ids and vectors and the segment it
 * builds; it never touches Flink state or a shard. Hand-over is through a {@link
 * ConcurrentLinkedQueue}, whose offer/poll order the pool thread's writes before the task thread's
 * reads. {@link #submit}, {@link #poll} and {@link #close} are for the task thread only; {@link
 * #inFlight} may be read from any thread (metrics).
 */
final class SegmentBuildPool implements AutoCloseable {

    /**
     * A build that ended, successfully or not.
     *
     * @param shardKey key of the shard it belongs to
     * @param build what was built
     * @param segment the built segment in the shard's memory tier, or null if it failed
     * @param blobChunks {@link SealedSegment#write} bytes of the segment split into {@link
     *     ShardStateStore#BLOB_CHUNK_BYTES} chunks (none for an empty segment, which is not
     *     stored), or null if it failed
     * @param blobBytes the length of the blob
     * @param millis time spent building and serialising
     * @param failure why it failed, or null
     */
    record Finished(
            int shardKey,
            SegmentBuild build,
            SealedSegment segment,
            byte[][] blobChunks,
            long blobBytes,
            long millis,
            Throwable failure) {}

    /** What a pool thread runs: {@link SegmentBuild#run}, or a stand-in in tests. */
    @FunctionalInterface
    interface Builder extends Serializable {
        SealedSegment build(SegmentBuild build, SegmentSpec spec);
    }

    private final Builder builder;
    private final ExecutorService pool;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private volatile int inFlight;

    /**
     * @param builder runs one build
     * @param threads pool size
     * @param threadNamePrefix threads are named this plus a counter
     */
    SegmentBuildPool(Builder builder, int threads, String threadNamePrefix) {
        this.builder = builder;
        AtomicInteger counter = new AtomicInteger();
        this.pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, threadNamePrefix + counter.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** Starts {@code build} on the pool; its result turns up in {@link #poll}. */
    void submit(int shardKey, SegmentBuild build, SegmentSpec spec, MemoryTier tier) {
        inFlight++;
        pool.execute(() -> finished.add(run(shardKey, build, spec, tier)));
    }

    /** The next ended build, or null if none has ended since the last call. */
    Finished poll() {
        Finished f = finished.poll();
        if (f != null) {
            inFlight--;
        }
        return f;
    }

    /** Builds submitted and not yet polled. */
    int inFlight() {
        return inFlight;
    }

    /** Stops the threads; builds still running are abandoned (their shards rebuild later). */
    @Override
    public void close() {
        pool.shutdownNow();
    }

    private Finished run(int shardKey, SegmentBuild build, SegmentSpec spec, MemoryTier tier) {
        long start = System.nanoTime();
        try {
            SealedSegment segment = builder.build(build, spec);
            // The blob keeps whatever the segment format stores; the tier only decides what
            // stays on the heap once installed.
            if (segment.size() == 0) {
                // A compaction of dead vectors: installing it only drops its sources.
                return new Finished(
                        shardKey,
                        build,
                        segment,
                        new byte[0][],
                        0,
                        (System.nanoTime() - start) / 1_000_000,
                        null);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            segment.write(out);
            byte[] blob = out.toByteArray();
            return new Finished(
                    shardKey,
                    build,
                    segment.withTier(tier),
                    ShardStateStore.splitBlob(blob),
                    blob.length,
                    (System.nanoTime() - start) / 1_000_000,
                    null);
        } catch (Throwable t) {
            return new Finished(
                    shardKey, build, null, null, 0, (System.nanoTime() - start) / 1_000_000, t);
        }
    }
}
