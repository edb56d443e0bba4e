package io.vectorstream.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vectorstream.jobs.VectorStreamJob;
import io.vectorstream.operators.VectorStreamOptions;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.metrics.MetricNames;
import org.apache.flink.runtime.scheduler.metrics.StateTimeMetric;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The container deployment in {@code docker/} is consistent with the code and with itself: the
 * compose file runs every part, Flink reports to Prometheus on :9249 with RocksDB and checkpoints
 * on a volume, Prometheus scrapes every Flink process and loads the alert rules, and every metric a
 * dashboard panel or an alert queries is one the job registers (read from the operators' sources)
 * or one of Flink's own (checked against Flink's constants). No Docker needed; where {@code
 * promtool} is installed the Prometheus files are also checked by it.
 */
class DockerFilesTest {

    private static final Path ROOT = Path.of("..");
    private static final Path DOCKER = ROOT.resolve("docker");
    private static final Path COMPOSE = DOCKER.resolve("docker-compose.yml");
    private static final Path PROMETHEUS = DOCKER.resolve("prometheus/prometheus.yml");
    private static final Path ALERTS = DOCKER.resolve("prometheus/alerts.yml");
    private static final Path ALERT_TESTS = DOCKER.resolve("prometheus/alerts.test.yml");
    private static final Path DASHBOARD = DOCKER.resolve("grafana/dashboards/vectorstream.json");

    private static final int PROMETHEUS_PORT = 9249;
    private static final String PUBLISH_ADDRESS = "${VECTORSTREAM_BIND_ADDRESS:-127.0.0.1}";
    private static final String JOB_CLASS = VectorStreamJob.class.getName();

    /** Alerts an operator of the deployment needs, each for a different failure. */
    private static final List<String> REQUIRED_ALERTS =
            List.of(
                    "VectorStreamJobNotRunning",
                    "VectorStreamJobRestarting",
                    "VectorStreamHighSearchLatency",
                    "VectorStreamIndexMemoryHigh",
                    "VectorStreamRecordsRejected",
                    "VectorStreamIncompleteAnswers",
                    "VectorStreamLowIngestThroughput");

    /** Dashboard panel title → metrics (name suffixes) it must show. */
    private static final Map<String, List<String>> REQUIRED_PANELS = requiredPanels();

    private static final Pattern METRIC_NAME = Pattern.compile("\\bflink_[A-Za-z0-9_]+");

    // ---------------------------------------------------------------- compose

