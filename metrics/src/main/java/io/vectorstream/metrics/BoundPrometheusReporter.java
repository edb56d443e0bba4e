package io.vectorstream.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter serving {@code /metrics} on one address instead of every interface.
 *
 * <p>Flink 2.2's {@code PrometheusReporter} has a {@code port} option only and listens on the
 * wildcard address, so anyone who reaches the machine can read every metric. This reporter leaves
 * the translation of Flink metrics to Prometheus families to Flink's {@link
 * AbstractPrometheusReporter}, so names, labels and values are exactly Flink's, and serves them
 * with the same HTTP server bound to {@code bindAddress}, on the first free port of the range.
 *
 * <p>{@link AbstractPrometheusReporter} keeps its registry in a package-private field with no
 * accessor; it is read once, reflectively, and a Flink version without it fails at start with a
 * message (and {@code BoundPrometheusReporterTest} compares the output with Flink's reporter).
 * Thread-safety is the base class's: metrics are added from Flink's threads, scrapes run on the
 * server's thread.
 */
public final class BoundPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer server;
    private final InetSocketAddress address;

    BoundPrometheusReporter(InetAddress bindAddress, PortRange ports) {
        CollectorRegistry registry = registryOf(this);
        HTTPServer started = null;
        IOException failure = null;
        for (Iterator<Integer> it = ports.getPortsIterator(); started == null && it.hasNext(); ) {
            int port = it.next();
            try {
                started = new HTTPServer(new InetSocketAddress(bindAddress, port), registry, true);
            } catch (IOException e) {
                log.debug("Could not start the Prometheus endpoint on port {}.", port, e);
                failure = e;
            }
        }
        if (started == null) {
            throw new IllegalStateException(
                    "Could not start the Prometheus endpoint on "
                            + bindAddress.getHostAddress()
                            + " and any port of "
                            + ports
                            + (failure == null ? "" : " (" + failure + ")"),
                    failure);
        }
        server = started;
        address = new InetSocketAddress(bindAddress, started.getPort());
        log.info(
                "Started the Prometheus endpoint on {}:{}.",
                bindAddress.getHostAddress(),
                started.getPort());
    }

    /** The address and port the endpoint listens on. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }

    private static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(reporter);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "This flink-metrics-prometheus has no CollectorRegistry field 'registry' in"
                            + " AbstractPrometheusReporter as 2.2.0 has; "
                            + BoundPrometheusReporter.class.getName()
                            + " must be adapted to it",
                    e);
        }
    }
}
