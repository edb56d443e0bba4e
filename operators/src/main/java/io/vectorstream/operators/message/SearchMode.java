package io.vectorstream.operators.message;

import java.util.Locale;

/** What a query ranks its hits by: the request's {@code mode}. */
public enum SearchMode {
    /** Nearest neighbours of the query vector (given, or embedded from the text). */
    VECTOR,
    /** BM25 over the stored texts. */
    KEYWORD,
    /** Both, fused by reciprocal rank fusion. */
    HYBRID;

    /** The mode named {@code name} (any case); VECTOR for null; null if it names none. */
    public static SearchMode parse(String name) {
        if (name == null) {
            return VECTOR;
        }
        for (SearchMode m : values()) {
            if (m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        return null;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
