package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.state.Interruption;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SegmentBuild;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
}
