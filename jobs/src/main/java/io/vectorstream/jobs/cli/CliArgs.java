package io.vectorstream.jobs.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one command, split into {@code --name value} options, {@code --flag}s and
 * positional words. Options may also be written {@code --name=value}; {@code --} ends the options.
 * Only the options and flags the command declares are accepted, so a typo is an error rather than
 * silently ignored.
 */
final class CliArgs {

    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> positionals = new ArrayList<>();

    private CliArgs(String command) {
        this.command = command;
    }

    /**
     * @param valueOptions names (without dashes) of options that take a value
     * @param flagOptions names of options that take none; {@code help} is always accepted
     */
    static CliArgs parse(
            String command, String[] args, Set<String> valueOptions, Set<String> flagOptions)
            throws UsageException {
        CliArgs out = new CliArgs(command);
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (optionsEnded || !a.startsWith("--")) {
                out.positionals.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsEnded = true;
                continue;
            }
            int eq = a.indexOf('=');
            String name = a.substring(2, eq < 0 ? a.length() : eq);
            if (name.equals("help") || flagOptions.contains(name)) {
                if (eq >= 0) {
                    throw new UsageException("--" + name + " takes no value");
                }
                out.flags.add(name);
            } else if (valueOptions.contains(name)) {
                String value;
                if (eq >= 0) {
                    value = a.substring(eq + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
                if (out.values.put(name, value) != null) {
                    throw new UsageException("--" + name + " is given twice");
                }
            } else {
                throw new UsageException("'" + command + "' has no option --" + name);
            }
        }
        return out;
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    String required(String name, String why) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required " + why);
        }
        return v;
    }

    /** The option as an int in {@code [min, max]}, or {@code defaultValue} when absent. */
    int intValue(String name, int defaultValue, int min, int max) throws UsageException {
        long v = longValue(name, defaultValue, min, max);
        return (int) v;
    }

    /** The option as a finite float, or null when absent. */
    Float floatValue(String name) throws UsageException {
        String s = values.get(name);
        if (s == null) {
            return null;
        }
        try {
            float v = Float.parseFloat(s.trim());
            if (Float.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new UsageException("--" + name + " must be a finite number, not '" + s + "'");
    }

    /** The option as a long in {@code [min, max]}, or {@code defaultValue} when absent. */
    long longValue(String name, long defaultValue, long min, long max) throws UsageException {
        String s = values.get(name);
        if (s == null) {
            return defaultValue;
        }
        long v;
        try {
            v = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, not '" + s + "'");
        }
        if (v < min || v > max) {
            throw new UsageException(
                    "--" + name + " must be between " + min + " and " + max + ", not " + v);
        }
        return v;
    }

    List<String> positionals() {
        return positionals;
    }

    String command() {
        return command;
    }
}
