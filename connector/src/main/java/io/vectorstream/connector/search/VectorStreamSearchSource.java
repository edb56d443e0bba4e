package io.vectorstream.connector.search;

import io.vectorstream.connector.ConnectionSettings;
import io.vectorstream.connector.TableColumns;
import io.vectorstream.connector.TableColumns.Role;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.VectorSearchTableSource;
import org.apache.flink.table.connector.source.search.AsyncVectorSearchFunctionProvider;

/**
 * The search side of a vectorstream table: {@code VECTOR_SEARCH} over it becomes one query per
 * input row through the job's request and response topics, answered asynchronously. (Flink 2.2 does
 * not push a statement's projection into a search table, so which columns are fetched is the {@code
 * include-vectors} setting's business.)
 */
public final class VectorStreamSearchSource implements VectorSearchTableSource {

    private final ConnectionSettings connection;
    private final TableColumns columns;
    private final SearchSettings defaults;

    public VectorStreamSearchSource(
            ConnectionSettings connection, TableColumns columns, SearchSettings defaults) {
        this.connection = connection;
        this.columns = columns;
        this.defaults = defaults;
    }

    @Override
    public VectorSearchRuntimeProvider getSearchRuntimeProvider(VectorSearchContext context) {
        int[][] searched = context.getSearchColumns();
        int embedding = columns.indexOf(Role.EMBEDDING);
        if (searched.length != 1 || searched[0].length != 1 || searched[0][0] != embedding) {
            throw new ValidationException(
                    "VECTOR_SEARCH over a vectorstream table searches its embedding column: use"
                            + " DESCRIPTOR("
                            + columns.name(embedding)
                            + ").");
        }
        return AsyncVectorSearchFunctionProvider.of(
                new VectorStreamSearchFunction(
                        connection, columns.roles(), defaults.with(context.runtimeConfig())));
    }

    @Override
    public DynamicTableSource copy() {
        return new VectorStreamSearchSource(connection, columns, defaults);
    }

    @Override
    public String asSummaryString() {
        return "vectorstream[" + connection.collection() + "]";
    }
}
