package io.vectorstream.state.filter;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Evaluates one {@link Filter} against many vectors' metadata maps, as the growing segment's scan
 * does, remembering per distinct value whether it satisfies each {@code range}: metadata values
 * repeat (categories, years, buckets), and reading a string as a number costs far more than a hash
 * lookup. Agrees with {@link Filter#matches} exactly. One instance per query; not thread-safe.
 */
public final class FilterMatcher {

    /** Distinct values remembered per range; beyond it values are parsed each time. */
    private static final int MAX_REMEMBERED = 4096;

    private final Filter filter;
    private final Map<Filter.Range, Map<String, Boolean>> rangeResults = new IdentityHashMap<>();

    public FilterMatcher(Filter filter) {
        this.filter = filter;
    }

    public boolean matches(Map<String, String> metadata) {
        return matches(filter, metadata);
    }

    private boolean matches(Filter f, Map<String, String> metadata) {
        if (f instanceof Filter.Range range) {
            String v = metadata.get(range.field());
            if (v == null) {
                return false;
            }
            Map<String, Boolean> seen = rangeResults.computeIfAbsent(range, r -> new HashMap<>());
            Boolean known = seen.get(v);
            if (known == null) {
                known = range.test(Numbers.parse(v));
                if (seen.size() < MAX_REMEMBERED) {
                    seen.put(v, known);
                }
            }
            return known;
        }
        if (f instanceof Filter.And and) {
            for (Filter child : and.children()) {
                if (!matches(child, metadata)) {
                    return false;
                }
            }
            return true;
        }
        if (f instanceof Filter.Or or) {
            for (Filter child : or.children()) {
                if (matches(child, metadata)) {
                    return true;
                }
            }
            return false;
        }
        if (f instanceof Filter.Not not) {
            return !matches(not.child(), metadata);
        }
        return f.matches(metadata); // eq, in, exists: a map lookup already
    }
}
