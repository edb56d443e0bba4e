package io.vectorstream.bench.cluster;

import io.vectorstream.bench.data.Flags;
import io.vectorstream.bench.serving.JobSettings;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * The scale-out bench's settings, read once from its {@code --name value} arguments. The cluster's
 * ports, directory and script are given by {@code bench/run-cluster-scale.sh}.
 *
 * @param limit base vectors used, the first ones of the set (0 for all): phase a ingests the first
 *     half, phase b the rest
 * @param queries queries used, the first ones of the set (0 for all); their exact neighbours over
 *     the first half are computed by brute force
 * @param clients the closed-loop query levels of each phase, in the order run
 * @param shards the collection's shards; the most TaskManagers the index can use
 * @param overrides {@code --set key=value} settings of the job, passed as job arguments
 * @param ingestTimeout how long publishing, indexing and coming to rest may take, per phase
 * @param results where {@code cluster-scale-LABEL.md} and {@code .tsv} go
 */
record ClusterScaleOptions(
        Path data,
        int limit,
        int queries,
        int[] clients,
        Duration window,
        Duration warmup,
        int shards,
        Map<String, String> overrides,
        Duration ingestTimeout,
        String label,
        Path results,
        int restPort,
        String bootstrap,
        Path clusterDir,
        Path clusterScript) {

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: bench/run-cluster-scale.sh --data DIR [options]",
                    "  --limit N              base vectors used, the first N (0 = all); phase a"
                            + " ingests the first half, phase b the rest",
                    "  --queries N            queries used, the first N (0 = all)",
                    "  --clients 8,32         closed-loop query clients of each level",
                    "  --seconds S            measured seconds per query level (20)",
                    "  --warmup-seconds S     unmeasured seconds before each level (5)",
                    "  --shards N             the collection's shards (2)",
                    "  --set key=value        a vectorstream.* setting of the job; repeatable",
                    "  --ingest-minutes M     most minutes to ingest and settle, per phase (30)",
                    "  --label NAME           names the result files (run)",
                    "  --results DIR          where cluster-scale-LABEL.md/.tsv go"
                            + " (bench/results)",
                    "  set by the script: --rest-port N --bootstrap HOST:PORT --cluster-dir DIR"
                            + " --cluster-script PATH");

    static ClusterScaleOptions parse(String[] args) {
        Flags f =
                Flags.parse(
                        args,
                        Set.of(
                                "data",
                                "limit",
                                "queries",
                                "clients",
                                "seconds",
                                "warmup-seconds",
                                "shards",
                                "set",
                                "ingest-minutes",
                                "label",
                                "results",
                                "rest-port",
                                "bootstrap",
                                "cluster-dir",
                                "cluster-script"),
                        USAGE);
        String data = f.string("data", "");
        if (data.isEmpty()) {
            throw new IllegalArgumentException("--data DIR is required\n" + USAGE);
        }
        int[] clients =
                Arrays.stream(f.string("clients", "8,32").split(","))
                        .mapToInt(s -> Integer.parseInt(s.trim()))
                        .toArray();
        if (clients.length == 0 || Arrays.stream(clients).anyMatch(c -> c <= 0)) {
            throw new IllegalArgumentException("--clients takes positive counts, e.g. 8,32");
        }
        int limit = f.integer("limit", 0);
        int queries = f.integer("queries", 0);
        int shards = f.integer("shards", 2);
        if (limit < 0 || limit == 1 || queries < 0 || shards < 1) {
            throw new IllegalArgumentException(
                    "--limit takes 2 or more (0 = all), --queries 1 or more (0 = all), --shards 1"
                            + " or more");
        }
        return new ClusterScaleOptions(
                Paths.get(data),
                limit,
                queries,
                clients,
                Duration.ofSeconds(f.integer("seconds", 20)),
                Duration.ofSeconds(f.integer("warmup-seconds", 5)),
                shards,
                JobSettings.parseOverrides(f.all("set")),
                Duration.ofMinutes(f.integer("ingest-minutes", 30)),
                f.string("label", "run"),
                Paths.get(f.string("results", "bench/results")),
                f.integer("rest-port", 8081),
                f.string("bootstrap", "127.0.0.1:9092"),
                Paths.get(f.string("cluster-dir", "data/cluster")),
                Paths.get(f.string("cluster-script", "jobs/cluster.sh")));
    }
}
