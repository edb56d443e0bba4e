package io.vectorstream.connector.sink;

import io.vectorstream.connector.TableColumns;
import io.vectorstream.connector.TableColumns.Role;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;

/**
 * Turns a table row into the VectorStream record it stands for. A row the job would dead-letter (no
 * id, no or a non-finite embedding, the wrong dimension) is refused here with the row's id, so the
 * SQL job fails where the mistake is instead of the vector silently missing.
 */
final class RowRecords {

    private final String collection;
    private final int dimension;
    private final int id;
    private final int embedding;
    private final int metadata;
    private final int text;

    RowRecords(TableColumns columns, String collection, int dimension) {
        this.collection = collection;
        this.dimension = dimension;
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
        if (array.size() != dimension) {
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
        for (int i = 0; i < vector.length; i++) {
            if (array.isNullAt(i) || !Float.isFinite(array.getFloat(i))) {
                throw refused(key, "component " + i + " of its embedding is NULL, NaN or infinite");
            }
            vector[i] = array.getFloat(i);
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
        return row.getString(id).toString();
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
