package io.vectorstream.bench.cluster;

import io.vectorstream.bench.JobMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Records on a thread of its own, every {@code interval}, what the cluster spends: for each vertex
 * of the watched job, Flink's task counters summed and maximised over its subtasks (records in and
 * out, accumulated busy time) and its {@code busyTimeMsPerSecond}; and the CPU time of every
 * cluster process (by the pid files of {@code jobs/cluster.sh}) and of this JVM. A measured step
 * asks for its window afterwards ({@link #window}); rates are {@link CounterRate slopes} over the
 * samples inside it.
 *
 * <p>Vertices are read from the job graph of each watched job, never named here: a job's vertices
 * change with the topology and with chaining (at parallelism 1 a sink may chain to the operator
 * before it). Thread-safe.
 */
final class LoadRecorder implements AutoCloseable {

    private static final String RECORDS_IN = "numRecordsIn";
    private static final String RECORDS_OUT = "numRecordsOut";
    private static final String BUSY_MS = "accumulateBusyTimeMs";
    private static final String FLINK_BUSY = "busyTimeMsPerSecond";
    private static final List<String> TASK_METRICS =
            List.of(RECORDS_IN, RECORDS_OUT, BUSY_MS, FLINK_BUSY);

    /** This JVM in {@link WindowLoad#processCores}. */
    static final String BENCH_CLIENT = "bench client";

    private record VertexSample(
            long nanos, JobMetrics.Vertex vertex, Map<String, JobMetrics.Aggregate> metrics) {

        double sum(String metric) {
            JobMetrics.Aggregate a = metrics.get(metric);
            return a == null ? Double.NaN : a.sum();
        }

        double max(String metric) {
            JobMetrics.Aggregate a = metrics.get(metric);
            return a == null ? Double.NaN : a.max();
        }
    }

    private record CpuSample(long nanos, String process, double cpuSeconds) {}

    private final ClusterScript cluster;
    private final Duration interval;
    private final Thread thread;
    private final List<VertexSample> vertexSamples = new ArrayList<>();
    private final List<CpuSample> cpuSamples = new ArrayList<>();
    private volatile JobMetrics job;
    private volatile boolean closed;

    /** The watched job's vertices; read on the recording thread only. */
    private JobMetrics vertexSource;

    private List<JobMetrics.Vertex> vertices = List.of();

    LoadRecorder(ClusterScript cluster, Duration interval) {
        this.cluster = cluster;
        this.interval = interval;
        this.thread = new Thread(this::record, "load-recorder");
        thread.setDaemon(true);
        thread.start();
    }

    /** Records the vertices of {@code job} from now on; null between jobs (processes only). */
    void watch(JobMetrics job) {
        this.job = job;
    }

    /** What was spent between two {@link System#nanoTime} instants. */
    WindowLoad window(long fromNanos, long toNanos) {
        List<VertexSample> inside = new ArrayList<>();
        synchronized (vertexSamples) {
            for (VertexSample s : vertexSamples) {
                if (s.nanos() >= fromNanos && s.nanos() <= toNanos) {
                    inside.add(s);
                }
            }
        }
        Map<String, List<VertexSample>> byVertex = new LinkedHashMap<>();
        for (VertexSample s : inside) {
            byVertex.computeIfAbsent(s.vertex().id() + s.vertex().name(), k -> new ArrayList<>())
                    .add(s);
        }
        List<WindowLoad.VertexLoad> vertexLoads = new ArrayList<>();
        for (List<VertexSample> samples : byVertex.values()) {
            vertexLoads.add(vertexLoad(samples));
        }
        Map<String, List<CpuSample>> byProcess = new TreeMap<>();
        synchronized (cpuSamples) {
            for (CpuSample s : cpuSamples) {
                if (s.nanos() >= fromNanos && s.nanos() <= toNanos) {
                    byProcess.computeIfAbsent(s.process(), k -> new ArrayList<>()).add(s);
                }
            }
        }
        Map<String, Double> cores = new TreeMap<>();
        byProcess.forEach(
                (process, samples) ->
                        cores.put(
                                process,
                                CounterRate.perSecond(
                                        samples.stream().mapToLong(CpuSample::nanos).toArray(),
                                        samples.stream()
                                                .mapToDouble(CpuSample::cpuSeconds)
                                                .toArray())));
        return new WindowLoad((toNanos - fromNanos) / 1e9, vertexLoads, cores);
    }

    private static WindowLoad.VertexLoad vertexLoad(List<VertexSample> samples) {
        long[] nanos = samples.stream().mapToLong(VertexSample::nanos).toArray();
        VertexSample last = samples.get(samples.size() - 1);
        return new WindowLoad.VertexLoad(
                last.vertex().name(),
                last.vertex().parallelism(),
                CounterRate.perSecond(nanos, values(samples, RECORDS_IN, false)),
                CounterRate.perSecond(nanos, values(samples, RECORDS_OUT, false)),
                CounterRate.perSecond(nanos, values(samples, BUSY_MS, false)),
                CounterRate.perSecond(nanos, values(samples, BUSY_MS, true)) / 1000,
                last.sum(FLINK_BUSY));
    }

    private static double[] values(List<VertexSample> samples, String metric, boolean max) {
        return samples.stream().mapToDouble(s -> max ? s.max(metric) : s.sum(metric)).toArray();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    private void record() {
        while (!closed) {
            long next = System.nanoTime() + interval.toNanos();
            try {
                recordVertices();
                recordProcesses();
            } catch (IOException e) {
                // a job between states, a process gone: the next sample is taken as usual
            } catch (InterruptedException e) {
                return;
            }
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void recordVertices() throws IOException, InterruptedException {
        JobMetrics watched = job;
        if (watched == null) {
            return;
        }
        if (watched != vertexSource) {
            vertices = watched.vertices();
            vertexSource = watched;
        }
        for (JobMetrics.Vertex v : vertices) {
            Map<String, JobMetrics.Aggregate> m = watched.taskMetrics(v, TASK_METRICS);
            VertexSample s = new VertexSample(System.nanoTime(), v, m);
            synchronized (vertexSamples) {
                vertexSamples.add(s);
            }
        }
    }

    private void recordProcesses() throws IOException {
        Map<String, ProcessHandle> processes = new TreeMap<>();
        for (Map.Entry<String, Long> p : cluster.pids().entrySet()) {
            ProcessHandle.of(p.getValue()).ifPresent(h -> processes.put(p.getKey(), h));
        }
        processes.put(BENCH_CLIENT, ProcessHandle.current());
        for (Map.Entry<String, ProcessHandle> p : processes.entrySet()) {
            long nanos = System.nanoTime();
            p.getValue()
                    .info()
                    .totalCpuDuration()
                    .ifPresent(
                            cpu -> {
                                synchronized (cpuSamples) {
                                    cpuSamples.add(
                                            new CpuSample(nanos, p.getKey(), cpu.toNanos() / 1e9));
                                }
                            });
        }
    }
}
