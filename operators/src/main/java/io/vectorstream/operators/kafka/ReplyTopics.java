package io.vectorstream.operators.kafka;

import java.io.Serializable;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Tells whether a query's {@code reply-to} topic can take an answer. Writing to a topic that does
 * not exist would fail the Kafka sink, and the replayed query would fail it again after every
 * restart; so such queries are answered with an error on the results topic instead.
 *
 * <p>Implementations are created on the client side of the job and opened on the task; {@link
 * #exists} never blocks and may be called from any thread.
 */
public interface ReplyTopics extends Serializable {

    /** Kafka's rule for topic names. */
    Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    void open();

    /** Completes with whether {@code topic} exists; at once when the answer is known. */
    CompletableFuture<Boolean> exists(String topic);

    void close();

    /** Accepts every legal name; for pipelines whose sinks are not Kafka (tests). */
    static ReplyTopics anyLegalName() {
        return new ReplyTopics() {
            private static final long serialVersionUID = 1L;

            @Override
            public void open() {}

            @Override
            public CompletableFuture<Boolean> exists(String topic) {
                return CompletableFuture.completedFuture(LEGAL_NAME.matcher(topic).matches());
            }

            @Override
            public void close() {}
        };
    }

    /**
     * Checks against the topics of a Kafka cluster, asynchronously. Known topics are cached; an
     * unknown name waits for the listing in flight, or starts one if none ran in the last second
     * (else it is unknown at once), so a flood of bad names costs at most one listing a second.
     */
    static ReplyTopics inKafka(Properties adminProperties) {
        return new ReplyTopics() {
            private static final long serialVersionUID = 1L;
            private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

            private transient Admin admin;
            private transient Set<String> known;
            private transient long lastListingNanos;
            private transient CompletableFuture<Set<String>> listing;

            @Override
            public void open() {
                Properties p = new Properties();
                p.putAll(adminProperties);
                p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "vectorstream-reply-topics");
                admin = Admin.create(p);
                known = new HashSet<>();
                lastListingNanos = System.nanoTime() - REFRESH_NANOS;
            }

            @Override
            public synchronized CompletableFuture<Boolean> exists(String topic) {
                if (!LEGAL_NAME.matcher(topic).matches()) {
                    return CompletableFuture.completedFuture(false);
                }
                if (known.contains(topic)) {
                    return CompletableFuture.completedFuture(true);
                }
                CompletableFuture<Set<String>> inFlight = listing;
                if (inFlight == null) {
                    long now = System.nanoTime();
                    if (now - lastListingNanos < REFRESH_NANOS) {
                        return CompletableFuture.completedFuture(false);
                    }
                    lastListingNanos = now;
                    inFlight = new CompletableFuture<>();
                    listing = inFlight;
                    list(inFlight);
                }
                return inFlight.handle((names, failure) -> names != null && names.contains(topic));
            }

            /**
             * Lists the topics into {@code into}, which stays the listing in flight until it
             * completes, even if that is at once.
             */
            private void list(CompletableFuture<Set<String>> into) {
                AdminFutures.completeWithin(
                                into, admin.listTopics().names().toCompletionStage(), 5_000)
                        .whenComplete(
                                (names, failure) -> {
                                    synchronized (this) {
                                        // Kafka unreachable for now: keep the last listing.
                                        if (names != null) {
                                            known = new HashSet<>(names);
                                        }
                                        if (listing == into) {
                                            listing = null;
                                        }
                                    }
                                });
            }

            @Override
            public void close() {
                if (admin != null) {
                    admin.close();
                }
            }
        };
    }
}
