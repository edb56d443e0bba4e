package io.vectorstream.metrics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Creates a {@link BoundPrometheusReporter}. Configured like Flink's {@code
 * PrometheusReporterFactory}, plus the address:
 *
 * <pre>
 * metrics.reporter.prom.factory.class: io.vectorstream.metrics.BoundPrometheusReporterFactory
 * metrics.reporter.prom.port: 9249              # a port or a range, e.g. 9250-9260
 * metrics.reporter.prom.bind-address: 127.0.0.1 # 0.0.0.0 = every interface, as Flink's reporter
 * </pre>
 */
public final class BoundPrometheusReporterFactory implements MetricReporterFactory {

    /** The port, or a range of ports of which the first free one is taken. */
    public static final String PORT = "port";

    /** The address to listen on; a host name is resolved once, at start. */
    public static final String BIND_ADDRESS = "bind-address";

    static final String DEFAULT_PORT = "9249";
    static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";

    @Override
    public BoundPrometheusReporter createMetricReporter(Properties properties) {
        String address = properties.getProperty(BIND_ADDRESS, DEFAULT_BIND_ADDRESS).trim();
        InetAddress bindAddress;
        try {
            bindAddress = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    "metrics reporter option "
                            + BIND_ADDRESS
                            + ": '"
                            + address
                            + "' does not resolve; give an address of this machine (e.g."
                            + " 127.0.0.1, or 0.0.0.0 for every interface)",
                    e);
        }
        return new BoundPrometheusReporter(
                bindAddress, new PortRange(properties.getProperty(PORT, DEFAULT_PORT)));
    }
}