    @Test
    void composeRunsKafkaFlinkPrometheusAndGrafana() throws IOException {
        Map<String, Object> services = map(yaml(COMPOSE), "services");

        assertThat(services)
                .containsKeys(
                        "kafka",
                        "topic-init",
                        "jobmanager",
                        "taskmanager",
                        "prometheus",
                        "grafana");
        assertThat(string(map(services, "kafka"), "image")).startsWith("apache/kafka:4.");

        Map<String, Object> jobManager = map(services, "jobmanager");
        Map<String, Object> taskManager = map(services, "taskmanager");
        assertThat(string(taskManager, "image"))
                .as("the TaskManagers run the image the JobManager builds")
                .isEqualTo(string(jobManager, "image"));
        assertThat(string(taskManager, "command")).isEqualTo("taskmanager");
        assertThat((Integer) map(taskManager, "deploy").get("replicas")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void publishesOnlyWhatAUserNeedsOnTheHostsLoopbackAddress() throws IOException {
        Map<String, Object> services = map(yaml(COMPOSE), "services");

        // host address (loopback unless VECTORSTREAM_BIND_ADDRESS says otherwise) : port : port
        String published = Pattern.quote(PUBLISH_ADDRESS) + ":(\\d+):\\1";
        Map<String, List<String>> ports = new LinkedHashMap<>();
        services.forEach(
                (name, s) -> {
                    Map<String, Object> service = cast(s);
                    List<String> mapped =
                            service.containsKey("ports") ? strings(service, "ports") : List.of();
                    mapped.forEach(p -> assertThat(p).as("port of %s", name).matches(published));
                    if (!mapped.isEmpty()) {
                        ports.put(name, mapped);
                    }
                });
        assertThat(ports)
                .as(
                        "Kafka for clients, the Flink web UI, Prometheus and Grafana: no metrics"
                                + " endpoint (Prometheus scrapes :9249 inside the network), no"
                                + " TaskManager")
                .containsOnly(
                        Map.entry("kafka", List.of(PUBLISH_ADDRESS + ":9092:9092")),
                        Map.entry("jobmanager", List.of(PUBLISH_ADDRESS + ":8081:8081")),
                        Map.entry("prometheus", List.of(PUBLISH_ADDRESS + ":9090:9090")),
                        Map.entry("grafana", List.of(PUBLISH_ADDRESS + ":3000:3000")));
        assertThat(strings(map(services, "prometheus"), "command"))
                .as("no HTTP API to shut Prometheus down or reload it")
                .doesNotContain("--web.enable-lifecycle");
    }

    @Test
    void imageIsFlink22WithTheJobInUsrlib() throws IOException {
        Map<String, Object> build = map(map(map(yaml(COMPOSE), "services"), "jobmanager"), "build");
        Path context = DOCKER.resolve(string(build, "context")).normalize();
        Path dockerfile = context.resolve(string(build, "dockerfile"));
        assertThat(context.resolve("pom.xml")).as("build context is the project root").exists();
        assertThat(dockerfile).exists();

        String text = Files.readString(dockerfile);
        assertThat(text).contains("FROM flink:2.2.0-java17").contains("/opt/flink/usrlib");
        Matcher script = Pattern.compile("sh (docker/[\\w./-]+\\.sh)").matcher(text);
        assertThat(script.find()).as("the Dockerfile collects the jars with a script").isTrue();
        assertThat(context.resolve(script.group(1))).exists();
    }

    @Test
    void jobManagerRunsTheJobWithRealOptions() throws IOException {
        Map<String, Object> services = map(yaml(COMPOSE), "services");
        List<String> args = List.of(string(map(services, "jobmanager"), "command").split("\\s+"));

        assertThat(args.get(0)).isEqualTo("standalone-job");
        int classArg = args.indexOf("--job-classname");
        assertThat(classArg).as("--job-classname").isPositive();
        assertThat(args.get(classArg + 1)).isEqualTo(JOB_CLASS);

        // Everything after the class name goes to VectorStreamJob.main as --key value pairs.
        Set<String> known = vectorStreamOptionKeys();
        List<String> jobArgs = args.subList(classArg + 2, args.size());
        assertThat(jobArgs).isNotEmpty().hasSize(jobArgs.size() / 2 * 2);
        for (int i = 0; i < jobArgs.size(); i += 2) {
            assertThat(known).contains(jobArgs.get(i).substring(2));
        }
        String bootstrap =
                jobArgs.get(
                        jobArgs.indexOf("--" + VectorStreamOptions.BOOTSTRAP_SERVERS.key()) + 1);
        assertThat(kafkaAdvertisedListeners(services))
                .as("the job's bootstrap address is one Kafka advertises")
                .contains(bootstrap);

        Map<String, Object> dependsOn = map(map(services, "jobmanager"), "depends_on");
        assertThat(map(dependsOn, "topic-init").get("condition"))
                .as("the job starts after the topics exist")
                .isEqualTo("service_completed_successfully");
    }

    @Test
    void topicInitCreatesEveryTopicTheJobUses() throws IOException {
        Map<String, Object> init = map(map(yaml(COMPOSE), "services"), "topic-init");
        String script = String.join("\n", strings(init, "command"));
        Map<String, Integer> created = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*create\\s+(\\S+)\\s+(\\d+)").matcher(script);
        while (m.find()) {
            created.put(m.group(1), Integer.parseInt(m.group(2)));
        }

        assertThat(created)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                VectorStreamOptions.VECTORS_TOPIC.defaultValue(), 4,
                                VectorStreamOptions.QUERIES_TOPIC.defaultValue(), 4,
                                VectorStreamOptions.RESULTS_TOPIC.defaultValue(), 4,
                                VectorStreamOptions.DLQ_TOPIC.defaultValue(), 1,
                                VectorStreamOptions.COLLECTIONS_TOPIC.defaultValue(), 1,
                                VectorStreamOptions.COLLECTION_RESULTS_TOPIC.defaultValue(), 1));
        assertThat(script).contains("--if-not-exists");
    }

