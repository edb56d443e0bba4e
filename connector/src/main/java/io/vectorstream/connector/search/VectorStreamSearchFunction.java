package io.vectorstream.connector.search;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.connector.ConnectionSettings;
import io.vectorstream.connector.TableColumns.Role;
import io.vectorstream.connector.VectorStreamConnectorOptions.OnError;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.codec.FloatVectors;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.utils.JoinedRowData;
import org.apache.flink.table.functions.AsyncVectorSearchFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers each {@code VECTOR_SEARCH} input row with one VectorStream query. Flink's async operator
 * bounds the queries in flight per subtask ({@code max-concurrent-operations}, default 10); the
 * client matches each answer to its query by a fresh correlation id. Each result row is the table's
 * selected columns and the hit's score, best first.
 */
public final class VectorStreamSearchFunction extends AsyncVectorSearchFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(VectorStreamSearchFunction.class);

    private final ConnectionSettings connection;
    private final Role[] roles;
    private final SearchSettings settings;

    private transient VectorStreamClient client;
    private transient Counter skipped;

    public VectorStreamSearchFunction(
            ConnectionSettings connection, Role[] roles, SearchSettings settings) {
        this.connection = connection;
        this.roles = roles.clone();
        this.settings = settings;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        client =
                connection.newClient(
                        "vectorstream-sql-search-"
                                + connection.collection()
                                + "-"
                                + UUID.randomUUID().toString().substring(0, 8));
        connection.ensureCollection(client);
        // A query waits on its caller's thread until the reader of the answers reads; start it
        // here so that the first queries do not hold Flink's task thread.
        client.startReplyReader().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        // Incremented on the client's threads (answers, timeouts), not the task thread.
        skipped =
                context.getMetricGroup().counter("searchesSkipped", new ThreadSafeSimpleCounter());
    }

    @Override
    public void close() throws Exception {
        if (client != null) {
            client.close();
        }
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncVectorSearch(int topK, RowData query) {
        QueryRequest request;
        try {
            request = request(topK, query);
        } catch (IllegalArgumentException e) {
            return failedOrSkipped(new VectorSearchException(e.getMessage(), e));
        }
        return client.query(request, settings.clientWait())
                .handle(
                        (response, error) -> {
                            if (error != null) {
                                return failedOrSkipped(failure(request, error));
                            }
                            if (response.getError() != null || !response.getComplete()) {
                                return failedOrSkipped(rejected(request, response));
                            }
                            return CompletableFuture.completedFuture(rows(response));
                        })
                .thenCompose(f -> f);
    }

    private QueryRequest request(int topK, RowData query) {
        if (query.isNullAt(0)) {
            throw new IllegalArgumentException("the query vector is NULL");
        }
        ArrayData vector = query.getArray(0);
        float[] values = new float[vector.size()];
        for (int i = 0; i < values.length; i++) {
            if (vector.isNullAt(i)) {
                throw new IllegalArgumentException("element " + i + " of the query vector is NULL");
            }
            values[i] = vector.getFloat(i);
        }
        QueryRequest.Builder b =
                QueryRequest.newBuilder()
                        .setQueryId(UUID.randomUUID().toString())
                        .setCollection(connection.collection())
                        .setVector(FloatVectors.toBytes(values))
                        .setK(topK)
                        .setIncludeMetadata(selects(Role.METADATA))
                        .setIncludeVectors(settings.includeVectors() && selects(Role.EMBEDDING))
                        .setIncludeText(settings.includeText() && selects(Role.TEXT))
                        .setTimeoutMs(settings.jobTimeoutMillis())
                        .setConsistency(settings.consistency());
        if (settings.ef() != null) {
            b.setEf(settings.ef());
        }
        if (settings.filter() != null) {
            b.setFilter(settings.filter());
        }
        b.setMinScore(settings.minScore());
        b.setMaxDistance(settings.maxDistance());
        return b.build();
    }

    private boolean selects(Role role) {
        for (Role r : roles) {
            if (r == role) {
                return true;
            }
        }
        return false;
    }

    private Collection<RowData> rows(QueryResponse response) {
        List<RowData> rows = new ArrayList<>(response.getHits().size());
        for (Hit hit : response.getHits()) {
            GenericRowData row = new GenericRowData(roles.length);
            for (int i = 0; i < roles.length; i++) {
                row.setField(i, field(roles[i], hit));
            }
            rows.add(new JoinedRowData(row, GenericRowData.of((double) hit.getScore())));
        }
        return rows;
    }

    private static Object field(Role role, Hit hit) {
        switch (role) {
            case ID:
                return StringData.fromString(hit.getId());
            case EMBEDDING:
                ByteBuffer v = hit.getVector();
                return v == null ? null : new GenericArrayData(FloatVectors.fromBytes(v));
            case METADATA:
                Map<Object, Object> m = new HashMap<>();
                hit.getMetadata()
                        .forEach(
                                (k, val) ->
                                        m.put(
                                                StringData.fromString(k.toString()),
                                                StringData.fromString(val.toString())));
                return new GenericMapData(m);
            case TEXT:
                return hit.getText() == null ? null : StringData.fromString(hit.getText());
            default:
                throw new IllegalStateException("unknown column role " + role);
        }
    }

    private CompletableFuture<Collection<RowData>> failedOrSkipped(VectorSearchException e) {
        if (settings.onError() == OnError.SKIP) {
            skipped.inc();
            long n = skipped.getCount();
            if (n == 1 || n % 1000 == 0) { // one bad input must not flood the log
                LOG.warn(
                        "Skipped {} VECTOR_SEARCH input row(s) so far ('on-error' = 'skip'); the"
                                + " latest: {}",
                        n,
                        e.getMessage());
            }
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.failedFuture(e);
    }

    private VectorSearchException failure(QueryRequest request, Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        return new VectorSearchException(
                "VectorStream query '"
                        + request.getQueryId()
                        + "' on collection '"
                        + request.getCollection()
                        + "' got no answer: "
                        + cause,
                cause);
    }

    private static VectorSearchException rejected(QueryRequest request, QueryResponse response) {
        if (response.getError() != null) {
            return new VectorSearchException(
                    "VectorStream rejected query '"
                            + request.getQueryId()
                            + "' on collection '"
                            + request.getCollection()
                            + "': "
                            + response.getError().getCode()
                            + ": "
                            + response.getError().getMessage(),
                    null);
        }
        return new VectorSearchException(
                "VectorStream answered query '"
                        + request.getQueryId()
                        + "' on collection '"
                        + request.getCollection()
                        + "' only in part: "
                        + response.getShardsAnswered()
                        + " of "
                        + response.getShardsExpected()
                        + " shards within "
                        + request.getTimeoutMs()
                        + " ms; raise 'timeout' or use 'on-error' = 'skip'",
                null);
    }
}
