package io.vectorstream.connector;

import static io.vectorstream.connector.VectorStreamConnectorOptions.BOOTSTRAP_SERVERS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION_DIMENSION;
import static io.vectorstream.connector.VectorStreamConnectorOptions.COLLECTION_METRIC;
import static io.vectorstream.connector.VectorStreamConnectorOptions.PROPERTIES_PREFIX;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_CONSISTENCY;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_EF;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_FILTER;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_INCLUDE_TEXT;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_INCLUDE_VECTORS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_ON_ERROR;
import static io.vectorstream.connector.VectorStreamConnectorOptions.SEARCH_TIMEOUT;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_COLLECTIONS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_COLLECTIONS_RESULTS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_QUERIES;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_RESULTS;
import static io.vectorstream.connector.VectorStreamConnectorOptions.TOPIC_VECTORS;

import io.vectorstream.connector.search.SearchSettings;
import io.vectorstream.connector.search.VectorStreamSearchSource;
import io.vectorstream.connector.sink.VectorStreamTableSink;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * {@code 'connector' = 'vectorstream'}: a table whose rows are the vectors of one VectorStream
 * collection. {@code INSERT INTO} publishes upserts and deletes; {@code VECTOR_SEARCH} searches it.
 * It is not a scan source: the vectors live in the VectorStream job, not in a log to read back.
 */
public final class VectorStreamTableFactory
        implements DynamicTableSourceFactory, DynamicTableSinkFactory {

    public static final String IDENTIFIER = "vectorstream";

    /**
     * Flink's own ({@code ExecutionConfigOptions} of flink-table-api-java), declared again so that
     * the connector needs only flink-table-common.
     */
    static final ConfigOption<Duration> FLINK_SEARCH_TIMEOUT =
            ConfigOptions.key("table.exec.async-vector-search.timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(3));

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(BOOTSTRAP_SERVERS);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                COLLECTION,
                COLLECTION_DIMENSION,
                COLLECTION_METRIC,
                TOPIC_VECTORS,
                TOPIC_QUERIES,
                TOPIC_RESULTS,
                TOPIC_COLLECTIONS,
                TOPIC_COLLECTIONS_RESULTS,
                SEARCH_EF,
                SEARCH_FILTER,
                SEARCH_CONSISTENCY,
                SEARCH_TIMEOUT,
                SEARCH_INCLUDE_VECTORS,
                SEARCH_INCLUDE_TEXT,
                SEARCH_ON_ERROR);
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        ReadableConfig options = validated(context);
        return new VectorStreamSearchSource(
                connection(context, options),
                TableColumns.of(context.getCatalogTable().getResolvedSchema()),
                SearchSettings.of(options, flinkSearchTimeout(context)));
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        ReadableConfig options = validated(context);
        return new VectorStreamTableSink(
                connection(context, options),
                TableColumns.of(context.getCatalogTable().getResolvedSchema()));
    }

    private ReadableConfig validated(Context context) {
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validateExcept(PROPERTIES_PREFIX);
        ReadableConfig options = helper.getOptions();
        // Checked here, where the statement is planned, rather than on the task managers.
        SearchSettings.of(options, flinkSearchTimeout(context));
        options.getOptional(COLLECTION_DIMENSION)
                .filter(d -> d < 1)
                .ifPresent(
                        d -> {
                            throw new ValidationException(
                                    "'collection.dimension' must be at least 1, not " + d + ".");
                        });
        return options;
    }

    /** Flink's timeout of an async VECTOR_SEARCH call when the call's map sets none. */
    private static Duration flinkSearchTimeout(Context context) {
        return context.getConfiguration().get(FLINK_SEARCH_TIMEOUT);
    }

    private static ConnectionSettings connection(
            DynamicTableFactory.Context context, ReadableConfig options) {
        Map<String, String> kafka = new LinkedHashMap<>();
        context.getCatalogTable()
                .getOptions()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith(PROPERTIES_PREFIX)) {
                                kafka.put(k.substring(PROPERTIES_PREFIX.length()), v);
                            }
                        });
        ConnectionSettings settings = ConnectionSettings.of(options, kafka);
        try {
            settings.validate();
            options.getOptional(COLLECTION_METRIC).ifPresent(ConnectionSettings::canonicalMetric);
        } catch (IllegalArgumentException e) {
            throw new ValidationException(
                    "Invalid vectorstream table options: " + e.getMessage(), e);
        }
        return settings;
    }
}
