package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.VectorWrite;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes and checks one record of the vectors topic into a {@link VectorWrite} routed to its
 * shard.
 */
final class VectorOpDecoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final VectorStreamConfig cfg;

    VectorOpDecoder(VectorStreamConfig cfg) {
        this.cfg = cfg;
    }

    /** An accepted write and the collection it goes to. */
    record Decoded(VectorWrite write, Collection collection) {}

    /**
     * @param collections the collections a record may name
     * @throws Rejection with the reason when the record cannot be accepted
     */
    Decoded decode(RawMessage m, CatalogView collections) throws Rejection {
        VectorChecks.checkSize(m.value, cfg);
        VectorRecord r;
        try {
            r = PayloadCodec.decodeVectorRecord(m.value);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
        VectorChecks.checkId(r.getId(), "id", "MISSING_ID", cfg);
        if (m.key != null && !Arrays.equals(m.key, r.getId().getBytes(StandardCharsets.UTF_8))) {
            throw new Rejection(
                    "KEY_MISMATCH",
                    "Kafka key must be the record id (UTF-8) so that writes of one id stay in"
                            + " order");
        }
        CollectionCatalog.Served served = collections.get(r.getCollection());
        ShardRouter router = served.router();

        VectorWrite op = new VectorWrite();
        op.id = r.getId();
        op.sourceTopic = m.topic;
        op.sourcePartition = m.partition;
        op.sourceOffset = m.offset;
        op.shard = router.shardOf(op.id);
        op.shardKey = router.keyOf(op.shard);
        op.eventTimeMs = r.getEventTimeMs() != null ? r.getEventTimeMs() : m.timestampMs;
        op.publishedAtMs = m.timestampMs;
        op.delete = r.getOp() == Op.DELETE;
        if (!op.delete) {
            String embedder = served.collection().embedder();
            if (r.getVector() == null) {
                if (embedder == null) {
                    throw new Rejection("MISSING_VECTOR", "an UPSERT needs a vector");
                }
                if (r.getText() == null || r.getText().isBlank()) {
                    throw new Rejection(
                            "MISSING_VECTOR",
                            "an UPSERT needs a vector, or a text for the collection's embedder "
                                    + embedder);
                }
                // The embedding step after this one makes the vector.
                op.embedder = embedder;
            } else {
                op.vector = VectorChecks.vector(r.getVector(), served.collection());
            }
            if (op.vector != null && served.collection().dimension() == 0) {
                String tooLarge =
                        cfg.limits()
                                .segmentProblem(
                                        op.vector.length, served.collection().index().sealSize());
                if (tooLarge != null) {
                    throw new Rejection(
                            "WRONG_DIMENSION", "vector too long for a segment: " + tooLarge);
                }
            }
            if (r.getMetadata().size() > cfg.limits().maxMetadataEntries()) {
                throw new Rejection(
                        "METADATA_TOO_LARGE",
                        "metadata has "
                                + r.getMetadata().size()
                                + " entries; vectorstream.limits.max-metadata-entries="
                                + cfg.limits().maxMetadataEntries());
            }
            op.metadata = r.getMetadata();
            op.text = r.getText();
        }
        return new Decoded(op, served.collection());
    }
}
