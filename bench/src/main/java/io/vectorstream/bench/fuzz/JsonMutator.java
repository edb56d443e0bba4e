package io.vectorstream.bench.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Mutations that know JSON: character edits, values of the wrong type, huge numbers, deep nesting,
 * NaN and infinities, and bad text (invalid UTF-8, lone surrogates, control characters, duplicate
 * keys, documents that are not objects). Structured mutations parse the valid seed, put a
 * placeholder string where the new value goes, write it back and splice the raw text in, so the
 * result can be anything, including JSON no serializer would write.
 */
final class JsonMutator {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PLACEHOLDER = "@@fuzz@@";

    private static final String[] WRONG_TYPES = {
        "\"x\"",
        "\"\"",
        "0",
        "-1",
        "1.5",
        "true",
        "false",
        "null",
        "[]",
        "{}",
        "[1,2,3]",
        "{\"a\":1}",
        "[\"a\",null]",
        "\"[1,2]\"",
        "\"{}\""
    };

    private static final String[] HUGE_NUMBERS = {
        "1e400",
        "-1e400",
        "1e-400",
        "123456789012345678901234567890",
        "9223372036854775808",
        "-9223372036854775809",
        "2147483648",
        "-2147483649",
        "4294967296",
        "1E+2147483648",
        "-0",
        "0.000000000000000000000000000000000000000000001",
        "3.4028236e38"
    };

    private static final String[] NON_FINITE = {
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "+1",
        ".5",
        "01",
        "0x10",
        "1e",
        "-",
        "\"NaN\"",
        "\"Infinity\"",
        "\"-Infinity\"",
        "\"1.0\""
    };

    private static final int[] DEPTHS = {64, 999, 1_000, 1_001, 2_000, 5_000, 8_000, 50_000};

    private JsonMutator() {}

    static Mutation apply(MutationClass c, byte[] v, SplittableRandom rnd) {
        return switch (c) {
            case JSON_EDIT -> edit(v, rnd);
            case JSON_WRONG_TYPE -> {
                String raw = WRONG_TYPES[rnd.nextInt(WRONG_TYPES.length)];
                yield atRandomSlot(v, raw, "wrong type", rnd);
            }
            case JSON_HUGE_NUMBER -> {
                String raw =
                        rnd.nextInt(5) == 0
                                ? "1" + "0".repeat(500 + rnd.nextInt(5_000))
                                : HUGE_NUMBERS[rnd.nextInt(HUGE_NUMBERS.length)];
                yield atRandomSlot(v, raw, "huge number", rnd);
            }
            case JSON_DEEP_NESTING -> deepNesting(v, rnd);
            case JSON_NAN -> {
                String raw = NON_FINITE[rnd.nextInt(NON_FINITE.length)];
                yield atRandomSlot(v, raw, "non-finite number", rnd);
            }
            case JSON_BAD_TEXT -> badText(v, rnd);
            default -> throw new IllegalArgumentException(c + " is not a JSON class");
        };
    }

