package io.vectorstream.jobs.cluster;

import io.vectorstream.jobs.local.EmbeddedKafka;
import io.vectorstream.jobs.local.LocalSystem;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * The Kafka broker of a cluster started by {@code jobs/cluster.sh}, as a process of its own: the
 * {@link EmbeddedKafka} KRaft broker with the job's topics, running until the process is stopped
 * (SIGTERM closes it cleanly). Prints {@code READY <bootstrap servers>} once the topics exist.
 *
 * <p>usage: {@code ClusterBroker <data dir> <bind address> <port> <config dir>}: clients connect on
 * the bind address (127.0.0.1: this machine only); the topic names come from the {@code
 * config.yaml} in the config dir.
 */
public final class ClusterBroker {

    private ClusterBroker() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException(
                    "usage: ClusterBroker <data dir> <bind address> <port> <config dir>");
        }
        Path dataDir = Paths.get(args[0]);
        String bindAddress = args[1];
        int port = Integer.parseInt(args[2]);
        Configuration conf = GlobalConfiguration.loadConfiguration(args[3]);

        EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, bindAddress, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    kafka.close();
                                    stopped.countDown();
                                },
                                "broker-shutdown"));
        LocalSystem.createTopics(kafka, conf); // the topics of bin/vectorstream local
        System.out.println("READY " + kafka.bootstrapServers());
        System.out.flush();
        stopped.await();
    }
}
