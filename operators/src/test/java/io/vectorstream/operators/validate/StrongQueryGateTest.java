package io.vectorstream.operators.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.operators.kafka.TopicEndOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StrongQueryGateTest {

    /** Lookups the test completes by hand, as a Kafka client thread would. */
    private static final class ManualEnds implements TopicEndOffsets {
        final List<CompletableFuture<Map<Integer, Long>>> lookups = new ArrayList<>();

        @Override
        public Map<Integer, Long> lastOffsets(Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Map<Integer, Long>> lastOffsetsAsync() {
            CompletableFuture<Map<Integer, Long>> f = new CompletableFuture<>();
            lookups.add(f);
            return f;
        }
    }

    @Test
    void oneLookupAtATimeServesEveryQueryThatArrivedBeforeItStarted() throws Exception {
        ManualEnds ends = new ManualEnds();
        StrongQueryGate gate = new StrongQueryGate(ends, 100);
        assertThat(gate.idle()).isTrue();
        gate.add(query("a", 10_000), 0);
        assertThat(gate.idle()).isFalse();
        gate.add(query("b", 10_000), 1);
        gate.add(query("c", 10_000), 2);
        assertThat(ends.lookups).as("b and c wait for the next lookup").hasSize(1);

        ends.lookups.get(0).complete(Map.of(0, 5L));
        gate.poll(3);
        assertThat(ends.lookups).as("one lookup for b and c together").hasSize(2);
        assertThat(gate.takeReleased()).isEmpty();

        // The second lookup read a later end: a is released at offset 5, b and c at 7.
        ends.lookups.get(1).complete(Map.of(0, 7L));
        gate.poll(4);
        gate.processed(0, 5);
        assertThat(gate.takeReleased()).extracting(q -> q.queryId).containsExactly("a");
        gate.processed(0, 6);
        assertThat(gate.takeReleased()).isEmpty();
        gate.processed(0, 7);
        assertThat(gate.idle()).as("released queries wait to be taken").isFalse();
        assertThat(gate.takeReleased()).extracting(q -> q.queryId).containsExactly("b", "c");
        assertThat(gate.held()).isZero();
        assertThat(gate.lookupInFlight()).isFalse();
        assertThat(gate.idle()).isTrue();
    }

    @Test
    void aQueryWaitsForEveryPartitionItIsBehindOn() throws Exception {
        ManualEnds ends = new ManualEnds();
        StrongQueryGate gate = new StrongQueryGate(ends, 100);
        gate.processed(1, 3);
        gate.add(query("q", 10_000), 0);
        ends.lookups.get(0).complete(Map.of(0, 2L, 1, 3L, 2, 9L));
        gate.poll(1);

        gate.processed(2, 9);
        gate.processed(0, 1);
        assertThat(gate.takeReleased()).isEmpty();
        gate.processed(0, 2);
        assertThat(gate.takeReleased()).extracting(q -> q.queryId).containsExactly("q");
    }

    @Test
    void aQueryCaughtUpWhenItsLookupCompletesIsReleasedAtOnce() throws Exception {
        StrongQueryGate gate = new StrongQueryGate(timeout -> Map.of(0, 4L), 100);
        gate.processed(0, 4);
        gate.add(query("q", 10_000), 0);
        assertThat(gate.takeReleased()).extracting(q -> q.queryId).containsExactly("q");
    }

    @Test
    void deadlinesExpireOnlyTheQueriesDueAndLateCatchUpsReleaseNothing() throws Exception {
        ManualEnds ends = new ManualEnds();
        StrongQueryGate gate = new StrongQueryGate(ends, 100);
        gate.add(query("early", 100), 0);
        ends.lookups.get(0).complete(Map.of(0, 10L));
        gate.poll(0);
        gate.add(query("late", 500), 0);
        ends.lookups.get(1).complete(Map.of(0, 10L));

        gate.poll(99);
        assertThat(gate.takeExpired()).isEmpty();
        gate.poll(100);
        assertThat(gate.takeExpired()).extracting(q -> q.queryId).containsExactly("early");
        assertThat(gate.held()).isEqualTo(1);
        gate.processed(0, 10);
        assertThat(gate.takeReleased()).extracting(q -> q.queryId).containsExactly("late");
        gate.poll(1_000);
        assertThat(gate.takeExpired()).isEmpty();
    }

    @Test
    void aFailedOrSlowLookupFailsItsQueriesAndTheNextOneStarts() throws Exception {
        ManualEnds ends = new ManualEnds();
        StrongQueryGate gate = new StrongQueryGate(ends, 100);
        gate.add(query("a", 60_000), 0);
        gate.add(query("b", 60_000), 1);
        ends.lookups.get(0).completeExceptionally(new IllegalStateException("broker gone"));
        gate.poll(2);
        assertThat(gate.takeFailed())
                .singleElement()
                .satisfies(
                        f -> {
                            assertThat(f.query().queryId).isEqualTo("a");
                            assertThat(f.reason()).contains("broker gone");
                        });

        // b's lookup never answers: it fails after MAX_LOOKUP_MS.
        gate.poll(2 + StrongQueryGate.MAX_LOOKUP_MS - 1);
        assertThat(gate.takeFailed()).isEmpty();
        gate.poll(2 + StrongQueryGate.MAX_LOOKUP_MS);
        assertThat(gate.takeFailed()).extracting(f -> f.query().queryId).containsExactly("b");
        assertThat(ends.lookups.get(1)).isCancelled();
        assertThat(gate.held()).isZero();
    }

    @Test
    void moreThanTheLimitOfWaitingQueriesIsRefused() throws Exception {
        StrongQueryGate gate = new StrongQueryGate(new ManualEnds(), 2);
        gate.add(query("a", 1_000), 0);
        gate.add(query("b", 1_000), 0);
        assertThatThrownBy(() -> gate.add(query("c", 1_000), 0))
                .isInstanceOfSatisfying(
                        Rejection.class,
                        r -> assertThat(r.code).isEqualTo("TOO_MANY_STRONG_QUERIES"))
                .hasMessageContaining("vectorstream.limits.max-strong-queries-held");
        gate.poll(1_000);
        assertThat(gate.takeExpired()).hasSize(2);
        gate.add(query("d", 2_000), 1_000);
        assertThat(gate.held()).isEqualTo(1);
    }

    @Test
    void eachProcessedRecordReleasesExactlyTheQueriesItSatisfies() throws Exception {
        ManualEnds ends = new ManualEnds();
        int n = 5_000;
        StrongQueryGate gate = new StrongQueryGate(ends, n);
        for (int i = 0; i < n; i++) {
            gate.add(query("q" + i, 1_000_000), i);
            ends.lookups.get(i).complete(Map.of(0, (long) i));
            gate.poll(i);
        }
        for (int offset = 0; offset < n; offset++) {
            gate.processed(0, offset);
            assertThat(gate.takeReleased())
                    .extracting(q -> q.queryId)
                    .containsExactly("q" + offset);
        }
        assertThat(gate.held()).isZero();
    }

    private static Query query(String id, long deadlineMs) {
        Query q = new Query();
        q.queryId = id;
        q.requestKey = id;
        q.deadlineMs = deadlineMs;
        q.strong = true;
        return q;
    }
}