    /** Deletes, duplicates, swaps or inserts characters. */
    static Mutation edit(byte[] v, SplittableRandom rnd) {
        StringBuilder s = new StringBuilder(new String(v, StandardCharsets.UTF_8));
        if (s.length() == 0) {
            return new Mutation("inserted '{'", new byte[] {'{'});
        }
        int at = rnd.nextInt(s.length());
        String what;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                int n = Math.min(1 + rnd.nextInt(4), s.length() - at);
                what = "deleted " + n + " char(s) at " + at;
                s.delete(at, at + n);
            }
            case 1 -> {
                int n = Math.min(1 + rnd.nextInt(32), s.length() - at);
                what = "duplicated " + n + " char(s) at " + at;
                s.insert(at, s.substring(at, at + n));
            }
            case 2 -> {
                int other = rnd.nextInt(s.length());
                char c = s.charAt(at);
                s.setCharAt(at, s.charAt(other));
                s.setCharAt(other, c);
                what = "swapped chars " + at + " and " + other;
            }
            default -> {
                String syntax = "{}[],:\"\\ 0-e";
                char c = syntax.charAt(rnd.nextInt(syntax.length()));
                what = "inserted '" + c + "' at " + at;
                s.insert(at, c);
            }
        }
        return new Mutation(what, s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Text nested {@code depth} levels: arrays, objects, or filters (an operator per level). */
    static Mutation deepNesting(byte[] v, SplittableRandom rnd) {
        int depth = DEPTHS[rnd.nextInt(DEPTHS.length)];
        int form = rnd.nextInt(3);
        String open = form == 0 ? "[" : form == 1 ? "{\"a\":" : "{\"not\":";
        String inner = form == 0 ? "1" : form == 1 ? "1" : "{\"exists\":\"lang\"}";
        String close = form == 0 ? "]" : "}";
        String nested = open.repeat(depth) + inner + close.repeat(depth);
        String shape = form == 0 ? "arrays" : form == 1 ? "objects" : "not-filters";
        ObjectNode o = parse(v);
        int where = rnd.nextInt(4);
        if (where == 0) {
            // The whole document one level down, as many times: not an object any more.
            String doc = new String(v, StandardCharsets.UTF_8);
            return new Mutation(
                    "document wrapped in " + depth + " arrays",
                    ("[".repeat(depth) + doc + "]".repeat(depth)).getBytes(StandardCharsets.UTF_8));
        }
        if (where == 1 && o != null && o.has("queryId")) {
            // The job's own filter parser reads a filter given as a string.
            o.put("filter", nested);
            return new Mutation("filter string of " + depth + " nested " + shape, write(o));
        }
        return atRandomSlot(v, nested, depth + " nested " + shape, rnd);
    }

    /** Invalid UTF-8, lone surrogates, control characters, duplicate keys, non-object documents. */
    static Mutation badText(byte[] v, SplittableRandom rnd) {
        String doc = new String(v, StandardCharsets.UTF_8);
        switch (rnd.nextInt(8)) {
            case 0 -> {
                byte[][] bad = {
                    {(byte) 0xC3, 0x28},
                    {(byte) 0xFF},
                    {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    {(byte) 0xC0, (byte) 0xAF},
                    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                    {(byte) 0xE2, (byte) 0x82}
                };
                byte[] b = bad[rnd.nextInt(bad.length)];
                int at = utf8(doc.substring(0, insideString(doc, rnd))).length;
                byte[] out = new byte[v.length + b.length];
                System.arraycopy(v, 0, out, 0, at);
                System.arraycopy(b, 0, out, at, b.length);
                System.arraycopy(v, at, out, at + b.length, v.length - at);
                return new Mutation("invalid UTF-8 inserted at byte " + at, out);
            }
            case 1 -> {
                String[] escapes = {"\\ud800", "\\udfff", "\\ud800\\ud800", "\\u0000", "\\uZZZZ"};
                String e = escapes[rnd.nextInt(escapes.length)];
                int at = insideString(doc, rnd);
                return new Mutation(
                        "escape " + e + " inserted at " + at,
                        (doc.substring(0, at) + e + doc.substring(at))
                                .getBytes(StandardCharsets.UTF_8));
            }
            case 2 -> {
                int at = insideString(doc, rnd);
                char c = (char) rnd.nextInt(0x20);
                return new Mutation(
                        "raw control char " + (int) c + " at " + at,
                        (doc.substring(0, at) + c + doc.substring(at))
                                .getBytes(StandardCharsets.UTF_8));
            }
            case 3 -> {
                // A second value for the first field, after the first one.
                ObjectNode o = parse(v);
                String field = o == null || o.size() == 0 ? "id" : o.fieldNames().next();
                String dup =
                        doc.substring(0, doc.lastIndexOf('}'))
                                + ",\""
                                + field
                                + "\":"
                                + WRONG_TYPES[rnd.nextInt(WRONG_TYPES.length)]
                                + "}";
                return new Mutation(
                        "duplicate key '" + field + "'", dup.getBytes(StandardCharsets.UTF_8));
            }
            case 4 -> {
                String[] docs = {
                    "[" + doc + "]",
                    "null",
                    "\"" + doc.replace("\"", "'") + "\"",
                    "42",
                    "{}",
                    "{\"unknown\":1}",
                    "",
                    " ",
                    "\uFEFF" + doc,
                    doc + doc,
                    doc + "}"
                };
                int i = rnd.nextInt(docs.length);
                return new Mutation(
                        "document replaced by variant " + i,
                        docs[i].getBytes(StandardCharsets.UTF_8));
            }
            case 5 -> {
                int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 60_000);
                return new Mutation(
                        n + " whitespace chars before the document",
                        (" \t\r\n".repeat(n / 4 + 1).substring(0, n) + doc)
                                .getBytes(StandardCharsets.UTF_8));
            }
            case 6 -> {
                // A field name that is not a string, or a key without a value.
                String[] breaks = {"{1:2,", "{\"k\",", "{\"k\"::1,", "{,"};
                String b = breaks[rnd.nextInt(breaks.length)];
                return new Mutation(
                        "object opened as " + b,
                        (b + doc.substring(1)).getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                String big = "\u00e9\u4e2d\ud83d\ude00".repeat(1 + rnd.nextInt(2_000));
                return atRandomSlot(v, "\"" + big + "\"", "long non-ASCII string", rnd);
            }
        }
    }

    /**
     * {@code raw} as the value of a random slot: a top-level field (present or new), an element of
     * an array, or a value inside an object field (metadata, filter).
     */
    static Mutation atRandomSlot(byte[] v, String raw, String what, SplittableRandom rnd) {
        ObjectNode o = parse(v);
        if (o == null) {
            return new Mutation(what + " as the whole document", utf8(raw));
        }
        List<String> names = new ArrayList<>();
        List<Consumer<JsonNode>> slots = new ArrayList<>();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode value = o.get(name);
            names.add(name);
            slots.add(n -> o.set(name, n));
            if (value instanceof ArrayNode a && a.size() > 0) {
                int i = rnd.nextInt(a.size());
                names.add(name + "[" + i + "]");
                slots.add(n -> a.set(i, n));
            } else if (value instanceof ObjectNode inner && inner.size() > 0) {
                String key = inner.fieldNames().next();
                names.add(name + "." + key);
                slots.add(n -> inner.set(key, n));
            }
        }
        names.add("a new field");
        slots.add(n -> o.set("fuzz", n));
        int pick = rnd.nextInt(slots.size());
        slots.get(pick).accept(NODES.textNode(PLACEHOLDER));
        String text = new String(write(o), StandardCharsets.UTF_8);
        String out = text.replace("\"" + PLACEHOLDER + "\"", raw);
        return new Mutation(what + " " + abbreviate(raw) + " at " + names.get(pick), utf8(out));
    }

    /** A position just after an opening quote, else anywhere. */
    private static int insideString(String doc, SplittableRandom rnd) {
        int from = rnd.nextInt(Math.max(1, doc.length()));
        int q = doc.indexOf('"', from);
        return q < 0 ? doc.length() : q + 1;
    }

    private static ObjectNode parse(byte[] v) {
        try {
            return JSON.readTree(v) instanceof ObjectNode o ? o : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] write(ObjectNode o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 30) + "...(" + s.length() + " chars)";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