    @Test
    void flinkReportsToPrometheusWithRocksDbAndCheckpointsOnAVolume() throws IOException {
        Map<String, Object> compose = yaml(COMPOSE);
        Map<String, Object> services = map(compose, "services");
        Map<String, Object> repoConfig = yaml(ROOT.resolve("config/config.yaml"));

        for (String service : List.of("jobmanager", "taskmanager")) {
            Map<String, String> flink = flinkProperties(map(services, service));
            assertThat(flink)
                    .as(service)
                    .containsEntry(
                            "metrics.reporter.prom.factory.class",
                            PrometheusReporterFactory.class.getName())
                    .containsEntry("metrics.reporter.prom.port", String.valueOf(PROMETHEUS_PORT))
                    .containsEntry("state.backend.type", "rocksdb")
                    .containsEntry("execution.checkpointing.incremental", "true")
                    .containsEntry("jobmanager.rpc.address", "jobmanager");
            // The same reporter as the repository's config.yaml (the local launcher's).
            assertThat(flink.get("metrics.reporter.prom.factory.class"))
                    .isEqualTo(nested(repoConfig, "metrics.reporter.prom.factory\\.class"));
            for (String key :
                    List.of(
                            "execution.checkpointing.interval",
                            "restart-strategy.type",
                            "pipeline.generic-types",
                            "web.submit.enable")) {
                assertThat(flink.get(key))
                        .as("%s of %s matches config/config.yaml", key, service)
                        .isEqualTo(String.valueOf(nested(repoConfig, key)));
            }

            // Checkpoints and savepoints live on a named volume every Flink process mounts.
            String dir = flink.get("execution.checkpointing.dir");
            assertThat(dir).startsWith("file:///");
            String mountTarget = "/" + Path.of(dir.substring("file:///".length())).getName(0);
            String volume = volumeMountedAt(map(services, service), mountTarget);
            assertThat(volume).as("%s mounts a volume at %s", service, mountTarget).isNotNull();
            assertThat(map(compose, "volumes")).containsKey(volume);
            assertThat(flink.get("execution.checkpointing.savepoint-dir")).startsWith(dir(dir));
        }
    }

    // ---------------------------------------------------------------- prometheus

    @Test
    void prometheusScrapesEveryFlinkProcessAndLoadsTheAlerts() throws IOException {
        Map<String, Object> prometheus = yaml(PROMETHEUS);
        Map<String, Object> services = map(yaml(COMPOSE), "services");

        assertThat(strings(prometheus, "rule_files")).contains(ALERTS.getFileName().toString());
        List<String> mounts = strings(map(services, "prometheus"), "volumes");
        assertThat(mounts)
                .contains(
                        "./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
                        "./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");

        Set<String> scraped = new TreeSet<>();
        for (Object o : list(prometheus, "scrape_configs")) {
            Map<String, Object> job = cast(o);
            for (Object sc :
                    job.containsKey("static_configs") ? list(job, "static_configs") : List.of()) {
                for (String target : strings(cast(sc), "targets")) {
                    assertThat(target).endsWith(":" + PROMETHEUS_PORT);
                    scraped.add(target.substring(0, target.indexOf(':')));
                }
            }
            for (Object sd :
                    job.containsKey("dns_sd_configs") ? list(job, "dns_sd_configs") : List.of()) {
                Map<String, Object> discovery = cast(sd);
                assertThat(discovery.get("port")).isEqualTo(PROMETHEUS_PORT);
                scraped.addAll(strings(cast(sd), "names"));
            }
        }
        assertThat(scraped).containsExactlyInAnyOrder("jobmanager", "taskmanager");
        assertThat(services).containsKeys(scraped.toArray(String[]::new));
    }

