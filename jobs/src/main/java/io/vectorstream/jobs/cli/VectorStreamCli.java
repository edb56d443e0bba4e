package io.vectorstream.jobs.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code vectorstream} command-line tool: produce, query, delete, tail-dlq, collections,
 * create-collection.
 *
 * <p>{@link #main} only parses and dispatches; {@link #run} does the same and returns the exit code
 * instead of exiting, so tests drive the tool exactly as a user would.
 */
public final class VectorStreamCli {

    private static final List<Command> COMMANDS =
            List.of(
                    new ProduceCommand(),
                    new QueryCommand(),
                    new DeleteCommand(),
                    new TailDlqCommand(),
                    new CollectionsCommand(),
                    new CreateCollectionCommand());

    private VectorStreamCli() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command {@code args[0]} with the remaining arguments.
     *
     * @return an {@link ExitCodes exit code}
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0
                || args[0].equals("--help")
                || args[0].equals("-h")
                || args[0].equals("help")) {
            out.println(overview());
            return args.length == 0 ? ExitCodes.USAGE : ExitCodes.OK;
        }
        Command command = find(args[0]);
        if (command == null) {
            err.println("error: unknown command '" + args[0] + "'\n");
            err.println(overview());
            return ExitCodes.USAGE;
        }
        try {
            Set<String> options = new HashSet<>(CommonOptions.NAMES);
            options.addAll(command.valueOptions());
            CliArgs parsed =
                    CliArgs.parse(
                            command.name(),
                            Arrays.copyOfRange(args, 1, args.length),
                            options,
                            command.flags());
            if (parsed.flag("help")) {
                out.println(help(command));
                return ExitCodes.OK;
            }
            return command.run(parsed, out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("see 'vectorstream " + command.name() + " --help'");
            return ExitCodes.USAGE;
        }
    }

    private static Command find(String name) {
        for (Command c : COMMANDS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    static String help(Command command) {
        return command.usage() + "\n\n" + CommonOptions.USAGE;
    }

    static String overview() {
        StringBuilder sb =
                new StringBuilder("Usage: vectorstream COMMAND [options]\n\nCommands:\n");
        String row = "  %-18s %s%n";
        sb.append(String.format(row, "local", "run Kafka, Flink and the job on this machine"));
        sb.append(
                String.format(
                        row, "job", "run the job on a Flink cluster (--key value overrides)"));
        for (Command c : COMMANDS) {
            sb.append(String.format(row, c.name(), c.summary()));
        }
        sb.append("\nRun 'vectorstream COMMAND --help' for a command's options.\n");
        sb.append("Exit status: 0 ok, 1 usage error, 2 server-side error or timeout.");
        return sb.toString();
    }
}
