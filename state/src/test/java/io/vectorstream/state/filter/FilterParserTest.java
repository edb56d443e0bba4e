package io.vectorstream.state.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The filter language: every operator, nesting, matching, and bad inputs with clear messages. */
class FilterParserTest {

    private static final Map<String, String> DOC =
            Map.of("lang", "en", "year", "2021", "price", "9.5", "flag", "true", "n", "3");

    @Test
    void parsesEveryOperator() {
        assertThat(parse("{\"eq\": {\"lang\": \"en\"}}")).isEqualTo(new Filter.Eq("lang", "en"));
        assertThat(parse("{\"in\": {\"lang\": [\"en\", \"fr\", \"en\"]}}"))
                .isEqualTo(new Filter.In("lang", Set.of("en", "fr")));
        assertThat(parse("{\"range\": {\"year\": {\"gte\": 2020, \"lt\": 2.5e3}}}"))
                .isEqualTo(new Filter.Range("year", 2020, true, 2500, false));
        assertThat(parse("{\"range\": {\"year\": {\"gt\": -1}}}"))
                .isEqualTo(new Filter.Range("year", -1, false, Double.POSITIVE_INFINITY, false));
        assertThat(parse("{\"exists\": \"lang\"}")).isEqualTo(new Filter.Exists("lang"));
        assertThat(parse("{\"not\": {\"exists\": \"x\"}}"))
                .isEqualTo(new Filter.Not(new Filter.Exists("x")));
        assertThat(parse("{\"and\": [{\"exists\": \"a\"}, {\"exists\": \"b\"}]}"))
                .isEqualTo(new Filter.And(List.of(new Filter.Exists("a"), new Filter.Exists("b"))));
        assertThat(parse("{\"or\": [{\"exists\": \"a\"}]}"))
                .isEqualTo(new Filter.Or(List.of(new Filter.Exists("a"))));
    }

