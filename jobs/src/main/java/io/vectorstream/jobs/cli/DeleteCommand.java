package io.vectorstream.jobs.cli;

import io.vectorstream.client.VectorStreamClient;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** {@code delete}: publishes deletes of the given ids and waits until Kafka acknowledged them. */
final class DeleteCommand implements Command {

    static final String USAGE =
            String.join(
                    "\n",
                    "Usage: vectorstream delete ID [ID ...] [common options]",
                    "",
                    "Publishes a delete for every ID to the vectors topic and waits until Kafka"
                            + " acknowledged",
                    "them. The job applies them moments later; deleting an unknown id is not an"
                            + " error.",
                    "Put -- before ids that start with --.");

    @Override
    public String name() {
        return "delete";
    }

    @Override
    public String summary() {
        return "delete vectors by id";
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public Set<String> valueOptions() {
        return Set.of();
    }

    @Override
    public Set<String> flags() {
        return Set.of();
    }

    @Override
    public int run(CliArgs args, PrintStream out, PrintStream err) throws UsageException {
        CommonOptions common = CommonOptions.parse(args);
        List<String> ids = args.positionals();
        if (ids.isEmpty()) {
            throw new UsageException("give at least one id to delete");
        }
        for (String id : ids) {
            if (id.isEmpty()) {
                throw new UsageException("ids must not be empty");
            }
        }
        try (VectorStreamClient client = common.client()) {
            return delete(client, common.collection(), ids, out, err);
        }
    }

    /** Publishes the deletes, waits for every acknowledgement, and returns the exit code. */
    static int delete(
            VectorStreamClient client,
            String collection,
            List<String> ids,
            PrintStream out,
            PrintStream err) {
        AckTracker acks = new AckTracker();
        for (String id : ids) {
            acks.track(client.delete(collection, id));
        }
        client.flush();
        try {
            acks.awaitAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("error: interrupted while waiting for acknowledgements");
            return ExitCodes.FAILED;
        }
        out.println(
                "deleted "
                        + acks.acked()
                        + " of "
                        + ids.size()
                        + " ids from collection '"
                        + collection
                        + "'");
        if (acks.failed() > 0) {
            err.println(
                    "error: "
                            + acks.failed()
                            + " deletes failed; first error: "
                            + acks.firstError());
            return ExitCodes.FAILED;
        }
        return ExitCodes.OK;
    }
}
