package io.vectorstream.state.segment;

/** A vector of a sealed segment that became dead (deleted, or replaced by an upsert). */
public record Tombstone(long segmentId, int ordinal) {}