    @Test
    void numbersAndBooleansInEqAndInAreComparedAsTheirJsonText() {
        assertThat(parse("{\"eq\": {\"n\": 3}}").matches(DOC)).isTrue();
        assertThat(parse("{\"eq\": {\"n\": 3.0}}").matches(DOC)).isFalse();
        assertThat(parse("{\"eq\": {\"flag\": true}}").matches(DOC)).isTrue();
        assertThat(parse("{\"in\": {\"year\": [2020, 2021]}}").matches(DOC)).isTrue();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"eq\": {\"lang\": \"en\"}}                                  | true",
                "{\"eq\": {\"lang\": \"EN\"}}                                  | false",
                "{\"eq\": {\"missing\": \"en\"}}                               | false",
                "{\"in\": {\"lang\": [\"fr\", \"en\"]}}                        | true",
                "{\"in\": {\"lang\": [\"fr\"]}}                                | false",
                "{\"range\": {\"price\": {\"gt\": 9, \"lte\": 9.5}}}           | true",
                "{\"range\": {\"price\": {\"lt\": 9.5}}}                       | false",
                "{\"range\": {\"year\": {\"gte\": 2021}}}                      | true",
                "{\"range\": {\"lang\": {\"gte\": 0}}}                         | false",
                "{\"range\": {\"missing\": {\"gte\": 0}}}                      | false",
                "{\"exists\": \"lang\"}                                        | true",
                "{\"exists\": \"missing\"}                                     | false",
                "{\"not\": {\"exists\": \"missing\"}}                          | true",
                "{\"not\": {\"eq\": {\"missing\": \"x\"}}}                     | true",
                "{\"and\": [{\"exists\": \"lang\"}, {\"eq\": {\"n\": \"3\"}}]}  | true",
                "{\"and\": [{\"exists\": \"lang\"}, {\"eq\": {\"n\": \"4\"}}]}  | false",
                "{\"or\": [{\"exists\": \"nope\"}, {\"eq\": {\"n\": \"3\"}}]}   | true",
                "{\"or\": [{\"exists\": \"nope\"}, {\"eq\": {\"n\": \"4\"}}]}   | false",
                "{\"and\": [{\"or\": [{\"eq\": {\"lang\": \"fr\"}}, {\"not\": {\"range\":"
                        + " {\"year\": {\"lt\": 2000}}}}]}, {\"in\": {\"flag\": [true]}}]} | true",
            })
    void matchesEvaluatesTheTree(String json, boolean expected) {
        assertThat(parse(json).matches(DOC)).isEqualTo(expected);
    }

    @Test
    void rangeReadsOnlyJsonNumbers() {
        Filter positive = parse("{\"range\": {\"x\": {\"gt\": 0}}}");
        for (String number : new String[] {"1", "0.5", "1e3", "2E-1", "123456789012"}) {
            assertThat(positive.matches(Map.of("x", number))).as(number).isTrue();
        }
        for (String other :
                new String[] {
                    "", " 1", "+1", "1.", ".5", "0x10", "NaN", "Infinity", "1d", "01", "abc"
                }) {
            assertThat(positive.matches(Map.of("x", other))).as(other).isFalse();
        }
    }

    @Test
    void termsCountOperatorsAndInValues() {
        assertThat(parse("{\"in\": {\"a\": [\"1\", \"2\", \"3\"]}}").terms()).isEqualTo(4);
        assertThat(
                        parse("{\"and\": [{\"exists\": \"a\"}, {\"not\": {\"exists\": \"b\"}}]}")
                                .terms())
                .isEqualTo(4);
    }

    @Test
    void tooManyTermsIsTooLarge() {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < FilterParser.MAX_TERMS; i++) {
            values.append(i == 0 ? "" : ",").append('"').append(i).append('"');
        }
        String json = "{\"in\": {\"a\": [" + values + "]}}";
        assertThatThrownBy(() -> FilterParser.parse(json))
                .isInstanceOfSatisfying(
                        FilterException.class, e -> assertThat(e.tooLarge()).isTrue())
                .hasMessageContaining("257 terms")
                .hasMessageContaining("256");
        assertThat(FilterParser.parse(json, 257).terms()).isEqualTo(257);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                // Not JSON: the offset of the problem.
                "{\"eq\": {\"a\": \"b\"}                 | not valid JSON: expected ',' or '}' but"
                        + " found the end of the text at character 17",
                "{\"eq\": {\"a\": 'b'}}                  | unexpected ''' where a value was"
                        + " expected at character 13",
                "{\"eq\": {\"a\": \"b\"}} x              | unexpected 'x' after the filter at"
                        + " character 19",
                "{\"eq\": {\"a\": 01}}                   | malformed number 01 at character 13",
                "[\"a\", \"b\"                           | expected ',' or ']' but found the end of"
                        + " the text at character 9",
                "{\"eq\":                                 | the text ends where a value was"
                        + " expected at character 6",
                "{\"eq\": {\"a\": \"b\", \"a\": \"c\"}}  | duplicate key \"a\" at character 18",
                "{\"eq\": {\"a\": \"\\x\"}}              | bad escape \\x at character 14",
                "{\"eq\": {a: \"b\"}}                    | expected a quoted key but found 'a' at"
                        + " character 8",
                // JSON but not a filter: the path of the problem.
                "[]                                      | bad filter at $: expected a filter"
                        + " object",
                "{}                                      | bad filter at $: a filter object needs"
                        + " exactly one operator",
                "{\"eq\": {\"a\": \"b\"}, \"exists\": \"c\"} | combine them with and",
                "{\"equals\": {\"a\": \"b\"}}            | bad filter at $: unknown operator"
                        + " \"equals\"; use eq, in, range",
                "{\"eq\": {\"a\": null}}                 | bad filter at $.eq.a: expected a string,"
                        + " number or boolean, got null",
                "{\"eq\": {\"a\": \"b\", \"c\": \"d\"}}  | bad filter at $.eq: expected an object"
                        + " with one field",
                "{\"eq\": \"a\"}                         | bad filter at $.eq: expected an object"
                        + " with one field",
                "{\"in\": {\"a\": \"b\"}}                | bad filter at $.in.a: expected a list of"
                        + " values, got a string",
                "{\"in\": {\"a\": []}}                   | bad filter at $.in.a: the list is empty",
                "{\"in\": {\"a\": [\"b\", {}]}}          | bad filter at $.in.a[1]: expected a"
                        + " string, number or boolean, got an object",
                "{\"range\": {\"a\": {}}}                | bad filter at $.range.a: expected an"
                        + " object of bounds",
                "{\"range\": {\"a\": {\"gt\": \"1\"}}}   | bad filter at $.range.a.gt: expected a"
                        + " number, got a string",
                "{\"range\": {\"a\": {\"gt\": 1, \"gte\": 2}}} | bad filter at $.range.a: give at"
                        + " most one of gt and gte",
                "{\"range\": {\"a\": {\"lt\": 1, \"lte\": 2}}} | bad filter at $.range.a: give at"
                        + " most one of lt and lte",
                "{\"range\": {\"a\": {\"above\": 1}}}    | bad filter at $.range.a.above: unknown"
                        + " bound",
                "{\"range\": {\"a\": {\"gt\": 1e999}}}   | bad filter at $.range.a.gt: number 1e999"
                        + " is out of range",
                "{\"exists\": [\"a\"]}                   | bad filter at $.exists: expected a field"
                        + " name, got a list",
                "{\"and\": {\"exists\": \"a\"}}          | bad filter at $.and: expected a list of"
                        + " filters, got an object",
                "{\"or\": []}                            | bad filter at $.or: expected at least"
                        + " one filter",
                "{\"and\": [{\"exists\": \"a\"}, {\"not\": {\"eq\": 1}}]} | bad filter at"
                        + " $.and[1].not.eq: expected an object with one field",
                "{\"not\": \"a\"}                        | bad filter at $.not: expected a filter"
                        + " object",
            })
    void badFiltersAreRejectedSayingWhatAndWhere(String json, String message) {
        assertThatThrownBy(() -> FilterParser.parse(json))
                .isInstanceOfSatisfying(
                        FilterException.class, e -> assertThat(e.tooLarge()).isFalse())
                .hasMessageContaining(message);
    }

    @Test
    void emptyAndDeeplyNestedTextsAreRejected() {
        assertThatThrownBy(() -> FilterParser.parse(" "))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("empty");
        String deep = "{\"not\": ".repeat(1000) + "{\"exists\": \"a\"}" + "}".repeat(1000);
        assertThatThrownBy(() -> FilterParser.parse(deep))
                .isInstanceOf(FilterException.class)
                .hasMessageContaining("nested deeper than 64");
    }

    @Test
    void stringEscapesAreDecoded() {
        Filter f = parse("{\"eq\": {\"t\\u00e9xt\": \"a\\\"b\\\\c\\n\\u65e5\"}}");
        assertThat(f).isEqualTo(new Filter.Eq("téxt", "a\"b\\c\n日"));
    }

    private static Filter parse(String json) {
        return FilterParser.parse(json);
    }
}
