package io.vectorstream.state.filter;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A metadata filter: an immutable tree of predicates over a vector's string attributes. Built by
 * {@link FilterParser} from the JSON filter language (see {@link io.vectorstream.state.filter}) and
 * evaluated per vector ({@link #matches}) or per segment, column-wise ({@link Attributes#select}).
 * The two always agree.
 */
public sealed interface Filter
        permits Filter.Eq,
                Filter.In,
                Filter.Range,
                Filter.Exists,
                Filter.And,
                Filter.Or,
                Filter.Not {

    /** Whether a vector with these attributes passes; a missing field fails every predicate. */
    boolean matches(Map<String, String> metadata);

    /** Size of the filter: one per operator plus one per value of an {@code in} list. */
    int terms();

    /** {@code field} is present and equal to {@code value}. */
    record Eq(String field, String value) implements Filter {
        public Eq {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            return value.equals(metadata.get(field));
        }

        @Override
        public int terms() {
            return 1;
        }
    }

    /** {@code field} is present and equal to one of {@code values}. */
    record In(String field, Set<String> values) implements Filter {
        public In {
            Objects.requireNonNull(field, "field");
            values = Set.copyOf(values);
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            String v = metadata.get(field);
            return v != null && values.contains(v);
        }

        @Override
        public int terms() {
            return 1 + values.size();
        }
    }

    /**
     * {@code field} is present, is a number ({@link Numbers#parse}) and lies between the bounds; an
     * absent bound is infinite.
     */
    record Range(
            String field,
            double lower,
            boolean lowerInclusive,
            double upper,
            boolean upperInclusive)
            implements Filter {
        public Range {
            Objects.requireNonNull(field, "field");
            if (Double.isNaN(lower) || Double.isNaN(upper)) {
                throw new IllegalArgumentException("range bounds must be numbers");
            }
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            String v = metadata.get(field);
            return v != null && test(Numbers.parse(v));
        }

        /** Whether {@code x} is inside the bounds; NaN (not a number) never is. */
        public boolean test(double x) {
            return (lowerInclusive ? x >= lower : x > lower)
                    && (upperInclusive ? x <= upper : x < upper);
        }

        @Override
        public int terms() {
            return 1;
        }
    }

    /** {@code field} is present, whatever its value. */
    record Exists(String field) implements Filter {
        public Exists {
            Objects.requireNonNull(field, "field");
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            return metadata.containsKey(field);
        }

        @Override
        public int terms() {
            return 1;
        }
    }

    /** Every child matches. */
    record And(List<Filter> children) implements Filter {
        public And {
            children = List.copyOf(children);
            if (children.isEmpty()) {
                throw new IllegalArgumentException("and needs at least one filter");
            }
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            for (Filter child : children) {
                if (!child.matches(metadata)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int terms() {
            int terms = 1;
            for (Filter child : children) {
                terms += child.terms();
            }
            return terms;
        }
    }

    /** At least one child matches. */
    record Or(List<Filter> children) implements Filter {
        public Or {
            children = List.copyOf(children);
            if (children.isEmpty()) {
                throw new IllegalArgumentException("or needs at least one filter");
            }
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            for (Filter child : children) {
                if (child.matches(metadata)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public int terms() {
            int terms = 1;
            for (Filter child : children) {
                terms += child.terms();
            }
            return terms;
        }
    }

    /** The child does not match (so {@code not eq} matches vectors without the field). */
    record Not(Filter child) implements Filter {
        public Not {
            Objects.requireNonNull(child, "child");
        }

        @Override
        public boolean matches(Map<String, String> metadata) {
            return !child.matches(metadata);
        }

        @Override
        public int terms() {
            return 1 + child.terms();
        }
    }
}
