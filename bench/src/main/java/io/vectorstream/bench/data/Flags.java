package io.vectorstream.bench.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} arguments of a bench main, read once into a typed options record.
 * Unknown names fail with the list of known ones, so a typo never silently runs the default. A name
 * given twice keeps its last value, except where the bench reads all of them ({@link #all}).
 */
public final class Flags {

    private final Map<String, List<String>> values = new HashMap<>();

    private Flags(String[] args, Set<String> known, String usage) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new IllegalArgumentException(usage);
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "expected --name value, got '" + a + "'\n" + usage);
            }
            String name = a.substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "\n" + usage);
            }
            values.computeIfAbsent(name, n -> new ArrayList<>()).add(args[++i]);
        }
    }

    public static Flags parse(String[] args, Set<String> known, String usage) {
        return new Flags(args, known, usage);
    }

    public String string(String name, String fallback) {
        String v = last(name);
        return v == null ? fallback : v;
    }

    /** Every value of a repeatable option, in the order given; empty if it was not given. */
    public List<String> all(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    public int integer(String name, int fallback) {
        String v = last(name);
        return v == null ? fallback : Integer.parseInt(v.replace("_", ""));
    }

    public long longValue(String name, long fallback) {
        String v = last(name);
        return v == null ? fallback : Long.parseLong(v.replace("_", ""));
    }

    public double real(String name, double fallback) {
        String v = last(name);
        return v == null ? fallback : Double.parseDouble(v);
    }

    private String last(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }
}
