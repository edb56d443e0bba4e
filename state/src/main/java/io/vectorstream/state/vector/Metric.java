package io.vectorstream.state.vector;

import java.util.Locale;

/**
 * A similarity metric. Inside the index every metric is turned into a score where higher is closer,
 * so one top-k collector serves all of them; {@link #externalScore} converts back to the number
 * users expect.
 */
public enum Metric {
    /** Cosine similarity; vectors are normalised at ingest so it is a dot product inside. */
    COSINE,
    /** Inner product, unnormalised. */
    DOT,
    /** Euclidean (L2) distance; lower is closer. */
    EUCLIDEAN;

    /** Parses "cosine", "dot" or "euclidean" (also "l2", "ip"), ignoring case. */
    public static Metric parse(String name) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "cosine":
                return COSINE;
            case "dot":
            case "ip":
            case "inner_product":
                return DOT;
            case "euclidean":
            case "l2":
                return EUCLIDEAN;
            default:
                throw new IllegalArgumentException(
                        "unknown metric '" + name + "'; use cosine, dot or euclidean");
        }
    }

    /** Whether vectors must be normalised to unit length before they are stored or searched. */
    public boolean normalises() {
        return this == COSINE;
    }

    /** Internal score of {@code b} against query {@code a}: higher is always closer. */
    public float score(float[] a, float[] b, int bOffset, int dim) {
        switch (this) {
            case COSINE:
            case DOT:
                return VectorMath.dot(a, 0, b, bOffset, dim);
            case EUCLIDEAN:
                return -VectorMath.squaredDistance(a, 0, b, bOffset, dim);
            default:
                throw new AssertionError(this);
        }
    }

    /** The score reported to users: similarity for cosine and dot, L2 distance for euclidean. */
    public float externalScore(float internal) {
        return this == EUCLIDEAN ? (float) Math.sqrt(Math.max(0f, -internal)) : internal;
    }
}
