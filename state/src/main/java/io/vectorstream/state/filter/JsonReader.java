package io.vectorstream.state.filter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader (RFC 8259) for filter texts: objects become {@link LinkedHashMap}s,
 * arrays {@link ArrayList}s, strings {@link String}s, numbers {@link Number}s holding their text,
 * {@code true}/{@code false} {@link Boolean}s and {@code null} {@link #NULL}. Duplicate keys,
 * trailing content and nesting deeper than {@link #MAX_DEPTH} are errors, reported with the
 * character offset. Not thread-safe; one instance per text.
 */
final class JsonReader {

    /** Deeper nesting is refused before it can exhaust the stack. */
    static final int MAX_DEPTH = 64;

    /** JSON {@code null}. */
    static final Object NULL =
            new Object() {
                @Override
                public String toString() {
                    return "null";
                }
            };

    /** A JSON number, kept as its text. */
    record Number(String text) {}

    private final String s;
    private int pos;

    private JsonReader(String s) {
        this.s = s;
    }

    /** The value of the whole of {@code text}. */
    static Object read(String text) {
        JsonReader r = new JsonReader(text);
        r.skipSpace();
        Object value = r.value(0);
        r.skipSpace();
        if (r.pos < text.length()) {
            throw r.error("unexpected " + r.describeNext() + " after the filter");
        }
        return value;
    }

    private Object value(int depth) {
        if (pos >= s.length()) {
            throw error("the text ends where a value was expected");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describeNext() + " where a value was expected");
        }
    }

    private Map<String, Object> object(int depth) {
        checkDepth(depth);
        pos++; // {
        Map<String, Object> map = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("expected a quoted key but found " + describeNext());
            }
            int keyAt = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object value = value(depth);
            if (map.put(key, value) != null) {
                throw error("duplicate key \"" + key + "\"", keyAt);
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("expected ',' or '}' but found the end of the text");
            }
            char c = s.charAt(pos++);
            if (c == '}') {
                return map;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or '}' but found " + describeNext());
            }
        }
    }

    private List<Object> array(int depth) {
        checkDepth(depth);
        pos++; // [
        List<Object> list = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipSpace();
            list.add(value(depth));
            skipSpace();
            if (pos >= s.length()) {
                throw error("expected ',' or ']' but found the end of the text");
            }
            char c = s.charAt(pos++);
            if (c == ']') {
                return list;
            }
            if (c != ',') {
                pos--;
                throw error("expected ',' or ']' but found " + describeNext());
            }
        }
    }

    private String string() {
        int start = pos;
        pos++; // "
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string", start);
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string (escape it)", pos - 1);
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) {
                throw error("unterminated string", start);
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> b.append(unicodeEscape());
                default -> throw error("bad escape \\" + e, pos - 2);
            }
        }
    }

    private char unicodeEscape() {
        if (pos + 4 > s.length()) {
            throw error("truncated \\u escape", pos - 2);
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
                throw error("bad \\u escape", pos - 2);
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Number number() {
        int start = pos;
        while (pos < s.length() && "+-.eE0123456789".indexOf(s.charAt(pos)) >= 0) {
            pos++;
        }
        String text = s.substring(start, pos);
        if (!Numbers.isJsonNumber(text)) {
            throw error("malformed number " + text, start);
        }
        return new Number(text);
    }

    private Object literal(String word, Object value) {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describeNext() + " where a value was expected");
        }
        pos += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "' but found " + describeNext());
        }
        pos++;
    }

    private char peek() {
        if (pos >= s.length()) {
            throw error("the text ends early");
        }
        return s.charAt(pos);
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private String describeNext() {
        return pos >= s.length() ? "the end of the text" : "'" + s.charAt(pos) + "'";
    }

    private FilterException error(String message) {
        return error(message, pos);
    }

    private FilterException error(String message, int at) {
        return new FilterException(
                "filter is not valid JSON: " + message + " at character " + at, false);
    }
}
