package io.vectorstream.bench.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.vectorstream.bench.FlinkRest;
import io.vectorstream.bench.JobMetrics;
import java.io.IOException;
import java.time.Duration;

/**
 * What the scale-out bench asks of the JobManager over REST: stop a job with a savepoint, and wait
 * for TaskManagers to register and for a job to run. Every wait polls and fails with what it saw
 * after its timeout. Thread-safe.
 */
final class JobManagerControl {

    private static final Duration POLL = Duration.ofMillis(200);

    private final FlinkRest rest;

    JobManagerControl(FlinkRest rest) {
        this.rest = rest;
    }

    /**
     * Stops the job with a savepoint in the cluster's savepoint directory ({@code
     * execution.checkpointing.savepoint-dir}), without draining: the sources stop where they are
     * and the restored job goes on from there.
     *
     * @return the savepoint's location, as {@code file:/...}
     */
    String stopWithSavepoint(String jobId, Duration timeout)
            throws IOException, InterruptedException {
        String trigger =
                rest.post("/jobs/" + jobId + "/stop", FlinkRest.object().put("drain", false))
                        .path("request-id")
                        .asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode s = rest.get("/jobs/" + jobId + "/savepoints/" + trigger);
            if ("COMPLETED".equals(s.path("status").path("id").asText())) {
                JsonNode op = s.path("operation");
                if (op.has("failure-cause")) {
                    throw new IllegalStateException(
                            "stop with savepoint of job "
                                    + jobId
                                    + " failed: "
                                    + op.path("failure-cause").path("stack-trace").asText());
                }
                awaitJobState(jobId, "FINISHED", deadline);
                return op.path("location").asText();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "savepoint of job " + jobId + " not done after " + timeout + ": " + s);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Waits until at least {@code n} TaskManagers are registered. */
    void awaitTaskManagers(int n, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen;
        while ((seen = rest.get("/overview").path("taskmanagers").asInt()) < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        seen + " TaskManagers registered after " + timeout + ", expected " + n);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Waits until the job and every task of it run. */
    void awaitRunning(JobMetrics job, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobMetrics.State state;
        while (!(state = job.state()).running()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "job " + job.jobId() + " not running after " + timeout + ": " + state);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    private void awaitJobState(String jobId, String state, long deadline)
            throws IOException, InterruptedException {
        String seen;
        while (!(seen = rest.get("/jobs/" + jobId).path("state").asText()).equals(state)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "job " + jobId + " is " + seen + " after its savepoint, expected " + state);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
