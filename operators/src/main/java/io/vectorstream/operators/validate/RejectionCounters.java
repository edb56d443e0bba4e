package io.vectorstream.operators.validate;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Rejections counted by reason: {@code <kind>} in the key/value group {@code reason=<code>}, so
 * Prometheus shows e.g. {@code ..._vectorstream_reason_recordsRejected{reason="WRONG_DIMENSION"}}.
 * A code's counter is registered the first time it occurs. Task thread only.
 */
final class RejectionCounters {
    private final MetricGroup group;
    private final Map<String, Counter> counters = new HashMap<>();

    RejectionCounters(MetricGroup group) {
        this.group = group;
    }

    void record(String kind, String code) {
        counters.computeIfAbsent(
                        kind + "/" + code, k -> group.addGroup("reason", code).counter(kind))
                .inc();
    }
}
