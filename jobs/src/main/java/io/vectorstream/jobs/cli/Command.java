package io.vectorstream.jobs.cli;

import java.io.PrintStream;
import java.util.Set;

/** One sub-command of the CLI: its options, its help text, and the work. */
interface Command {

    /** The word that selects this command. */
    String name();

    /** One line for the overview. */
    String summary();

    /** The full {@code --help} text, without the common options. */
    String usage();

    /** Options that take a value, besides {@link CommonOptions#NAMES}. */
    Set<String> valueOptions();

    /** Options that take no value. */
    Set<String> flags();

    /** Does the work; returns an {@link ExitCodes exit code}. */
    int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException;
}
