package io.vectorstream.operators.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strong-query gate on its own: barriers and query in either order, several shards, expiry. */
class StrongQueryBarriersTest {

    /** Request key → deadline of the expiry the gate asked for; the test plays the timer. */
    private final Map<String, Long> timers = new LinkedHashMap<>();

    private final StrongQueryBarriers<String> gate = new StrongQueryBarriers<>(timers::put);

    @Test
    void aQueryWhoseBarrierArrivedFirstIsAnsweredAtOnce() {
        assertThat(gate.barrierArrived("r", 7, 1_000)).isNull();
        assertThat(gate.pending()).isOne();

        assertThat(gate.queryArrived("r", 1, 1_000, "q")).isTrue();
        assertThat(gate.pending()).isZero();
        assertThat(timers)
                .as("one expiry, asked by the barrier")
                .containsExactly(entry("r", 1_000));
    }

    @Test
    void aQueryThatArrivesFirstIsHandedBackWithItsBarrier() {
        assertThat(gate.queryArrived("r", 1, 1_000, "q")).isFalse();
        assertThat(gate.pending()).isOne();

        assertThat(gate.barrierArrived("r", 7, 1_000)).isEqualTo("q");
        assertThat(gate.pending()).isZero();
        assertThat(timers).as("one expiry, asked by the query").containsExactly(entry("r", 1_000));
    }

    @Test
    void aQueryWaitsForTheBarrierOfEveryShardItHoldsInEitherOrder() {
        gate.barrierArrived("r", 1, 1_000);
        assertThat(gate.queryArrived("r", 3, 1_000, "q")).as("one of three barriers").isFalse();
        assertThat(gate.barrierArrived("r", 2, 1_000)).isNull();
        assertThat(gate.barrierArrived("r", 3, 1_000)).isEqualTo("q");
        assertThat(gate.pending()).isZero();

        gate.barrierArrived("s", 1, 2_000);
        gate.barrierArrived("s", 2, 2_000);
        gate.barrierArrived("s", 3, 2_000);
        assertThat(gate.queryArrived("s", 3, 2_000, "t")).as("all three barriers").isTrue();
        assertThat(gate.pending()).isZero();
        assertThat(timers).containsOnlyKeys("r", "s");
    }

    @Test
    void aQueryHoldingNoShardHereNeitherWaitsNorSetsATimer() {
        assertThat(gate.queryArrived("r", 0, 1_000, "q")).isTrue();
        assertThat(gate.pending()).isZero();
        assertThat(timers).isEmpty();
    }

    @Test
    void requestsAreGatedIndependently() {
        assertThat(gate.queryArrived("r", 1, 1_000, "q")).isFalse();
        assertThat(gate.barrierArrived("s", 1, 1_000)).as("another request's barrier").isNull();
        assertThat(gate.pending()).isEqualTo(2);
        assertThat(gate.barrierArrived("r", 1, 1_000)).isEqualTo("q");
        assertThat(gate.pending()).isOne();
    }

    @Test
    void aQueryStillWaitingAtItsDeadlineExpiresAndLeavesNothingBehind() {
        gate.queryArrived("r", 2, 1_000, "q");
        gate.barrierArrived("r", 1, 1_000);

        assertThat(gate.expire("r")).as("the query was still waiting").isTrue();
        assertThat(gate.pending()).isZero();
        assertThat(gate.barrierArrived("r", 2, 1_000))
                .as("a late barrier finds no query to hand back")
                .isNull();
        assertThat(gate.expire("r")).as("only barriers were left").isFalse();
        assertThat(gate.pending()).isZero();
    }

    @Test
    void barriersWhoseQueryNeverCameAreForgottenAtTheDeadline() {
        gate.barrierArrived("r", 1, 1_000);
        gate.barrierArrived("r", 2, 1_000);
        assertThat(timers).as("one expiry per request").hasSize(1);

        assertThat(gate.expire("r")).as("no query expired").isFalse();
        assertThat(gate.pending()).isZero();
    }

    @Test
    void anAnsweredQueryIsNotExpiredLater() {
        gate.queryArrived("r", 1, 1_000, "q");
        gate.barrierArrived("r", 1, 1_000);

        assertThat(gate.expire("r")).isFalse();
    }

    private static Map.Entry<String, Long> entry(String key, long deadline) {
        return Map.entry(key, deadline);
    }
}
