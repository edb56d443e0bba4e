package io.vectorstream.connector.sink;

import io.vectorstream.connector.TableColumns;
import io.vectorstream.connector.TableColumns.Role;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;

/**
 * Turns a table row into the VectorStream record it stands for. The rows the job would dead-letter
 * for their id or embedding (a NULL, empty or over-long id; a NULL, empty, non-finite or all-zero
 * cosine embedding; the wrong dimension) are refused here, naming the row, so the SQL job fails
 * where the mistake is instead of the vector silently missing.
 */
final class RowRecords {

    /** The job's default {@code vectorstream.limits.max-id-bytes}. */
    private static final int MAX_ID_BYTES = 512;

    private final String collection;
    private final int dimension;
    private final boolean cosine;
    private final int id;
    private final int embedding;
    private final int metadata;
    private final int text;

    /**
     * @param dimension the collection's; 0 for the job's built-in collection before its first
     *     vector fixes one, when any length is accepted here and the job decides
     * @param cosine whether the collection's metric is cosine, under which a zero vector has no
     *     direction
     */
    RowRecords(TableColumns columns, String collection, int dimension, boolean cosine) {
        this.collection = collection;
        this.dimension = dimension;
        this.cosine = cosine;
        this.id = columns.indexOf(Role.ID);
        this.embedding = columns.indexOf(Role.EMBEDDING);
        this.metadata = columns.indexOf(Role.METADATA);
        this.text = columns.indexOf(Role.TEXT);
    }

    VectorRecord upsert(RowData row) {
        String key = id(row);
        if (row.isNullAt(embedding)) {
            throw refused(key, "its embedding is NULL");
        }
        ArrayData array = row.getArray(embedding);
        if (array.size() == 0) {
            throw refused(key, "its embedding is empty");
        }
        if (dimension != 0 && array.size() != dimension) {
            throw refused(
                    key,
                    "its embedding has "
                            + array.size()
                            + " components, collection '"
                            + collection
                            + "' has dimension "
                            + dimension);
        }
        float[] vector = new float[array.size()];
        boolean zero = true;
        for (int i = 0; i < vector.length; i++) {
            if (array.isNullAt(i) || !Float.isFinite(array.getFloat(i))) {
                throw refused(key, "component " + i + " of its embedding is NULL, NaN or infinite");
            }
            vector[i] = array.getFloat(i);
            zero &= vector[i] == 0f;
        }
        if (cosine && zero) {
            throw refused(key, "its embedding is all zeros, which has no direction under cosine");
        }
        return VectorRecord.newBuilder()
                .setId(key)
                .setOp(Op.UPSERT)
                .setCollection(collection)
                .setVector(FloatVectors.toBytes(vector))
                .setMetadata(metadata(row))
                .setText(text < 0 || row.isNullAt(text) ? null : row.getString(text).toString())
                .build();
    }

    VectorRecord delete(RowData row) {
        return VectorRecord.newBuilder()
                .setId(id(row))
                .setOp(Op.DELETE)
                .setCollection(collection)
                .build();
    }

    private String id(RowData row) {
        if (row.isNullAt(id)) {
            throw new IllegalArgumentException(
                    "A row for VectorStream collection '" + collection + "' has a NULL id.");
        }
        String key = row.getString(id).toString();
        int bytes = key.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_ID_BYTES) {
            throw new IllegalArgumentException(
                    "A row for VectorStream collection '"
                            + collection
                            + "' has an id of "
                            + bytes
                            + " bytes; ids are 1 to "
                            + MAX_ID_BYTES
                            + " UTF-8 bytes.");
        }
        return key;
    }

    /** NULL keys and values are left out: VectorStream metadata maps strings to strings. */
    private Map<String, String> metadata(RowData row) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata < 0 || row.isNullAt(metadata)) {
            return out;
        }
        MapData m = row.getMap(metadata);
        ArrayData keys = m.keyArray();
        ArrayData values = m.valueArray();
        for (int i = 0; i < m.size(); i++) {
            if (!keys.isNullAt(i) && !values.isNullAt(i)) {
                out.put(keys.getString(i).toString(), values.getString(i).toString());
            }
        }
        return out;
    }

    private IllegalArgumentException refused(String key, String why) {
        return new IllegalArgumentException(
                "Row '"
                        + key
                        + "' cannot be written to VectorStream collection '"
                        + collection
                        + "': "
                        + why
                        + ".");
    }
}
