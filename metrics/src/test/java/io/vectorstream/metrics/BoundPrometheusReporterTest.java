package io.vectorstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.LogicalScopeProvider;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.junit.jupiter.api.Test;

/**
 * The bound reporter listens where it is told, on the first free port of its range, and serves
 * exactly what Flink's own Prometheus reporter serves for the same metrics.
 */
class BoundPrometheusReporterTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PREFIX = "flink_taskmanager_job_task_operator_vectorstream_";

    @Test
    void listensOnTheBindAddressOnly() throws Exception {
        try (Closing<BoundPrometheusReporter> r = bound("127.0.0.1", "0")) {
            InetSocketAddress address = r.reporter().address();
            assertThat(address.getAddress().isLoopbackAddress()).isTrue();
            assertThat(address.getPort()).isPositive();
            assertThat(scrape(address.getPort())).isNotNull();
            for (InetAddress other : nonLoopbackAddresses()) {
                assertThatThrownBy(() -> new Socket(other, address.getPort()).close())
                        .as("connect to %s:%d", other, address.getPort())
                        .isInstanceOf(ConnectException.class);
            }
        }
    }

    @Test
    void exportsExactlyWhatFlinksReporterExports() throws Exception {
        int flinkPort = freePort();
        MetricConfig flinkConfig = new MetricConfig();
        flinkConfig.setProperty("port", String.valueOf(flinkPort));
        try (Closing<AbstractPrometheusReporter> flink =
                        new Closing<>(
                                (AbstractPrometheusReporter)
                                        new PrometheusReporterFactory()
                                                .createMetricReporter(flinkConfig));
                Closing<BoundPrometheusReporter> ours = bound("127.0.0.1", "0")) {
            for (MetricReporter reporter : List.of(flink.reporter(), ours.reporter())) {
                addMetrics(reporter);
            }

            // The same lines; the order of the families is the registry's hash order.
            List<String> expected = scrape(flinkPort).lines().sorted().toList();
            assertThat(expected)
                    .anyMatch(l -> l.startsWith(PREFIX + "vectorsIndexed{") && l.endsWith(" 42.0"))
                    .anyMatch(l -> l.startsWith(PREFIX + "searchLatencyMicros{"))
                    .anyMatch(l -> l.startsWith(PREFIX + "indexRate{"))
                    .anyMatch(l -> l.startsWith(PREFIX + "liveVectors{"));
            assertThat(scrape(ours.reporter().address().getPort()).lines().sorted().toList())
                    .isEqualTo(expected);
        }
    }

    @Test
    void takesTheFirstFreePortOfTheRange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Closing<BoundPrometheusReporter> r =
                        bound(
                                "127.0.0.1",
                                taken.getLocalPort() + "-" + (taken.getLocalPort() + 20))) {
            assertThat(r.reporter().address().getPort())
                    .isGreaterThan(taken.getLocalPort())
                    .isLessThanOrEqualTo(taken.getLocalPort() + 20);
        }
    }

    @Test
    void failsWithTheAddressWhenNoPortIsFree() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = String.valueOf(taken.getLocalPort());
            assertThatThrownBy(() -> bound("127.0.0.1", port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("127.0.0.1")
                    .hasMessageContaining(port);
        }
    }

    @Test
    void bindsToLoopbackUnlessToldOtherwise() {
        assertThat(BoundPrometheusReporterFactory.DEFAULT_BIND_ADDRESS).isEqualTo("127.0.0.1");
        MetricConfig config = new MetricConfig();
        config.setProperty(BoundPrometheusReporterFactory.BIND_ADDRESS, "no-such-host.invalid");
        assertThatThrownBy(() -> new BoundPrometheusReporterFactory().createMetricReporter(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no-such-host.invalid");
    }

    // ------------------------------------------------------------------------------ helpers

    /** A counter, a gauge, a meter and a histogram of an index operator, with Flink's labels. */
    private static void addMetrics(MetricReporter reporter) {
        MetricGroup group = new OperatorGroup();
        Counter counter = new SimpleCounter();
        counter.inc(42);
        Gauge<Long> gauge = () -> 7L;
        reporter.notifyOfAddedMetric(counter, "vectorsIndexed", group);
        reporter.notifyOfAddedMetric(gauge, "liveVectors", group);
        reporter.notifyOfAddedMetric(new MeterView(counter), "indexRate", group);
        reporter.notifyOfAddedMetric(new FixedHistogram(), "searchLatencyMicros", group);
    }

    /** An operator group as Flink's TaskManager gives it to a reporter: variables and scope. */
    private static final class OperatorGroup extends UnregisteredMetricsGroup
            implements LogicalScopeProvider {
        @Override
        public Map<String, String> getAllVariables() {
            return Map.of(
                    "<host>", "localhost",
                    "<job_name>", "vectorstream",
                    "<operator_name>", "shard-index",
                    "<subtask_index>", "0");
        }

        @Override
        public String getLogicalScope(CharacterFilter filter) {
            return getLogicalScope(filter, '.');
        }

        @Override
        public String getLogicalScope(CharacterFilter filter, char delimiter) {
            return String.join(
                    String.valueOf(delimiter),
                    "taskmanager",
                    "job",
                    "task",
                    "operator",
                    "vectorstream");
        }

        @Override
        public MetricGroup getWrappedMetricGroup() {
            return this;
        }
    }

    private static final class FixedHistogram implements Histogram {
        @Override
        public void update(long value) {}

        @Override
        public long getCount() {
            return 3;
        }

        @Override
        public HistogramStatistics getStatistics() {
            return new HistogramStatistics() {
                @Override
                public double getQuantile(double quantile) {
                    return quantile * 100;
                }

                @Override
                public long[] getValues() {
                    return new long[] {10, 50, 99};
                }

                @Override
                public int size() {
                    return 3;
                }

                @Override
                public double getMean() {
                    return 53;
                }

                @Override
                public double getStdDev() {
                    return 36;
                }

                @Override
                public long getMax() {
                    return 99;
                }

                @Override
                public long getMin() {
                    return 10;
                }
            };
        }
    }

    /** Closes a reporter (Flink's reporters are not AutoCloseable). */
    private record Closing<R extends MetricReporter>(R reporter) implements AutoCloseable {
        @Override
        public void close() {
            reporter.close();
        }
    }

    private static Closing<BoundPrometheusReporter> bound(String address, String ports) {
        MetricConfig config = new MetricConfig();
        config.setProperty(BoundPrometheusReporterFactory.BIND_ADDRESS, address);
        config.setProperty(BoundPrometheusReporterFactory.PORT, ports);
        return new Closing<>(new BoundPrometheusReporterFactory().createMetricReporter(config));
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static List<InetAddress> nonLoopbackAddresses() throws IOException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