    @Test
    void alertsHaveExpressionDurationSeverityAndAdvice() throws IOException {
        Map<String, Map<String, Object>> alerts = alertRules();

        assertThat(alerts).containsKeys(REQUIRED_ALERTS.toArray(String[]::new));
        alerts.forEach(
                (name, rule) -> {
                    assertThat(string(rule, "expr")).as(name).isNotBlank();
                    assertThat(string(rule, "for")).as(name).matches("\\d+[smh]");
                    assertThat(map(rule, "labels").get("severity"))
                            .as(name)
                            .isIn("warning", "critical");
                    Map<String, Object> annotations = map(rule, "annotations");
                    assertThat(string(annotations, "summary")).as(name).isNotBlank();
                    assertThat(string(annotations, "description"))
                            .as("%s says what it means and what to do", name)
                            .hasSizeGreaterThan(80);
                });
        assertThat(Files.readString(DOCKER.resolve("README.md")))
                .as("docker/README.md explains every alert")
                .contains(alerts.keySet());
    }

    @Test
    void promtoolAcceptsTheConfigAndTheRules() throws Exception {
        assumeTrue(
                onPath("promtool"), "promtool is not installed (Debian: apt install prometheus)");

        promtool("check", "rules", ALERTS.toString());
        promtool("check", "config", PROMETHEUS.toString());
        if (Files.exists(ALERT_TESTS)) {
            promtool("test", "rules", ALERT_TESTS.toString());
        }
    }

    // ---------------------------------------------------------------- grafana

    @Test
    void grafanaProvisionsThePrometheusDataSourceAndTheDashboard() throws IOException {
        Map<String, Object> grafana = map(map(yaml(COMPOSE), "services"), "grafana");
        Map<String, String> mounts = new LinkedHashMap<>();
        for (String volume : strings(grafana, "volumes")) {
            String[] parts = volume.split(":");
            mounts.put(parts[0], parts[1]);
        }

        Path datasources = DOCKER.resolve("grafana/provisioning/datasources");
        Map<String, Object> datasource =
                cast(list(yaml(onlyYaml(datasources)), "datasources").get(0));
        assertThat(datasource).containsEntry("type", "prometheus");
        assertThat(string(datasource, "url")).isEqualTo("http://prometheus:9090");
        assertThat(mounts)
                .containsEntry(
                        "./grafana/provisioning/datasources",
                        "/etc/grafana/provisioning/datasources");

        Path providers = DOCKER.resolve("grafana/provisioning/dashboards");
        Map<String, Object> provider = cast(list(yaml(onlyYaml(providers)), "providers").get(0));
        assertThat(mounts)
                .containsEntry(
                        "./grafana/provisioning/dashboards",
                        "/etc/grafana/provisioning/dashboards");
        assertThat(mounts)
                .as("the provider's path is where the dashboards are mounted")
                .containsEntry("./grafana/dashboards", string(map(provider, "options"), "path"));

        JsonNode dashboard = dashboard();
        String uid = string(datasource, "uid");
        for (JsonNode panel : panels(dashboard)) {
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("panel '%s' uses the provisioned data source", panel.path("title").asText())
                    .isEqualTo(uid);
        }
    }

