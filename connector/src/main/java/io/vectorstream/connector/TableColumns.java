package io.vectorstream.connector;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;

/**
 * What each physical column of a vectorstream table is, found by its type: the primary key is the
 * id, the one {@code ARRAY<FLOAT>} is the embedding, the one {@code MAP<STRING, STRING>} is the
 * metadata and the one other {@code STRING} is the text. Anything else is refused with a message
 * saying what the table may hold.
 */
public final class TableColumns implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The part of a VectorStream record a column holds. */
    public enum Role {
        ID,
        EMBEDDING,
        METADATA,
        TEXT
    }

    private static final String SHAPE =
            "a vectorstream table holds an id (STRING, the primary key), an embedding"
                    + " (ARRAY<FLOAT>) and optionally metadata (MAP<STRING, STRING>) and text"
                    + " (STRING), e.g. (id STRING, embedding ARRAY<FLOAT>, metadata MAP<STRING,"
                    + " STRING>, text STRING, PRIMARY KEY (id) NOT ENFORCED)";

    private final List<String> names;
    private final Role[] roles;

    private TableColumns(List<String> names, Role[] roles) {
        this.names = names;
        this.roles = roles;
    }

    /**
     * The roles of {@code schema}'s physical columns.
     *
     * @throws ValidationException naming the column that does not fit and the shape that does
     */
    public static TableColumns of(ResolvedSchema schema) {
        List<Column> columns = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            if (c.isPhysical()) {
                columns.add(c);
            }
        }
        String key = primaryKey(schema);
        List<String> names = new ArrayList<>();
        Role[] roles = new Role[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            Column c = columns.get(i);
            names.add(c.getName());
            roles[i] = roleOf(c, key);
            for (int j = 0; j < i; j++) {
                if (roles[j] == roles[i]) {
                    throw new ValidationException(
                            "Columns '"
                                    + names.get(j)
                                    + "' and '"
                                    + c.getName()
                                    + "' would both be the "
                                    + roles[i].name().toLowerCase()
                                    + ": "
                                    + SHAPE
                                    + "; put other attributes in the metadata map.");
                }
            }
        }
        TableColumns found = new TableColumns(List.copyOf(names), roles);
        if (found.indexOf(Role.EMBEDDING) < 0) {
            throw new ValidationException("The table has no ARRAY<FLOAT> column: " + SHAPE + ".");
        }
        return found;
    }

    private static String primaryKey(ResolvedSchema schema) {
        UniqueConstraint pk = schema.getPrimaryKey().orElse(null);
        if (pk == null) {
            throw new ValidationException(
                    "The table has no primary key; the id column must be it: " + SHAPE + ".");
        }
        if (pk.getColumns().size() != 1) {
            throw new ValidationException(
                    "The primary key "
                            + pk.getColumns()
                            + " has several columns; it must be the one id column: "
                            + SHAPE
                            + ".");
        }
        return pk.getColumns().get(0);
    }

    private static Role roleOf(Column c, String key) {
        LogicalType t = c.getDataType().getLogicalType();
        boolean string = t.is(LogicalTypeFamily.CHARACTER_STRING);
        if (c.getName().equals(key)) {
            if (!string) {
                throw new ValidationException(
                        "The primary key column '"
                                + c.getName()
                                + "' is "
                                + t
                                + ": "
                                + SHAPE
                                + ".");
            }
            return Role.ID;
        }
        if (string) {
            return Role.TEXT;
        }
        if (t.is(LogicalTypeRoot.ARRAY)
                && ((ArrayType) t).getElementType().is(LogicalTypeRoot.FLOAT)) {
            return Role.EMBEDDING;
        }
        if (t.is(LogicalTypeRoot.MAP)
                && ((MapType) t).getKeyType().is(LogicalTypeFamily.CHARACTER_STRING)
                && ((MapType) t).getValueType().is(LogicalTypeFamily.CHARACTER_STRING)) {
            return Role.METADATA;
        }
        throw new ValidationException(
                "Column '"
                        + c.getName()
                        + "' has type "
                        + t
                        + ", which a vectorstream table cannot hold: "
                        + SHAPE
                        + "; put other attributes in the metadata map.");
    }

    /** The role of each physical column, in order. */
    public Role[] roles() {
        return roles.clone();
    }

    /** The number of physical columns. */
    public int size() {
        return roles.length;
    }

    /** The role of physical column {@code i}. */
    public Role role(int i) {
        return roles[i];
    }

    /** The name of physical column {@code i}. */
    public String name(int i) {
        return names.get(i);
    }

    /** The physical index of the column in {@code role}, or -1 when the table has none. */
    public int indexOf(Role role) {
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == role) {
                return i;
            }
        }
        return -1;
    }
}
