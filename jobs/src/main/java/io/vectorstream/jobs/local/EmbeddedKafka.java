package io.vectorstream.jobs.local;

import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker (KRaft, broker+controller) running inside this JVM. Clients reach it
 * on 127.0.0.1 unless started with another bind address; the controller listener is always on
 * 127.0.0.1.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    static final int NODE_ID = 1;
    static final String HOST = "127.0.0.1";
    static final String CLIENT_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** Upper bound for start() and for createTopic() to see the topic ready. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /**
     * How often start() retries with fresh ports when a picked free port was taken in the meantime
     * (port 0 only).
     */
    private static final int BIND_ATTEMPTS = 3;

    private final BrokerStorage storage;
    private final String advertisedHost;
    private final int port;
    private final KafkaRaftServer server;
    private final Object lock = new Object();
    private boolean closed;

    private EmbeddedKafka(
            BrokerStorage storage, String advertisedHost, int port, KafkaRaftServer server) {
        this.storage = storage;
        this.advertisedHost = advertisedHost;
        this.port = port;
        this.server = server;
    }

    /** {@link #start(Path, String, int)} for clients on this machine only (127.0.0.1). */
    public static EmbeddedKafka start(Path dataDir, int port) throws Exception {
        return start(dataDir, HOST, port);
    }

    /**
     * Starts a broker with its log under dataDir (formatted on first use, reused if already
     * formatted by an earlier run: data survives restarts). The PLAINTEXT client listener is on
     * {@code bindAddress} (127.0.0.1: this machine only; 0.0.0.0: every interface, advertised under
     * this machine's host name, which clients elsewhere must be able to resolve) and {@code port};
     * 0 picks a free port. The controller listener always gets a free port on 127.0.0.1. Blocks
     * until the broker accepts client requests (check with an AdminClient describeCluster), or
     * throws with a clear message within ~60 s.
     */
    public static EmbeddedKafka start(Path dataDir, String bindAddress, int port) throws Exception {
        Objects.requireNonNull(dataDir, "dataDir");
        InetAddress bind = InetAddress.getByName(bindAddress);
        String listenerHost = urlHost(bind);
        String advertisedHost = bind.isAnyLocalAddress() ? externalHost() : listenerHost;
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    "port must be 0 (pick a free one) or 1..65535, got " + port);
        }
        BrokerStorage storage = new BrokerStorage(dataDir);
        String clusterId = storage.clusterId();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        int attempts = port == 0 ? BIND_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            int clientPort = port == 0 ? freePort(-1) : port;
            int controllerPort = freePort(clientPort);
            try {
                return startOnce(
                        storage,
                        clusterId,
                        listenerHost,
                        advertisedHost,
                        clientPort,
                        controllerPort,
                        deadline);
            } catch (Exception e) {
                if (attempt < attempts && isBindFailure(e) && System.nanoTime() < deadline) {
                    LOG.warn(
                            "Embedded Kafka could not bind port {} or {} (taken since it was"
                                    + " picked); retrying with new ports",
                            clientPort,
                            controllerPort);
                    continue;
                }
                throw e;
            }
        }
    }

    private static EmbeddedKafka startOnce(
            BrokerStorage storage,
            String clusterId,
            String bindAddress,
            String advertisedHost,
            int clientPort,
            int controllerPort,
            long deadline)
            throws Exception {
        Properties props =
                brokerProperties(
                        storage.logDir(),
                        bindAddress,
                        advertisedHost,
                        clientPort,
                        controllerPort,
                        remainingMs(deadline));
        Path propsFile = storage.writeServerProperties(props);
        storage.format(clusterId, propsFile);

        long t0 = System.nanoTime();
        KafkaRaftServer server =
                new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        EmbeddedKafka kafka = new EmbeddedKafka(storage, advertisedHost, clientPort, server);
        try {
            server.startup();
            kafka.awaitClientRequests(deadline);
        } catch (Throwable t) {
            kafka.close();
            String msg =
                    "Embedded Kafka (data "
                            + storage.dataDir()
                            + ", "
                            + bindAddress
                            + ":"
                            + clientPort
                            + ", controller port "
                            + controllerPort
                            + ") failed to start: "
                            + describe(t);
            if (t instanceof Error) {
                throw (Error) t;
            }
            throw new IllegalStateException(msg, t);
        }
        LOG.info(
                "Embedded Kafka started at {} (cluster {}, data {}) in {} ms",
                kafka.bootstrapServers(),
                clusterId,
                storage.dataDir(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        return kafka;
    }

    /**
     * The broker configuration: single node, broker+controller, static one-voter quorum; clients on
     * {@code bindAddress}, the controller on 127.0.0.1.
     */
    static Properties brokerProperties(
            Path logDir,
            String bindAddress,
            String advertisedHost,
            int clientPort,
            int controllerPort,
            long maxStartupMs) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(NODE_ID));
        p.setProperty("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.setProperty(
                "listeners",
                CLIENT_LISTENER
                        + "://"
                        + bindAddress
                        + ":"
                        + clientPort
                        + ","
                        + CONTROLLER_LISTENER
                        + "://"
                        + HOST
                        + ":"
                        + controllerPort);
        p.setProperty(
                "advertised.listeners",
                CLIENT_LISTENER + "://" + advertisedHost + ":" + clientPort);
        p.setProperty("controller.listener.names", CONTROLLER_LISTENER);
        p.setProperty("inter.broker.listener.name", CLIENT_LISTENER);
        p.setProperty(
                "listener.security.protocol.map",
                CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.setProperty("log.dirs", logDir.toString());

        // One node: every internal topic has a single replica.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        // Internal topics with few partitions: the first consumer group / transaction starts fast
        // (default 50 each).
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");

        p.setProperty("auto.create.topics.enable", "false");
        p.setProperty("num.partitions", "1");
        p.setProperty("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        p.setProperty("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        // The log cleaner (needed for compacted __consumer_offsets) allocates this buffer eagerly;
        // default 128 MiB.
        p.setProperty("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        // startup() gives up instead of waiting forever (default: no limit).
        p.setProperty("server.max.startup.time.ms", Long.toString(Math.max(1, maxStartupMs)));
        return p;
    }

    /** "&lt;advertised host&gt;:&lt;port&gt;", "127.0.0.1:&lt;port&gt;" unless bound elsewhere. */
    public String bootstrapServers() {
        return advertisedHost + ":" + port;
    }

    /**
     * How other machines reach this one, for a broker on every interface: the host name if it
     * resolves to an address other than loopback (as on a host with DNS), else the first address of
     * a network interface that is up, else localhost (this machine has no other).
     */
    private static String externalHost() throws IOException {
        InetAddress local = InetAddress.getLocalHost();
        if (!local.isLoopbackAddress()) {
            return local.getCanonicalHostName();
        }
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        return "localhost";
    }

    /** The address as a URL's host: an IPv6 literal in brackets. */
    static String urlHost(InetAddress address) {
        return address instanceof Inet6Address
                ? "[" + address.getHostAddress() + "]"
                : address.getHostAddress();
    }

    /**
     * Creates the topic if it does not exist yet (idempotent; TopicExistsException ignored),
     * replication factor 1; waits until the topic is usable (metadata shows the leader for every
     * partition).
     */
    public void createTopic(String name, int partitions) throws Exception {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        }
        ensureOpen();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            try {
                admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                        .all()
                        .get(remainingMs(deadline), TimeUnit.MILLISECONDS);
                LOG.info("Created topic {} with {} partition(s)", name, partitions);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException(
                            "Creating topic "
                                    + name
                                    + " on "
                                    + bootstrapServers()
                                    + " failed: "
                                    + describe(e.getCause()),
                            e.getCause());
                }
                LOG.debug("Topic {} exists already", name);
            }
            awaitLeaders(admin, name, deadline);
        }
    }

    /** Stops the broker and waits for shutdown; does not delete dataDir. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            long t0 = System.nanoTime();
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Error while stopping embedded Kafka at {}", bootstrapServers(), e);
            }
            LOG.info(
                    "Embedded Kafka at {} stopped in {} ms",
                    bootstrapServers(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }

    private void ensureOpen() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException(
                        "Embedded Kafka at " + bootstrapServers() + " is closed");
            }
        }
    }

    private Admin admin() {
        Map<String, Object> conf =
                Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                        AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-admin",
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                        AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 100);
        return Admin.create(conf);
    }

    /**
     * Polls describeCluster until this broker is listed (it accepts client requests), or the
     * deadline passes.
     */
    private void awaitClientRequests(long deadline) throws Exception {
        Throwable last = null;
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    Collection<Node> nodes =
                            admin.describeCluster()
                                    .nodes()
                                    .get(
                                            Math.min(remainingMs(deadline), 10_000),
                                            TimeUnit.MILLISECONDS);
                    if (nodes.stream().anyMatch(n -> n.id() == NODE_ID)) {
                        return;
                    }
                    last = new IllegalStateException("describeCluster returned " + nodes);
                } catch (ExecutionException e) {
                    last = e.getCause();
                } catch (TimeoutException e) {
                    last = e;
                }
                Thread.sleep(100);
            }
        }
        throw new TimeoutException(
                "broker did not answer describeCluster within "
                        + TIMEOUT.toSeconds()
                        + " s"
                        + (last == null ? "" : "; last error: " + describe(last)));
    }

    private void awaitLeaders(Admin admin, String topic, long deadline) throws Exception {
        String state = "no metadata yet";
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription d =
                        admin.describeTopics(List.of(topic))
                                .allTopicNames()
                                .get(Math.min(remainingMs(deadline), 10_000), TimeUnit.MILLISECONDS)
                                .get(topic);
                List<TopicPartitionInfo> parts = d.partitions();
                long withLeader =
                        parts.stream()
                                .filter(p -> p.leader() != null && !p.leader().isEmpty())
                                .count();
                if (!parts.isEmpty() && withLeader == parts.size()) {
                    return;
                }
                state = withLeader + " of " + parts.size() + " partitions have a leader";
            } catch (ExecutionException e) {
                state = describe(e.getCause());
            } catch (TimeoutException e) {
                state = describe(e);
            }
            Thread.sleep(50);
        }
        throw new TimeoutException(
                "Topic "
                        + topic
                        + " on "
                        + bootstrapServers()
                        + " not ready within "
                        + TIMEOUT.toSeconds()
                        + " s: "
                        + state);
    }

    /**
     * A port that was free on 127.0.0.1 a moment ago (another process may take it before Kafka
     * binds it).
     */
    private static int freePort(int exclude) throws IOException {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
                if (s.getLocalPort() != exclude) {
                    return s.getLocalPort();
                }
            }
        }
        throw new IOException("no free port found on " + HOST);
    }

    private static boolean isBindFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BindException
                    || (c.getMessage() != null && c.getMessage().contains("failed to bind"))) {
                return true;
            }
        }
        return false;
    }

    private static long remainingMs(long deadlineNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- caused by ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.toString();
    }
}