    @Test
    void dashboardHasThePanelsOperatorsNeed() throws IOException {
        Map<String, List<String>> panels = new LinkedHashMap<>();
        for (JsonNode panel : panels(dashboard())) {
            panels.put(panel.path("title").asText(), expressions(panel));
        }

        REQUIRED_PANELS.forEach(
                (title, metrics) -> {
                    assertThat(panels).as("panel '%s'", title).containsKey(title);
                    String queries = String.join("\n", panels.get(title));
                    for (String metric : metrics) {
                        assertThat(queries)
                                .as("panel '%s'", title)
                                .containsPattern("_" + metric + "\\b");
                    }
                });
        assertThat(String.join("\n", panels.get("Search latency")))
                .contains("quantile=\"0.5\"", "quantile=\"0.99\"");
        assertThat(String.join("\n", panels.get("Query latency (end to end)")))
                .contains("quantile=\"0.5\"", "quantile=\"0.99\"");
    }

    // ---------------------------------------------------------------- metric names

    @Test
    void operatorSourcesRegisterTheDocumentedMetrics() {
        // Guards the scanner itself: if it finds nothing, every name check below is void.
        assertThat(registeredMetrics())
                .containsEntry(
                        operatorMetric("vectorstream_vectorsIndexed"),
                        RegisteredMetrics.Kind.COUNTER)
                .containsEntry(
                        operatorMetric("vectorstream_searchLatencyMicros"),
                        RegisteredMetrics.Kind.HISTOGRAM)
                .containsKey(operatorMetric("vectorstream_memoryBytes"))
                // a key/value group chain: labels collection and shard
                .containsKey(operatorMetric("vectorstream_collection_shard_liveVectors"));
    }

