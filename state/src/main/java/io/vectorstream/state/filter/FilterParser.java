package io.vectorstream.state.filter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the JSON filter language (see {@link io.vectorstream.state.filter}) into a {@link Filter}.
 * Strict: every object names exactly one operator, unknown operators and wrong value types are
 * errors, and each error message names the place as a path ({@code $.and[1].range.price}).
 * Stateless and thread-safe.
 */
public final class FilterParser {

    /** Most terms ({@link Filter#terms}) a filter may have. */
    public static final int MAX_TERMS = 256;

    private FilterParser() {}

    /** {@link #parse(String, int)} with {@link #MAX_TERMS}. */
    public static Filter parse(String json) {
        return parse(json, MAX_TERMS);
    }

    /**
     * The filter {@code json} describes.
     *
     * @throws FilterException if it is not valid JSON, not a valid filter, or has more than {@code
     *     maxTerms} terms ({@link FilterException#tooLarge()})
     */
    public static Filter parse(String json, int maxTerms) {
        if (json == null || json.isBlank()) {
            throw new FilterException("filter is empty; leave it out to match everything", false);
        }
        Filter filter = filter(JsonReader.read(json), "$");
        int terms = filter.terms();
        if (terms > maxTerms) {
            throw new FilterException(
                    "filter has " + terms + " terms, more than the limit of " + maxTerms, true);
        }
        return filter;
    }

    private static Filter filter(Object node, String path) {
        if (!(node instanceof Map<?, ?> map)) {
            throw bad(path, "expected a filter object such as {\"eq\": {...}}, got " + type(node));
        }
        if (map.size() != 1) {
            throw bad(
                    path,
                    "a filter object needs exactly one operator (eq, in, range, exists, and, or,"
                            + " not), got "
                            + (map.isEmpty() ? "none" : map.keySet())
                            + (map.size() > 1 ? "; combine them with and" : ""));
        }
        Map.Entry<?, ?> e = map.entrySet().iterator().next();
        String op = (String) e.getKey();
        Object arg = e.getValue();
        String at = path + "." + op;
        switch (op) {
            case "eq":
                {
                    Map.Entry<String, Object> field = singleField(arg, at, "a value");
                    return new Filter.Eq(
                            field.getKey(), scalar(field.getValue(), fieldPath(at, field)));
                }
            case "in":
                {
                    Map.Entry<String, Object> field = singleField(arg, at, "a list of values");
                    String fieldAt = fieldPath(at, field);
                    if (!(field.getValue() instanceof List<?> list)) {
                        throw bad(
                                fieldAt,
                                "expected a list of values, got " + type(field.getValue()));
                    }
                    if (list.isEmpty()) {
                        throw bad(fieldAt, "the list is empty, so nothing could match");
                    }
                    Set<String> values = new LinkedHashSet<>();
                    for (int i = 0; i < list.size(); i++) {
                        values.add(scalar(list.get(i), fieldAt + "[" + i + "]"));
                    }
                    return new Filter.In(field.getKey(), values);
                }
            case "range":
                {
                    Map.Entry<String, Object> field = singleField(arg, at, "an object of bounds");
                    return range(field.getKey(), field.getValue(), fieldPath(at, field));
                }
            case "exists":
                if (!(arg instanceof String field)) {
                    throw bad(at, "expected a field name, got " + type(arg));
                }
                return new Filter.Exists(field);
            case "and":
            case "or":
                {
                    if (!(arg instanceof List<?> list)) {
                        throw bad(at, "expected a list of filters, got " + type(arg));
                    }
                    if (list.isEmpty()) {
                        throw bad(at, "expected at least one filter in the list");
                    }
                    List<Filter> children = new ArrayList<>(list.size());
                    for (int i = 0; i < list.size(); i++) {
                        children.add(filter(list.get(i), at + "[" + i + "]"));
                    }
                    return op.equals("and") ? new Filter.And(children) : new Filter.Or(children);
                }
            case "not":
                return new Filter.Not(filter(arg, at));
            default:
                throw bad(
                        path,
                        "unknown operator \""
                                + op
                                + "\"; use eq, in, range, exists, and, or or not");
        }
    }

    private static Filter range(String field, Object bounds, String at) {
        if (!(bounds instanceof Map<?, ?> map) || map.isEmpty()) {
            throw bad(
                    at,
                    "expected an object of bounds such as {\"gte\": 1, \"lt\": 5}, got "
                            + (bounds instanceof Map<?, ?> ? "{}" : type(bounds)));
        }
        double lower = Double.NEGATIVE_INFINITY;
        double upper = Double.POSITIVE_INFINITY;
        boolean lowerInclusive = false;
        boolean upperInclusive = false;
        boolean hasLower = false;
        boolean hasUpper = false;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String bound = (String) e.getKey();
            String boundAt = at + "." + bound;
            if (!(e.getValue() instanceof JsonReader.Number n)) {
                throw bad(boundAt, "expected a number, got " + type(e.getValue()));
            }
            double value = Double.parseDouble(n.text());
            if (Double.isInfinite(value)) {
                throw bad(boundAt, "number " + n.text() + " is out of range");
            }
            switch (bound) {
                case "gt", "gte" -> {
                    if (hasLower) {
                        throw bad(at, "give at most one of gt and gte");
                    }
                    hasLower = true;
                    lower = value;
                    lowerInclusive = bound.equals("gte");
                }
                case "lt", "lte" -> {
                    if (hasUpper) {
                        throw bad(at, "give at most one of lt and lte");
                    }
                    hasUpper = true;
                    upper = value;
                    upperInclusive = bound.equals("lte");
                }
                default -> throw bad(boundAt, "unknown bound; use gt, gte, lt or lte");
            }
        }
        return new Filter.Range(field, lower, lowerInclusive, upper, upperInclusive);
    }

    /** The one {@code "field": value} pair of an operator's object. */
    @SuppressWarnings("unchecked")
    private static Map.Entry<String, Object> singleField(Object arg, String at, String what) {
        if (!(arg instanceof Map<?, ?> map) || map.size() != 1) {
            throw bad(
                    at,
                    "expected an object with one field, {\"<field>\": "
                            + what
                            + "}, got "
                            + (arg instanceof Map<?, ?> m
                                    ? m.size()
                                            + " fields"
                                            + (m.isEmpty() ? "" : "; combine them with and")
                                    : type(arg)));
        }
        return ((Map<String, Object>) map).entrySet().iterator().next();
    }

    /** A string value as is; a number or boolean as its JSON text. */
    private static String scalar(Object value, String at) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof JsonReader.Number n) {
            return n.text();
        }
        if (value instanceof Boolean b) {
            return b.toString();
        }
        throw bad(at, "expected a string, number or boolean, got " + type(value));
    }

    private static String fieldPath(String at, Map.Entry<String, Object> field) {
        return at + "." + field.getKey();
    }

    private static String type(Object node) {
        if (node instanceof Map) {
            return "an object";
        }
        if (node instanceof List) {
            return "a list";
        }
        if (node instanceof String) {
            return "a string";
        }
        if (node instanceof JsonReader.Number) {
            return "a number";
        }
        if (node instanceof Boolean) {
            return "a boolean";
        }
        return "null";
    }

    private static FilterException bad(String path, String message) {
        return new FilterException("bad filter at " + path + ": " + message, false);
    }
}
