package io.vectorstream.operators.validate;

import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.state.filter.FilterException;
import io.vectorstream.state.filter.FilterParser;
import java.nio.charset.StandardCharsets;

/**
 * Checks a query's metadata filter, so that a bad one is answered here, never reaching the index.
 */
final class FilterChecks {

    private FilterChecks() {}

    /**
     * Rejects a filter over {@code vectorstream.limits.max-filter-bytes} or {@link
     * FilterParser#MAX_TERMS} terms ({@code FILTER_TOO_LARGE}) or one that does not parse ({@code
     * BAD_FILTER}, with the parser's message: what is wrong and where). Null means no filter.
     */
    static void check(String filter, VectorStreamConfig cfg) throws Rejection {
        if (filter == null) {
            return;
        }
        int bytes = filter.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > cfg.limits().maxFilterBytes()) {
            throw new Rejection(
                    "FILTER_TOO_LARGE",
                    "filter is "
                            + bytes
                            + " UTF-8 bytes; vectorstream.limits.max-filter-bytes="
                            + cfg.limits().maxFilterBytes());
        }
        try {
            FilterParser.parse(filter);
        } catch (FilterException e) {
            throw new Rejection(e.tooLarge() ? "FILTER_TOO_LARGE" : "BAD_FILTER", e.getMessage());
        }
    }
}
