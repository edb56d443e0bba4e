package io.vectorstream.bench.ann;

/**
 * An index built over a data set's base, ready for a parameter sweep: {@link #search} answers one
 * query with the node ordinals (insertion order = base order) of its best {@code k}, best first.
 */
interface BuiltIndex {

    /** Name used in tables and the CSV ("vectorstream-hnsw", ...). */
    String algorithm();

    /** What {@code param} means in {@link #search} ("ef", "nprobe"). */
    String paramName();

    int[] search(float[] query, int k, int param);

    /** Heap bytes of the index, as the index itself counts them. */
    long memoryBytes();
}
