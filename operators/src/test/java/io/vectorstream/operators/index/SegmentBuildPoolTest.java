package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SegmentBuild;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SegmentBuildPoolTest {

    private static final CountDownLatch STARTED = new CountDownLatch(1);
    private static final CountDownLatch ENDED = new CountDownLatch(1);
    private static final AtomicReference<Throwable> ENDED_WITH = new AtomicReference<>();

    @Test
    void closingThePoolStopsABuildThatIsRunning() throws Exception {
        SegmentBuildPool pool =
                new SegmentBuildPool(
                        (build, spec) -> {
                            STARTED.countDown();
                            try {
                                while (true) {
                                    Interruption.check(); // as every build loop does
                                }
                            } catch (RuntimeException e) {
                                ENDED_WITH.set(e);
                                throw e;
                            } finally {
                                ENDED.countDown();
                            }
                        },
                        1,
                        "test-build-");
        SegmentBuild build =
                new SegmentBuild(
                        1, new String[0], new float[0], List.of(), new long[0], new long[0]);
        pool.submit(7, build, null, MemoryTier.FULL);
        assertThat(STARTED.await(60, TimeUnit.SECONDS)).isTrue();

        pool.close();

        assertThat(ENDED.await(60, TimeUnit.SECONDS)).as("the build thread stopped").isTrue();
        assertThat(ENDED_WITH.get()).isInstanceOf(java.util.concurrent.CancellationException.class);
    }

    /**
     * A compaction pauses while a seal runs, but not for good: one that a never-ending seal would
     * stall forever still finishes, while the seal is running.
     */
    @Test
    void aCompactionGivesWayToASealButNotForGood() throws Exception {
        CountDownLatch sealRunning = new CountDownLatch(1);
        CountDownLatch mergeDone = new CountDownLatch(1);
        AtomicReference<Boolean> sealOutlivedMerge = new AtomicReference<>();
        AtomicLong longestCheckNanos = new AtomicLong();
        SegmentBuildPool pool =
                new SegmentBuildPool(
                        (build, spec) -> {
                            try {
                                if (build.isSeal()) {
                                    sealRunning.countDown();
                                    sealOutlivedMerge.set(mergeDone.await(60, TimeUnit.SECONDS));
                                } else {
                                    sealRunning.await(60, TimeUnit.SECONDS);
                                    // Runs until it has been paused once and gone on after it.
                                    long deadline =
                                            System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                                    for (long checks = 0; System.nanoTime() < deadline; checks++) {
                                        long t = System.nanoTime();
                                        Interruption.check();
                                        long took = System.nanoTime() - t;
                                        if (longestCheckNanos.get() > 0 && checks % 1000 == 0) {
                                            break;
                                        }
                                        if (took > TimeUnit.MILLISECONDS.toNanos(100)) {
                                            longestCheckNanos.set(took);
                                            checks = 0;
                                        }
                                    }
                                    mergeDone.countDown();
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            throw new IllegalStateException("no segment: only the timing matters");
                        },
                        1,
                        "test-lanes-");
        try {
            pool.submit(7, build(1, new long[0]), null, MemoryTier.FULL);
            pool.submit(7, build(2, new long[] {1}), null, MemoryTier.FULL);
            for (int ended = 0; ended < 2; ) {
                ended += pool.poll() == null ? 0 : 1;
                Thread.sleep(5);
            }
        } finally {
            pool.close();
        }
        assertThat(longestCheckNanos.get()).as("the compaction paused").isPositive();
        assertThat(sealOutlivedMerge.get()).as("it finished while the seal ran").isTrue();
    }

    private static SegmentBuild build(long id, long[] sources) {
        return new SegmentBuild(id, new String[0], new float[0], List.of(), new long[0], sources);
    }
}
