package io.vectorstream.operators.message;

/**
 * What travels on one shard's keyed channel into the index: a write, a decoder's progress, or a
 * collection's announcement. One channel for all three because their order matters: a shard must
 * know its collection before the first write, and a progress marker vouches only for writes sent
 * ahead of it on the same channel. Typed by {@link MessageTypes#SHARD_MESSAGE}.
 */
public sealed interface ShardMessage permits VectorWrite, ProgressMarker, CollectionAnnouncement {

    /** The Flink key of the shard this goes to; see {@code ShardRouter}. */
    int shardKey();
}
