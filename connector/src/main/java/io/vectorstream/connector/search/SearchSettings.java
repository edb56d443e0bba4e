package io.vectorstream.connector.search;

import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_CONSISTENCY;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_EF;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_FILTER;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_INCLUDE_TEXT;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_INCLUDE_VECTORS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_ON_ERROR;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_TIMEOUT;

import io.vectorstream.connector.VectorStreamConnectorOptions.OnError;
import java.io.Serializable;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;

/**
 * How one {@code VECTOR_SEARCH} call searches: the table's {@code search.*} options, overridden by
 * the keys of the call's {@code MAP[...]} ({@code ef}, {@code filter}, {@code consistency}, {@code
 * timeout}, {@code include-vectors}, {@code include-text}, {@code min-score}, {@code max-distance},
 * {@code on-error}).
 */
public final class SearchSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    static final ConfigOption<Integer> EF = ConfigOptions.key("ef").intType().noDefaultValue();
    static final ConfigOption<String> FILTER =
            ConfigOptions.key("filter").stringType().noDefaultValue();
    static final ConfigOption<String> CONSISTENCY =
            ConfigOptions.key("consistency").stringType().noDefaultValue();
    static final ConfigOption<Boolean> INCLUDE_VECTORS =
            ConfigOptions.key("include-vectors").booleanType().noDefaultValue();
    static final ConfigOption<Boolean> INCLUDE_TEXT =
            ConfigOptions.key("include-text").booleanType().noDefaultValue();
    static final ConfigOption<Float> MIN_SCORE =
            ConfigOptions.key("min-score").floatType().noDefaultValue();
    static final ConfigOption<Float> MAX_DISTANCE =
            ConfigOptions.key("max-distance").floatType().noDefaultValue();
    static final ConfigOption<OnError> ON_ERROR =
            ConfigOptions.key("on-error").enumType(OnError.class).noDefaultValue();

    /** Flink's own: the async operator's timeout; we finish before it. */
    static final ConfigOption<Duration> TIMEOUT =
            ConfigOptions.key("timeout").durationType().noDefaultValue();

    private static final long JOB_MAX_TIMEOUT_MS = 60_000;

    /** Flink's own keys of the VECTOR_SEARCH map (VectorSearchRuntimeConfigOptions). */
    private static final Set<String> FLINK_KEYS =
            Set.of("async", "output-mode", "max-concurrent-operations", "timeout");

    private static final Set<String> OUR_KEYS =
            Set.of(
                    "ef",
                    "filter",
                    "consistency",
                    "include-vectors",
                    "include-text",
                    "min-score",
                    "max-distance",
                    "on-error");

    private final Integer ef;
    private final String filter;
    private final String consistency;
    private final Duration timeout;
    private final Duration flinkTimeout;
    private final boolean includeVectors;
    private final boolean includeText;
    private final Float minScore;
    private final Float maxDistance;
    private final OnError onError;

    private SearchSettings(
            Integer ef,
            String filter,
            String consistency,
            Duration timeout,
            Duration flinkTimeout,
            boolean includeVectors,
            boolean includeText,
            Float minScore,
            Float maxDistance,
            OnError onError) {
        this.ef = ef;
        this.filter = filter;
        this.consistency = consistency;
        // Flink's async operator fails the job when its own timeout passes first, whatever
        // on-error says: never wait longer than Flink does.
        this.timeout = timeout.compareTo(flinkTimeout) > 0 ? flinkTimeout : timeout;
        this.flinkTimeout = flinkTimeout;
        this.includeVectors = includeVectors;
        this.includeText = includeText;
        this.minScore = minScore;
        this.maxDistance = maxDistance;
        this.onError = onError;
        if (ef != null && ef < 1) {
            throw new ValidationException("ef must be at least 1, not " + ef + ".");
        }
        if (!consistency.equals("eventual") && !consistency.equals("strong")) {
            throw new ValidationException(
                    "consistency must be 'eventual' or 'strong', not '" + consistency + "'.");
        }
        if (timeout.toMillis() < 10) {
            throw new ValidationException(
                    "A search timeout must be at least 10 ms, not " + timeout + ".");
        }
    }

    /**
     * The table's defaults, from its {@code search.*} options; {@code flinkTimeout} is Flink's
     * timeout of a call whose map sets none ({@code table.exec.async-vector-search.timeout}).
     */
    public static SearchSettings of(ReadableConfig tableOptions, Duration flinkTimeout) {
        return new SearchSettings(
                tableOptions.getOptional(SEARCH_EF).orElse(null),
                tableOptions.getOptional(SEARCH_FILTER).orElse(null),
                tableOptions.get(SEARCH_CONSISTENCY).toLowerCase(Locale.ROOT),
                tableOptions.get(SEARCH_TIMEOUT),
                flinkTimeout,
                tableOptions.get(SEARCH_INCLUDE_VECTORS),
                tableOptions.get(SEARCH_INCLUDE_TEXT),
                null,
                null,
                tableOptions.get(SEARCH_ON_ERROR));
    }

    /**
     * These settings overridden by one call's map.
     *
     * @throws ValidationException on a key neither Flink nor VectorStream knows, or a bad value
     */
    public SearchSettings with(ReadableConfig call) {
        Set<String> unknown = new TreeSet<>(call.toMap().keySet());
        unknown.removeAll(FLINK_KEYS);
        unknown.removeAll(OUR_KEYS);
        if (!unknown.isEmpty()) {
            Set<String> known = new TreeSet<>(OUR_KEYS);
            known.addAll(FLINK_KEYS);
            throw new ValidationException(
                    "Unknown VECTOR_SEARCH option(s) "
                            + unknown
                            + " for a vectorstream table; known: "
                            + known
                            + ".");
        }
        try {
            // A call's timeout is Flink's and ours at once.
            Duration callTimeout = call.getOptional(TIMEOUT).orElse(null);
            return new SearchSettings(
                    call.getOptional(EF).orElse(ef),
                    call.getOptional(FILTER).orElse(filter),
                    call.getOptional(CONSISTENCY)
                            .map(c -> c.toLowerCase(Locale.ROOT))
                            .orElse(consistency),
                    callTimeout != null ? callTimeout : timeout,
                    callTimeout != null ? callTimeout : flinkTimeout,
                    call.getOptional(INCLUDE_VECTORS).orElse(includeVectors),
                    call.getOptional(INCLUDE_TEXT).orElse(includeText),
                    call.getOptional(MIN_SCORE).orElse(minScore),
                    call.getOptional(MAX_DISTANCE).orElse(maxDistance),
                    call.getOptional(ON_ERROR).orElse(onError));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Bad VECTOR_SEARCH option for a vectorstream table: " + e.getMessage(), e);
        }
    }

    public Integer ef() {
        return ef;
    }

    public String filter() {
        return filter;
    }

    public String consistency() {
        return consistency;
    }

    /** How long one search may take: the call's or table's timeout, at most Flink's. */
    public Duration timeout() {
        return timeout;
    }

    /** Whether answers carry the stored vectors (the embedding column is NULL otherwise). */
    public boolean includeVectors() {
        return includeVectors;
    }

    /** Whether answers carry the stored texts (the text column is NULL otherwise). */
    public boolean includeText() {
        return includeText;
    }

    /** The call's score threshold (cosine, dot), or null; the job checks it against the metric. */
    public Float minScore() {
        return minScore;
    }

    /** The call's distance threshold (euclidean), or null. */
    public Float maxDistance() {
        return maxDistance;
    }

    public OnError onError() {
        return onError;
    }

    /**
     * How long the client waits for the answer: nine tenths of the timeout, so that it gives up
     * (and applies {@code on-error}) before Flink's async operator does, which would fail the job.
     */
    public Duration clientWait() {
        return timeout.multipliedBy(9).dividedBy(10);
    }

    /**
     * The deadline the job gets (the request's {@code timeoutMs}): four fifths of the timeout, so
     * that the job's own answer, partial or not, comes back before the client stops waiting; at
     * most the job's default cap ({@code vectorstream.query.max-timeout}, 60 s), which a longer
     * deadline would exceed and be rejected with {@code TIMEOUT_TOO_LARGE}.
     */
    public int jobTimeoutMillis() {
        return (int) Math.max(1, Math.min(JOB_MAX_TIMEOUT_MS, timeout.toMillis() * 4 / 5));
    }
}
