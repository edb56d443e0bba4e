package io.vectorstream.state.search;

import java.util.Arrays;
import java.util.Objects;

/**
 * The answer of one index search: ids with their external scores, best first.
 *
 * @param ids the external ids, best first
 * @param scores the user-facing scores of the same positions (see {@code Metric#externalScore})
 */
public record SearchHits(String[] ids, float[] scores) {

    public SearchHits {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(scores, "scores");
        if (ids.length != scores.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but " + scores.length + " scores");
        }
    }

    public static SearchHits empty() {
        return new SearchHits(new String[0], new float[0]);
    }

    public int size() {
        return ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SearchHits h
                && Arrays.equals(ids, h.ids)
                && Arrays.equals(scores, h.scores);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(scores);
    }

    @Override
    public String toString() {
        return "SearchHits" + Arrays.toString(ids) + Arrays.toString(scores);
    }
}
