package io.vectorstream.operators.index;

import io.vectorstream.state.Interruption;
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
import java.util.function.BooleanSupplier;

/**
 * Runs segment builds on daemon threads, seals and compactions on pools of their own, and queues
 * the results for the task thread, which {@link #poll}s them and installs them.
 *
 * <p>Seals come first: they keep the growing segment, which every query scans exactly, small, and a
 * vector is only cheap to search once sealed. So a seal never queues behind a compaction (they have
 * their own threads), and a running compaction pauses at its next {@link Interruption#check} while
 * any seal of the job in this TaskManager runs, so the two do not halve each other's cores. The
 * pause is bounded ({@link SealsFirst}): under writes that keep the seals busy a compaction still
 * gets a twentieth of its thread's time (a fifth cost the seals of a 1M burst 15 %), so shards hold
 * more, smaller segments until the writes ease, but the merges (and the copies they hold) never
 * stall for good. Everything that does not need the task thread happens here: the build, its
 * serialisation, and the split of the blob into the chunks the task thread then writes to state one
 * at a time ({@link LoadedShard#step}).
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
    private final ExecutorService seals;
    private final ExecutorService compactions;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();

    /**
     * Seals running in this job's class loader: its index subtasks in this TaskManager, which share
     * its cores, so a compaction gives way to the seal of any of them.
     */
    private static final AtomicInteger SEALS_RUNNING = new AtomicInteger();

    private volatile int inFlight;

    /**
     * @param builder runs one build
     * @param threads threads for seals, and as many for compactions
     * @param threadNamePrefix threads are named this, "seal-" or "merge-", and a counter
     */
    SegmentBuildPool(Builder builder, int threads, String threadNamePrefix) {
        this.builder = builder;
        this.seals = daemons(threads, threadNamePrefix + "seal-");
        this.compactions = daemons(threads, threadNamePrefix + "merge-");
    }

    private static ExecutorService daemons(int threads, String namePrefix) {
        AtomicInteger counter = new AtomicInteger();
        return Executors.newFixedThreadPool(
                threads,
                r -> {
                    Thread t = new Thread(r, namePrefix + counter.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Starts {@code build} on its pool; its result turns up in {@link #poll}. */
    void submit(int shardKey, SegmentBuild build, SegmentSpec spec, MemoryTier tier) {
        inFlight++;
        if (build.isSeal()) {
            seals.execute(
                    () -> {
                        SEALS_RUNNING.incrementAndGet();
                        try {
                            finished.add(run(shardKey, build, spec, tier));
                        } finally {
                            SEALS_RUNNING.decrementAndGet();
                        }
                    });
        } else {
            compactions.execute(
                    () ->
                            finished.add(
                                    Interruption.givingWay(
                                            new SealsFirst(),
                                            () -> run(shardKey, build, spec, tier))));
        }
    }

    /**
     * When a compaction gives way: while a seal runs, once it has run for {@link #MIN_RUN_NANOS}
     * since it last went on, and for at most {@link #MAX_PAUSE_NANOS} at a time. A compaction's
     * thread only.
     */
    static final class SealsFirst implements BooleanSupplier {
        static final long MIN_RUN_NANOS = 100_000_000;
        static final long MAX_PAUSE_NANOS = 2_000_000_000;

        private boolean paused;

        /** When it last went on ({@link #paused} false) or paused (true); nanoTime may be < 0. */
        private long since = System.nanoTime();

        @Override
        public boolean getAsBoolean() {
            long now = System.nanoTime();
            boolean sealing = SEALS_RUNNING.get() > 0;
            if (paused) {
                if (sealing && now - since < MAX_PAUSE_NANOS) {
                    return true;
                }
                paused = false;
                since = now;
                return false;
            }
            if (sealing && now - since >= MIN_RUN_NANOS) {
                paused = true;
                since = now;
                return true;
            }
            return false;
        }
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
        seals.shutdownNow();
        compactions.shutdownNow();
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
                    // Only a full IVF-PQ segment changes tier here; a binary one is binary.
                    segment.tier() == MemoryTier.FULL && tier == MemoryTier.PQ_CODES
                            ? segment.withTier(tier)
                            : segment,
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
