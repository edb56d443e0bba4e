package io.vectorstream.state.segment;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer of a {@link CrossSegmentSearch}: ids best first with their external scores and, when
 * asked for, the metadata and stored vectors the segments hold for them.
 *
 * @param ids the external ids, best first
 * @param scores the user-facing scores (see {@code Metric#externalScore})
 * @param metadata each hit's metadata (an empty map for none), or null when not asked for
 * @param vectors each hit's stored vector (null where a deleted vector could not be read), or null
 *     when not asked for
 */
public record RankedHits(
        String[] ids, float[] scores, List<Map<String, String>> metadata, List<float[]> vectors) {

    public RankedHits {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(scores, "scores");
        if (ids.length != scores.length
                || (metadata != null && metadata.size() != ids.length)
                || (vectors != null && vectors.size() != ids.length)) {
            throw new IllegalArgumentException("ids, scores, metadata and vectors must line up");
        }
    }

    public int size() {
        return ids.length;
    }
}
