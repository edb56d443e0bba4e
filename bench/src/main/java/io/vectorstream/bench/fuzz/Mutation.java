package io.vectorstream.bench.fuzz;

/** A mutated payload and what was done to it. */
record Mutation(String description, byte[] value) {}
