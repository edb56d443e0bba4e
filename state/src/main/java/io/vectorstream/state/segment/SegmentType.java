package io.vectorstream.state.segment;

import java.util.Locale;

/** The immutable index a sealed segment is built as. */
public enum SegmentType {
    HNSW,
    IVF_FLAT,
    IVF_PQ;

    /** Parses "hnsw", "ivf-flat" or "ivf-pq", ignoring case ("_" works for "-"). */
    public static SegmentType parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "hnsw":
                return HNSW;
            case "ivf-flat":
                return IVF_FLAT;
            case "ivf-pq":
                return IVF_PQ;
            default:
                throw new IllegalArgumentException(
                        "unknown index type '" + name + "'; use hnsw, ivf-flat or ivf-pq");
        }
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
