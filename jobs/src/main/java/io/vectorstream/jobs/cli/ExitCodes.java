package io.vectorstream.jobs.cli;

/** Exit statuses of the command-line tool, stable for scripts. */
public final class ExitCodes {
    /** Everything asked for was done. */
    public static final int OK = 0;

    /** The command line or an input file is wrong; nothing reached the server. */
    public static final int USAGE = 1;

    /** Kafka or the job failed, rejected the request, or did not answer in time. */
    public static final int FAILED = 2;

    private ExitCodes() {}
}
