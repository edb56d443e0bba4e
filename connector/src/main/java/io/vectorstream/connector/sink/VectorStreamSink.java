package io.vectorstream.connector.sink;

import io.vectorstream.connector.ConnectionSettings;
import io.vectorstream.connector.TableColumns;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.table.data.RowData;

/** Publishes a table's changelog to the job's vectors topic, at least once per checkpoint. */
public final class VectorStreamSink implements Sink<RowData> {
    private static final long serialVersionUID = 1L;

    private final ConnectionSettings connection;
    private final TableColumns columns;

    VectorStreamSink(ConnectionSettings connection, TableColumns columns) {
        this.connection = connection;
        this.columns = columns;
    }

    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) {
        return new VectorStreamWriter(
                connection, columns, context.getTaskInfo().getIndexOfThisSubtask());
    }
}