    @Test
    void dashboardQueriesOnlyMetricsThatExist() throws IOException {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard())) {
            queries.addAll(expressions(panel));
        }
        assertThat(queries).isNotEmpty();
        assertKnownMetrics("dashboard", queries);
    }

    @Test
    void alertsQueryOnlyMetricsThatExist() throws IOException {
        List<String> queries = new ArrayList<>();
        alertRules().values().forEach(rule -> queries.add(string(rule, "expr")));
        assertKnownMetrics("alerts.yml", queries);
    }

    @Test
    void queriesSelectTheJobAndItsSourceByTheirRealNames() throws IOException {
        String job =
                Files.readString(
                        ROOT.resolve(
                                "jobs/src/main/java/" + JOB_CLASS.replace('.', '/') + ".java"));
        Matcher execute = Pattern.compile("execute\\(\\s*\"([^\"]+)\"\\s*\\)").matcher(job);
        assertThat(execute.find()).as("VectorStreamJob names its job").isTrue();
        String jobName = execute.group(1);

        List<String> queries = new ArrayList<>();
        alertRules().values().forEach(rule -> queries.add(string(rule, "expr")));
        Matcher selected =
                Pattern.compile("job_name=\"([^\"$]+)\"").matcher(String.join("\n", queries));
        while (selected.find()) {
            assertThat(selected.group(1))
                    .as("alerts select the job by its name")
                    .isEqualTo(jobName);
        }
        assertThat(dashboard().at("/templating/list/0/current/value").asText())
                .as("the dashboard shows the job by default")
                .isEqualTo(jobName);

        // The Kafka backlog is read from the vectors source, selected by a pattern on its name.
        Matcher source =
                Pattern.compile("operator_name=~\"([^\"]+)\"").matcher(Files.readString(ALERTS));
        assertThat(source.find()).isTrue();
        assertThat(job).contains("\"vectors-source\"");
        assertThat("Source:_vectors_source").matches(source.group(1));
        assertThat("vectors-source").matches(source.group(1));
    }

    private static void assertKnownMetrics(String where, List<String> queries) {
        Set<String> known =
                new HashSet<>(RegisteredMetrics.exportedNames(registeredMetrics()).keySet());
        known.addAll(flinkBuiltInMetrics());
        for (String query : queries) {
            Matcher m = METRIC_NAME.matcher(query);
            boolean flinkMetric = false;
            while (m.find()) {
                flinkMetric = true;
                assertThat(known)
                        .as(
                                "%s queries %s, which neither the job's operators (their"
                                        + " getMetricGroup() registrations) nor Flink register",
                                where, m.group())
                        .contains(m.group());
            }
            if (!flinkMetric) {
                // Prometheus' own scrape health is the only other series the files may use.
                assertThat(query).as("%s query names a metric", where).containsPattern("\\bup\\{");
            }
        }
    }

    /** Flink's own metrics the files use, built from Flink's constants where it has them. */
    private static Set<String> flinkBuiltInMetrics() {
        String job = "flink_jobmanager_job_";
        Set<String> names = new TreeSet<>();
        names.add(job + MetricNames.NUM_RESTARTS);
        names.add(job + StateTimeMetric.getStateMetricName("running"));
        for (String field :
                List.of(
                        "LATEST_COMPLETED_CHECKPOINT_DURATION_METRIC",
                        "LATEST_COMPLETED_CHECKPOINT_SIZE_METRIC",
                        "LATEST_COMPLETED_CHECKPOINT_FULL_SIZE_METRIC",
                        "NUMBER_OF_FAILED_CHECKPOINTS_METRIC")) {
            names.add(job + checkpointMetricName(field));
        }
        names.add(RegisteredMetrics.OPERATOR_SCOPE + MetricNames.PENDING_RECORDS);
        names.add("flink_taskmanager_Status_JVM_Memory_Heap_" + MetricNames.MEMORY_USED);
        names.add("flink_taskmanager_Status_JVM_Memory_Heap_" + MetricNames.MEMORY_MAX);
        return names;
    }

    private static String checkpointMetricName(String field) {
        try {
            Field f =
                    Class.forName(
                                    "org.apache.flink.runtime.checkpoint.DefaultCheckpointStatsTracker")
                            .getDeclaredField(field);
            f.setAccessible(true);
            return (String) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("Flink no longer has checkpoint metric " + field, e);
        }
    }

    private static Map<String, RegisteredMetrics.Kind> registeredMetrics() {
        return RegisteredMetrics.scan(
                ROOT.resolve("operators/src/main/java"), ROOT.resolve("jobs/src/main/java"));
    }

    private static String operatorMetric(String name) {
        return RegisteredMetrics.OPERATOR_SCOPE + name;
    }

    private static Map<String, List<String>> requiredPanels() {
        Map<String, List<String>> panels = new LinkedHashMap<>();
        panels.put("Ingest rate", List.of("vectorsIndexed"));
        panels.put("Live vectors", List.of("liveVectors"));
        panels.put("Index memory", List.of("memoryBytes"));
        panels.put("Search latency", List.of("searchLatencyMicros"));
        panels.put("Query latency (end to end)", List.of("queryLatencyMs"));
        panels.put("Incomplete answers", List.of("queriesIncomplete"));
        panels.put("Rejected records (DLQ)", List.of("recordsRejected"));
        panels.put("Checkpoint duration", List.of("lastCheckpointDuration"));
        panels.put("Checkpoint size", List.of("lastCheckpointSize"));
        return panels;
    }

    // ---------------------------------------------------------------- helpers

    private static Set<String> vectorStreamOptionKeys() {
        Set<String> keys = new TreeSet<>();
        for (Field f : VectorStreamOptions.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers())
                    && ConfigOption.class.isAssignableFrom(f.getType())) {
                try {
                    keys.add(((ConfigOption<?>) f.get(null)).key());
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return keys;
    }

    private static List<String> kafkaAdvertisedListeners(Map<String, Object> services) {
        String listeners =
                string(map(map(services, "kafka"), "environment"), "KAFKA_ADVERTISED_LISTENERS");
        return Arrays.stream(listeners.split(","))
                .map(l -> l.substring(l.indexOf("//") + 2))
                .toList();
    }

    /**
     * FLINK_PROPERTIES as the Flink image's entrypoint reads it: one {@code key: value} per line,
     * split at the first colon.
     */
    private static Map<String, String> flinkProperties(Map<String, Object> service) {
        String text = string(map(service, "environment"), "FLINK_PROPERTIES");
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            assertThat(line)
                    .as("FLINK_PROPERTIES has no comments")
                    .doesNotStartWith("#")
                    .contains(":");
            String key = line.substring(0, line.indexOf(':')).trim();
            assertThat(out).as("FLINK_PROPERTIES sets %s once", key).doesNotContainKey(key);
            out.put(key, line.substring(line.indexOf(':') + 1).trim());
        }
        return out;
    }

    /** A value of Flink's nested config.yaml by dotted path; {@code \\.} is a literal dot. */
    private static Object nested(Map<String, Object> config, String path) {
        Object node = config;
        for (String part : path.split("(?<!\\\\)\\.")) {
            String key = part.replace("\\.", ".");
            assertThat(node).as("config/config.yaml has %s", path).isInstanceOf(Map.class);
            Map<String, Object> m = cast(node);
            // Flink also accepts flat keys inside a nested map ("fixed-delay: {attempts: ..}").
            node = m.get(key);
        }
        return node;
    }

    private static String dir(String uri) {
        return uri.substring(0, uri.lastIndexOf('/') + 1);
    }

    private static String volumeMountedAt(Map<String, Object> service, String target) {
        for (String volume : strings(service, "volumes")) {
            String[] parts = volume.split(":");
            if (parts[1].equals(target)) {
                return parts[0];
            }
        }
        return null;
    }

    private static List<String> ports(Map<String, Object> services, String service) {
        return strings(map(services, service), "ports");
    }

    private static Map<String, Map<String, Object>> alertRules() throws IOException {
        Map<String, Map<String, Object>> alerts = new LinkedHashMap<>();
        for (Object group : list(yaml(ALERTS), "groups")) {
            for (Object r : list(cast(group), "rules")) {
                Map<String, Object> rule = cast(r);
                String name = string(rule, "alert");
                assertThat(alerts).as("alert %s is defined once", name).doesNotContainKey(name);
                alerts.put(name, rule);
            }
        }
        return alerts;
    }

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** The dashboard's panels that query data (rows excluded, nested row panels included). */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                panel.path("panels").forEach(out::add);
            } else {
                out.add(panel);
            }
        }
        assertThat(out).as("dashboard panels").isNotEmpty();
        return out;
    }

    private static List<String> expressions(JsonNode panel) {
        List<String> out = new ArrayList<>();
        for (JsonNode target : panel.path("targets")) {
            out.add(target.path("expr").asText());
        }
        assertThat(out)
                .as("panel '%s' queries Prometheus", panel.path("title").asText())
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e).isNotBlank());
        return out;
    }

    private static Path onlyYaml(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> yamls =
                    files.filter(
                                    f ->
                                            f.toString().endsWith(".yml")
                                                    || f.toString().endsWith(".yaml"))
                            .toList();
            assertThat(yamls).as("YAML files in %s", dir).hasSize(1);
            return yamls.get(0);
        }
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        Object doc =
                new Load(LoadSettings.builder().setLabel(file.toString()).build())
                        .loadFromString(Files.readString(file));
        assertThat(doc).as("%s is a YAML mapping", file).isInstanceOf(Map.class);
        return cast(doc);
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        assertThat(m).containsKey(key);
        assertThat(m.get(key)).as(key).isInstanceOf(Map.class);
        return cast(m.get(key));
    }

    private static List<Object> list(Map<String, Object> m, String key) {
        assertThat(m.get(key)).as(key).isInstanceOf(List.class);
        return cast(m.get(key));
    }

    private static List<String> strings(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof String s) {
            return List.of(s);
        }
        assertThat(v).as(key).isInstanceOf(List.class);
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) v) {
            out.add(String.valueOf(o));
        }
        return out;
    }

    private static String string(Map<String, Object> m, String key) {
        assertThat(m).containsKey(key);
        return String.valueOf(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object o) {
        return (T) o;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null
                && Arrays.stream(path.split(File.pathSeparator))
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static void promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as("%s:%n%s", String.join(" ", command), output).isZero();
    }
}
