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

/** One end-offset lookup at a time, shared by every strong query that arrived before it began. */
class EndOffsetLookupTest {

    /** Lookups the test completes by hand, in order. */
    private static final class ManualEnds implements TopicEndOffsets {
        final List<CompletableFuture<Map<Integer, Long>>> started = new ArrayList<>();

        @Override
        public Map<Integer, Long> lastOffsets(Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Map<Integer, Long>> lastOffsetsAsync() {
            CompletableFuture<Map<Integer, Long>> f = new CompletableFuture<>();
            started.add(f);
            return f;
        }
    }

    /** As Kafka's admin futures do: completing them from outside throws, so orTimeout cannot. */
    private static final class KafkaLikeFuture<T> extends CompletableFuture<T> {
        @Override
        public boolean completeExceptionally(Throwable ex) {
            throw new UnsupportedOperationException("only the client completes it");
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new KafkaLikeFuture<>();
        }
    }

    @Test
    void aLookupThatNeverAnswersFailsAtItsTimeoutEvenOnAKafkaFuture() throws Exception {
        TopicEndOffsets hanging =
                new TopicEndOffsets() {
                    @Override
                    public Map<Integer, Long> lastOffsets(Duration timeout) {
                        throw new UnsupportedOperationException();
                    }

                    @Override
                    public CompletableFuture<Map<Integer, Long>> lastOffsetsAsync() {
                        return new KafkaLikeFuture<>();
                    }
                };
        EndOffsetLookup.Lookups lookups = new EndOffsetLookup.Lookups(hanging, 50);
        CompletableFuture<Map<Integer, Long>> ends = lookups.next();
        assertThatThrownBy(() -> ends.get(5, java.util.concurrent.TimeUnit.SECONDS))
                .hasCauseInstanceOf(java.util.concurrent.TimeoutException.class);
        assertThat(lookups.next()).as("the next lookup starts").isNotDone();
    }

    @Test
    void queriesArrivingDuringALookupShareTheNextOneWhichStartsWhenItEnds() throws Exception {
        ManualEnds ends = new ManualEnds();
        EndOffsetLookup.Lookups lookups = new EndOffsetLookup.Lookups(ends);

        CompletableFuture<Map<Integer, Long>> first = lookups.next();
        CompletableFuture<Map<Integer, Long>> second = lookups.next();
        CompletableFuture<Map<Integer, Long>> third = lookups.next();
        assertThat(ends.started).as("one lookup in flight").hasSize(1);
        assertThat(second).isSameAs(third);

        ends.started.get(0).complete(Map.of(0, 5L));
        assertThat(first.get()).isEqualTo(Map.of(0, 5L));
        assertThat(second).as("it may have read the end before their writes").isNotDone();
        assertThat(ends.started).as("the next lookup starts at once").hasSize(2);

        ends.started.get(1).complete(Map.of(0, 9L));
        assertThat(third.get()).isEqualTo(Map.of(0, 9L));
        CompletableFuture<Map<Integer, Long>> later = lookups.next();
        assertThat(ends.started).hasSize(3);
        ends.started.get(2).completeExceptionally(new IllegalStateException("broker gone"));
        assertThat(later).isCompletedExceptionally();
        assertThat(lookups.next()).isNotDone();
        assertThat(ends.started).as("a failure does not stop later lookups").hasSize(4);
    }
}
