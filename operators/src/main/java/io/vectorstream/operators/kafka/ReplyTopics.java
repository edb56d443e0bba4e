package io.vectorstream.operators.kafka;

import java.io.Serializable;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Tells whether a query's {@code reply-to} topic can take an answer. Writing to a topic that does
 * not exist would fail the Kafka sink, and the replayed query would fail it again after every
 * restart; so such queries are answered with an error on the results topic instead.
 *
 * <p>Implementations are created on the client side of the job, opened on the task and used from
 * the task thread only.
 */
public interface ReplyTopics extends Serializable {

    /** Kafka's rule for topic names. */
    Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    void open();

    boolean exists(String topic);

    void close();

    /** Accepts every legal name; for pipelines whose sinks are not Kafka (tests). */
    static ReplyTopics anyLegalName() {
        return new ReplyTopics() {
            private static final long serialVersionUID = 1L;

            @Override
            public void open() {}

            @Override
            public boolean exists(String topic) {
                return LEGAL_NAME.matcher(topic).matches();
            }

            @Override
            public void close() {}
        };
    }

    /**
     * Checks against the topics of a Kafka cluster. Known topics are cached; an unknown name
     * triggers a fresh listing at most once a second, so a flood of bad names cannot stall the task
     * on admin calls.
     */
    static ReplyTopics inKafka(Properties adminProperties) {
        return new ReplyTopics() {
            private static final long serialVersionUID = 1L;
            private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

            private transient Admin admin;
            private transient Set<String> known;
            private transient long lastRefresh;

            @Override
            public void open() {
                Properties p = new Properties();
                p.putAll(adminProperties);
                p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "vectorstream-reply-topics");
                admin = Admin.create(p);
                known = new HashSet<>();
                lastRefresh = System.nanoTime() - REFRESH_NANOS;
            }

            @Override
            public boolean exists(String topic) {
                if (!LEGAL_NAME.matcher(topic).matches()) {
                    return false;
                }
                if (known.contains(topic)) {
                    return true;
                }
                long now = System.nanoTime();
                if (now - lastRefresh >= REFRESH_NANOS) {
                    lastRefresh = now;
                    try {
                        known = new HashSet<>(admin.listTopics().names().get(5, TimeUnit.SECONDS));
                    } catch (Exception e) {
                        // Kafka unreachable for now: keep the last listing; the name stays unknown.
                    }
                }
                return known.contains(topic);
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
