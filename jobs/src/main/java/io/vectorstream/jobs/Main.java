package io.vectorstream.jobs;

import io.vectorstream.jobs.cli.VectorStreamCli;
import io.vectorstream.jobs.local.LocalLauncher;
import java.util.Arrays;

/**
 * Entry point of {@code bin/vectorstream}: dispatches to the local launcher, the job or the CLI.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "--help" : args[0];
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "local" -> LocalLauncher.main(rest);
            case "job" -> VectorStreamJob.main(rest);
            default -> VectorStreamCli.main(args);
        }
    }
}
