package io.vectorstream.state.filter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FilterMatcherTest {

    private static final List<String> FILTERS =
            List.of(
                    "{\"range\": {\"n\": {\"gte\": 10, \"lt\": 50}}}",
                    "{\"not\": {\"range\": {\"n\": {\"gt\": 20}}}}",
                    "{\"and\": [{\"range\": {\"n\": {\"lte\": 70}}}, {\"eq\": {\"c\": \"a\"}}]}",
                    "{\"or\": [{\"range\": {\"x\": {\"gt\": 0.5}}}, {\"in\": {\"c\": [\"b\","
                            + " \"c\"]}}]}",
                    "{\"and\": [{\"exists\": \"x\"}, {\"not\": {\"range\": {\"n\": {\"lt\":"
                            + " 5}}}}]}");

    @Test
    void agreesWithFilterMatchesOnEveryVector() {
        Random rnd = new Random(7);
        List<Map<String, String>> rows = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            Map<String, String> m = new HashMap<>();
            if (rnd.nextInt(10) > 0) {
                // Repeating numbers, some not numbers at all, and distinct values beyond the memo.
                m.put("n", rnd.nextInt(8) == 0 ? "n/a" : String.valueOf(rnd.nextInt(100)));
            }
            if (rnd.nextBoolean()) {
                m.put("x", String.valueOf(rnd.nextDouble()));
            }
            m.put("c", String.valueOf((char) ('a' + rnd.nextInt(4))));
            rows.add(Map.copyOf(m));
        }
        for (String json : FILTERS) {
            Filter filter = FilterParser.parse(json);
            FilterMatcher matcher = new FilterMatcher(filter);
            int matched = 0;
            for (Map<String, String> row : rows) {
                boolean expected = filter.matches(row);
                assertThat(matcher.matches(row)).as("%s on %s", json, row).isEqualTo(expected);
                matched += expected ? 1 : 0;
            }
            assertThat(matched).as("%s matches some but not all rows", json).isBetween(1, 19_999);
        }
    }
}
