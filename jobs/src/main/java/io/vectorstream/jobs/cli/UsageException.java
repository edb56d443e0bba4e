package io.vectorstream.jobs.cli;

/**
 * The command line is wrong; the message says what, and the CLI exits with {@link ExitCodes#USAGE}.
 */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
