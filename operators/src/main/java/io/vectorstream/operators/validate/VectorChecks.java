package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.state.vector.VectorMath;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The checks shared by records and queries: sizes, ids and vectors. */
final class VectorChecks {

    private VectorChecks() {}

    static void checkSize(byte[] payload, VectorStreamConfig cfg) throws Rejection {
        if (payload == null || payload.length == 0) {
            throw new Rejection("UNDECODABLE", "empty payload");
        }
        if (payload.length > cfg.limits().maxRecordBytes()) {
            throw new Rejection(
                    "TOO_LARGE",
                    "payload of "
                            + payload.length
                            + " bytes exceeds vectorstream.limits.max-record-bytes="
                            + cfg.limits().maxRecordBytes());
        }
    }

    static void checkId(String id, String field, String missingCode, VectorStreamConfig cfg)
            throws Rejection {
        if (id == null || id.isEmpty()) {
            throw new Rejection(missingCode, "'" + field + "' is missing or empty");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            // A lone surrogate (JSON's "\ud800") has no UTF-8 form: the id would come back from
            // a segment as another string, so its hits could not be read or rescored by id.
            if (Character.isHighSurrogate(c)
                    && i + 1 < id.length()
                    && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new Rejection(
                        "BAD_ID", "'" + field + "' holds a lone UTF-16 surrogate at char " + i);
            }
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > cfg.limits().maxIdBytes()) {
            throw new Rejection(
                    "ID_TOO_LONG",
                    "'"
                            + field
                            + "' is "
                            + bytes
                            + " UTF-8 bytes; vectorstream.limits.max-id-bytes="
                            + cfg.limits().maxIdBytes());
        }
    }

    /**
     * Decodes, checks and metric-prepares a vector.
     *
     * @param collection its dimension, or 0 while it is not known yet (any accepted), and metric
     */
    static float[] vector(ByteBuffer bytes, Collection collection) throws Rejection {
        int dimension = collection.dimension();
        float[] v;
        try {
            v = FloatVectors.fromBytes(bytes);
        } catch (CodecException e) {
            throw new Rejection(e.code(), e.getMessage());
        }
        if (v.length == 0 || v.length > VectorStreamConfig.MAX_DIMENSION) {
            throw new Rejection(
                    "WRONG_DIMENSION",
                    "vector has dimension "
                            + v.length
                            + "; supported are 1.."
                            + VectorStreamConfig.MAX_DIMENSION);
        }
        if (dimension != 0 && v.length != dimension) {
            throw new Rejection(
                    "WRONG_DIMENSION",
                    "vector has dimension "
                            + v.length
                            + ", collection '"
                            + collection.name()
                            + "' has "
                            + dimension);
        }
        if (!VectorMath.allFinite(v)) {
            throw new Rejection("NOT_FINITE", "vector contains NaN or infinity");
        }
        if (collection.metric().normalises()) {
            if (VectorMath.norm(v) == 0) {
                throw new Rejection(
                        "ZERO_VECTOR",
                        "an all-zero vector has no direction under the cosine metric");
            }
            VectorMath.normalize(v);
        }
        return v;
    }
}
