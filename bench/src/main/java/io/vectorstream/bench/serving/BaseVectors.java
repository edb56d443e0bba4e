package io.vectorstream.bench.serving;

import io.vectorstream.client.VectorStreamClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the serving benches publish a data set's base vectors: base vector {@code i} is upserted as
 * id {@code v<i>} with its ordinal as metadata, so a hit's id gives back the ordinal the ground
 * truth lists ({@link QueryLoad} scores recall that way). Stateless.
 */
public final class BaseVectors {

    private BaseVectors() {}

    /** The id base vector {@code ordinal} is published under. */
    public static String id(int ordinal) {
        return "v" + ordinal;
    }

    /** The ordinal of a hit's id, as published by {@link #id(int)}. */
    public static int ordinal(String id) {
        return Integer.parseInt(id.substring(1));
    }

    /**
     * Publishes {@code base[from..to)} as fast as the client takes them.
     *
     * @return completes when the broker has acknowledged every one, exceptionally if any failed
     */
    public static CompletableFuture<Void> publish(
            VectorStreamClient client, float[][] base, int from, int to) {
        CompletableFuture<?>[] acks = new CompletableFuture<?>[to - from];
        for (int i = from; i < to; i++) {
            acks[i - from] = client.upsert(id(i), base[i], Map.of("ordinal", String.valueOf(i)));
        }
        return CompletableFuture.allOf(acks);
    }
}
