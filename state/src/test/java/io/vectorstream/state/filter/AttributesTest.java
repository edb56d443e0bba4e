package io.vectorstream.state.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.state.format.CorruptIndexException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Column-wise evaluation agrees with {@link Filter#matches}; the columns round-trip. */
class AttributesTest {

    private static final String[] FILTERS = {
        "{\"eq\": {\"color\": \"red\"}}",
        "{\"eq\": {\"color\": \"purple\"}}",
        "{\"eq\": {\"nope\": \"red\"}}",
        "{\"in\": {\"size\": [1, 3, \"x\"]}}",
        "{\"range\": {\"size\": {\"gte\": 2, \"lt\": 4}}}",
        "{\"range\": {\"price\": {\"gt\": 0.25}}}",
        "{\"exists\": \"price\"}",
        "{\"not\": {\"eq\": {\"color\": \"red\"}}}",
        "{\"and\": [{\"exists\": \"price\"}, {\"not\": {\"in\": {\"color\": [\"red\","
                + " \"blue\"]}}}]}",
        "{\"or\": [{\"eq\": {\"color\": \"green\"}}, {\"range\": {\"size\": {\"lte\": 1}}}]}",
    };

    @Test
    void selectEqualsMatchesOnEveryRow() {
        List<Map<String, String>> rows = rows(500, 3);
        Attributes attributes = Attributes.of(rows);
        for (String json : FILTERS) {
            Filter filter = FilterParser.parse(json);
            BitSet expected = new BitSet();
            for (int i = 0; i < rows.size(); i++) {
                if (filter.matches(rows.get(i) == null ? Map.of() : rows.get(i))) {
                    expected.set(i);
                }
            }
            assertThat(attributes.select(filter)).as(json).isEqualTo(expected);
        }
    }

    @Test
    void rowsComeBackAndBytesRoundTrip() throws IOException {
        List<Map<String, String>> rows = rows(300, 5);
        Attributes attributes = Attributes.of(rows);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(attributes.row(i)).isEqualTo(rows.get(i) == null ? Map.of() : rows.get(i));
        }
        byte[] bytes = bytes(attributes);
        Attributes back = Attributes.read(input(bytes), 300);
        assertThat(back).isEqualTo(attributes);
        assertThat(bytes(back)).isEqualTo(bytes);
        assertThat(Attributes.none(4).select(FilterParser.parse("{\"not\": {\"exists\": \"a\"}}")))
                .isEqualTo(bits(0, 1, 2, 3));
    }

    @Test
    void allRowsAtOnceEqualEachRow() {
        List<Map<String, String>> rows = rows(300, 5);
        Attributes attributes = Attributes.of(rows);
        List<Map<String, String>> all = attributes.rows();
        assertThat(all).hasSize(300);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(all.get(i)).isEqualTo(attributes.row(i));
        }
        assertThat(Attributes.none(3).rows()).containsExactly(Map.of(), Map.of(), Map.of());
    }

    @Test
    void inconsistentBytesAreCorrupt() throws IOException {
        byte[] bytes = bytes(Attributes.of(List.of(Map.of("a", "x"), Map.of("a", "y"))));
        // Layout: keys=1, "a" (4+1), values=2, "x" (4+1), "y" (4+1), entries=2, (0,0), (1,1).
        assertThatThrownBy(() -> Attributes.read(input(bytes), 1))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("2 entries for 1 vectors");
        byte[] badCode = bytes.clone();
        badCode[badCode.length - 1] = 7;
        assertThatThrownBy(() -> Attributes.read(input(badCode), 2))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("entry 1");
        byte[] repeated = bytes.clone();
        repeated[4 + 5 + 4 + 5 + 4] = 'x'; // second value "y" -> "x"
        assertThatThrownBy(() -> Attributes.read(input(repeated), 2))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("repeats a value");
    }

    private static List<Map<String, String>> rows(int n, long seed) {
        Random random = new Random(seed);
        String[] colors = {"red", "green", "blue"};
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(10) == 0) {
                rows.add(i % 2 == 0 ? null : Map.of());
                continue;
            }
            Map<String, String> row = new HashMap<>();
            row.put("color", colors[random.nextInt(3)]);
            row.put("size", random.nextInt(5) == 0 ? "x" : String.valueOf(random.nextInt(5)));
            if (random.nextBoolean()) {
                row.put("price", String.valueOf(random.nextInt(100) / 100.0));
            }
            rows.add(row);
        }
        return rows;
    }

    private static BitSet bits(int... set) {
        BitSet bits = new BitSet();
        for (int i : set) {
            bits.set(i);
        }
        return bits;
    }

    private static byte[] bytes(Attributes attributes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        attributes.write(data);
        data.flush();
        return out.toByteArray();
    }

    private static DataInputStream input(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
