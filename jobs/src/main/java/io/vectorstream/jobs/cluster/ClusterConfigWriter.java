package io.vectorstream.jobs.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * Writes the {@code config.yaml} of a cluster started by {@code jobs/cluster.sh}: the project's
 * {@code config/config.yaml} with the cluster's own settings (ports, memory, directories) laid over
 * it, parsed and written back by Flink itself, so an override replaces a nested key instead of
 * appearing twice in the file.
 *
 * <p>usage: {@code ClusterConfigWriter <base config dir> <output dir> [key=value ...]}
 */
public final class ClusterConfigWriter {

    private ClusterConfigWriter() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(
                    "usage: ClusterConfigWriter <base config dir> <output dir> [key=value ...]");
        }
        Path base = Paths.get(args[0]);
        Path out = Paths.get(args[1]);
        if (!Files.isRegularFile(base.resolve(GlobalConfiguration.FLINK_CONF_FILENAME))) {
            throw new IllegalArgumentException(
                    "no "
                            + GlobalConfiguration.FLINK_CONF_FILENAME
                            + " in "
                            + base.toAbsolutePath());
        }
        Configuration conf = GlobalConfiguration.loadConfiguration(base.toString());
        List<String> overrides = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected key=value, got '" + args[i] + "'");
            }
            conf.setString(args[i].substring(0, eq), args[i].substring(eq + 1));
            overrides.add(args[i].substring(0, eq));
        }
        List<String> lines = new ArrayList<>();
        lines.add("# Written by jobs/cluster.sh from " + base.toAbsolutePath() + "/config.yaml;");
        lines.add("# the cluster's own settings: " + String.join(", ", overrides));
        lines.addAll(ConfigurationUtils.convertConfigToWritableLines(conf, false));
        Files.createDirectories(out);
        Files.write(out.resolve(GlobalConfiguration.FLINK_CONF_FILENAME), lines);
    }
}
