package io.vectorstream.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code jobs/cluster.sh} of one running cluster, run as a child process with this JVM's
 * environment (the {@code VECTORSTREAM_*} ports and directory): submitting the job and adding
 * TaskManagers; and the cluster's processes, from the pid files the script keeps in the cluster
 * directory. Not thread-safe.
 */
final class ClusterScript {

    private final Path script;
    private final Path dir;

    ClusterScript(Path script, Path dir) {
        this.script = script;
        this.dir = dir;
    }

    /**
     * Submits the job (detached) and returns its id.
     *
     * @param savepoint the savepoint to restore, or null to start empty
     * @param jobArgs {@code --key value} pairs of the job's settings
     */
    String submit(int parallelism, String savepoint, List<String> jobArgs)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("submit", "--parallelism", "" + parallelism));
        if (savepoint != null) {
            args.addAll(List.of("--from-savepoint", savepoint));
        }
        args.addAll(jobArgs);
        run(args);
        return Files.readString(dir.resolve("job.id")).trim();
    }

    /** Starts TaskManager {@code n}; it registers with the JobManager a few seconds later. */
    void addTaskManager(int n) throws IOException, InterruptedException {
        run(List.of("add-tm", String.valueOf(n)));
    }

    /** The pid of each cluster process by name ({@code kafka}, {@code taskmanager-1}, ...). */
    Map<String, Long> pids() throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                String name = p.getFileName().toString().replaceFirst("\\.pid$", "");
                try {
                    out.put(name, Long.parseLong(Files.readString(p).trim()));
                } catch (IOException | NumberFormatException e) {
                    // removed or half-written by the script just now: seen on the next call
                }
            }
        }
        return out;
    }

    private void run(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(args);
        int rc = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IllegalStateException(
                    String.join(" ", command) + " failed with exit code " + rc);
        }
    }
}
