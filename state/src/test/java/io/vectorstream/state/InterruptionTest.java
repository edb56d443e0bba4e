package io.vectorstream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InterruptionTest {

    @Test
    void aBuildGivingWayStopsAtItsNextCheckUntilAllowedToGoOn() throws Exception {
        AtomicBoolean giveWay = new AtomicBoolean();
        AtomicInteger checks = new AtomicInteger();
        CompletableFuture<Integer> build =
                CompletableFuture.supplyAsync(
                        () ->
                                Interruption.givingWay(
                                        giveWay::get,
                                        () -> {
                                            for (int i = 0; i < 1_000; i++) {
                                                Interruption.check();
                                                checks.incrementAndGet();
                                                if (i == 10) {
                                                    giveWay.set(true);
                                                }
                                            }
                                            return checks.get();
                                        }));
        // It passes the check after i == 10 only once told to go on.
        while (checks.get() < 11) {
            Thread.onSpinWait();
        }
        Thread.sleep(100);
        assertThat(checks.get()).isEqualTo(11);
        assertThat(build).isNotDone();
        giveWay.set(false);
        assertThat(build.get(30, TimeUnit.SECONDS)).isEqualTo(1_000);
    }

    @Test
    void outsideGivingWayACheckOnlyLooksForInterrupts() {
        Interruption.check();
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(Interruption::check).isInstanceOf(CancellationException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
