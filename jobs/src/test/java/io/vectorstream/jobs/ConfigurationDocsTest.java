package io.vectorstream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.VectorStreamOptions;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;

/**
 * Every {@link VectorStreamOptions} option is documented: a row of README's "Configuration" table
 * and a key of {@code config/config.yaml}, set there to its default.
 */
class ConfigurationDocsTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void everyOptionHasARowInTheReadmeConfigurationTable() throws IOException {
        // The pass-through prefix has its own row; theReadmeDocumentsTheKafkaClientSettingsPrefix.
        Set<String> documented =
                readmeKeys().stream()
                        .filter(k -> !k.startsWith(VectorStreamOptions.KAFKA_PROPERTIES_PREFIX))
                        .collect(Collectors.toSet());

        assertThat(documented).containsAll(optionKeys());
        assertThat(optionKeys())
                .as("README documents only options that exist")
                .containsAll(documented);
    }

    @Test
    void theReadmeDocumentsTheKafkaClientSettingsPrefix() throws IOException {
        assertThat(configurationSection())
                .contains("`" + VectorStreamOptions.KAFKA_PROPERTIES_PREFIX);
    }

    @Test
    void configYamlSetsEveryOptionToItsDefault() {
        // Loaded the way Flink loads it, nested keys flattened.
        Configuration conf =
                GlobalConfiguration.loadConfiguration(ROOT.resolve("config").toString());

        for (ConfigOption<?> option : options()) {
            assertThat(conf.containsKey(option.key())).as(option.key()).isTrue();
            assertThat((Object) conf.get(option)).as(option.key()).isEqualTo(option.defaultValue());
        }
        assertThat(conf.keySet())
                .filteredOn(k -> k.startsWith("vectorstream."))
                .as("config.yaml sets only options that exist")
                .containsExactlyInAnyOrderElementsOf(optionKeys());
    }

    @Test
    void configYamlShowsHowToSetKafkaSecurity() throws IOException {
        assertThat(Files.readString(ROOT.resolve("config/config.yaml")))
                .contains("properties:")
                .contains("security.protocol:")
                .contains("sasl.jaas.config:")
                .contains("ssl.truststore.password:");
    }

    private static List<ConfigOption<?>> options() {
        List<ConfigOption<?>> out = new ArrayList<>();
        for (Field f : VectorStreamOptions.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == ConfigOption.class) {
                try {
                    out.add((ConfigOption<?>) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertThat(out).as("options found by reflection").hasSizeGreaterThan(30);
        return out;
    }

    private static Set<String> optionKeys() {
        Set<String> keys = new LinkedHashSet<>();
        options().forEach(o -> keys.add(o.key()));
        return keys;
    }

    private static String configurationSection() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int start = readme.indexOf("\n## Configuration\n");
        assertThat(start).as("README has a Configuration section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    /**
     * The keys of the table's first column. A cell may list several keys, later ones abbreviated to
     * their last part: {@code `vectorstream.topics.vectors` / `.queries`}.
     */
    private static Set<String> readmeKeys() throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        Pattern code = Pattern.compile("`([^`]+)`");
        for (String line : configurationSection().split("\n")) {
            if (!line.startsWith("| `vectorstream.")) {
                continue;
            }
            String firstCell = line.substring(1, line.indexOf('|', 1));
            Matcher m = code.matcher(firstCell);
            String first = null;
            while (m.find()) {
                String key = m.group(1);
                if (first == null) {
                    first = key;
                } else if (key.startsWith(".")) {
                    key = first.substring(0, first.lastIndexOf('.')) + key;
                }
                keys.add(key);
            }
        }
        return keys;
    }
}
