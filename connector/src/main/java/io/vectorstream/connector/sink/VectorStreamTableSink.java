package io.vectorstream.connector.sink;

import io.vectorstream.connector.ConnectionSettings;
import io.vectorstream.connector.TableColumns;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;

/**
 * The write side of a vectorstream table: an upsert sink keyed by the id. Inserts and update-afters
 * become upserts, deletes become deletes; update-befores are not needed and not asked for.
 */
public final class VectorStreamTableSink implements DynamicTableSink {

    private final ConnectionSettings connection;
    private final TableColumns columns;

    public VectorStreamTableSink(ConnectionSettings connection, TableColumns columns) {
        this.connection = connection;
        this.columns = columns;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return ChangelogMode.upsert();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        return SinkV2Provider.of(new VectorStreamSink(connection, columns));
    }

    @Override
    public DynamicTableSink copy() {
        return new VectorStreamTableSink(connection, columns);
    }

    @Override
    public String asSummaryString() {
        return "vectorstream[" + connection.collection() + "]";
    }
}
