package io.vectorstream.jobs.testing;

import io.vectorstream.client.VectorStreamClient;
import io.vectorstream.jobs.local.EmbeddedKafka;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/**
 * The parts an end-to-end test runs around the job on its mini cluster: the broker, the job and a
 * client of it. Stateless.
 */
public final class EndToEnd {

    private EndToEnd() {}

    /** A client of the job behind {@code kafka} that waits 30 s for an answer by default. */
    public static VectorStreamClient client(EmbeddedKafka kafka) {
        return VectorStreamClient.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .defaultTimeout(Duration.ofSeconds(30))
                .build();
    }

    /**
     * Closes the client, cancels the job and stops the broker, in that order; any of them is null
     * if starting the system failed before it.
     */
    public static void stop(VectorStreamClient client, JobClient job, EmbeddedKafka kafka)
            throws Exception {
        if (client != null) {
            client.close();
        }
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
