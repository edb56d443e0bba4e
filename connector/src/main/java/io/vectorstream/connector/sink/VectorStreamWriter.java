package io.vectorstream.connector.sink;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.connector.ConnectionSettings;
import io.vectorstream.connector.TableColumns;
import io.vectorstream.schema.CollectionInfo;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.table.data.RowData;

/**
 * Writes each row as an upsert or delete through the client's idempotent producer. Sends are
 * asynchronous; {@link #flush} (before every checkpoint and at the end of input) waits until Kafka
 * has acknowledged all of them, so a checkpoint never covers a row that is not on the topic. The
 * first failed send fails the writer. Rows are upserts by id, so a replay after a failure writes
 * the same rows again: a search may briefly see an older version of a row, and the collection ends
 * as the table does.
 */
public final class VectorStreamWriter implements SinkWriter<RowData> {

    private final VectorStreamClient client;
    private final String collection;
    private final RowRecords records;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    public VectorStreamWriter(ConnectionSettings connection, TableColumns columns, int subtask) {
        this.collection = connection.collection();
        // Unique: two SQL jobs in one TaskManager must not share a Kafka client.id.
        this.client =
                connection.newClient(
                        "vectorstream-sql-sink-"
                                + collection
                                + "-"
                                + subtask
                                + "-"
                                + UUID.randomUUID().toString().substring(0, 8));
        try {
            CollectionInfo info = connection.ensureCollection(client);
            this.records =
                    new RowRecords(
                            columns,
                            collection,
                            info.getDimension(),
                            "cosine".equals(info.getMetric()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while checking the collection", e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
        checkFailure();
        switch (row.getRowKind()) {
            case INSERT:
            case UPDATE_AFTER:
                client.publish(records.upsert(row)).whenComplete(this::noteFailure);
                break;
            case DELETE:
                client.publish(records.delete(row)).whenComplete(this::noteFailure);
                break;
            default:
                // UPDATE_BEFORE: the following UPDATE_AFTER replaces the id anyway.
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        client.flush();
        checkFailure();
    }

    @Override
    public void close() {
        client.close();
    }

    private void noteFailure(Object ignored, Throwable error) {
        if (error != null) {
            failure.compareAndSet(null, error);
        }
    }

    private void checkFailure() throws IOException {
        Throwable t = failure.get();
        if (t != null) {
            throw new IOException(
                    "Publishing to VectorStream collection '" + collection + "' failed: " + t, t);
        }
    }
}
