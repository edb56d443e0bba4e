package io.vectorstream.operators.message;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** The Flink types of the messages that have several kinds. */
public final class MessageTypes {

    /** Writes, progress markers and announcements on a shard's channel. */
    public static final TypeInformation<ShardMessage> SHARD_MESSAGE =
            new UnionTypeInfo<>(
                    ShardMessage.class,
                    List.of(VectorWrite.class, ProgressMarker.class, CollectionAnnouncement.class));

    /** An admitted query or its error answer. */
    public static final TypeInformation<QueryOutcome> QUERY_OUTCOME =
            new UnionTypeInfo<>(QueryOutcome.class, List.of(Query.class, Answer.class));

    /** An index instance's hits or error for one query. */
    public static final TypeInformation<IndexReply> INDEX_REPLY =
            new UnionTypeInfo<>(IndexReply.class, List.of(PartialResult.class, PartialError.class));

    private MessageTypes() {}
}
