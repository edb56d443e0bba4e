package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.codec.WireFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The accounting of a run as Markdown tables — payloads per topic and form and per mutation class,
 * outcomes by code — and the checks that must hold: every acknowledged vector record accepted or
 * dead-lettered (the job's counters agree), every request answered once, every valid payload
 * accepted, no restart, the job running at the end.
 */
final class FuzzReport {

    /**
     * What the job says, as deltas over the run.
     *
     * @param accepted the validator's {@code recordsAccepted}, -1 if unknown
     * @param rejected the validator's {@code recordsRejected}, -1 if unknown
     * @param restartsBefore numRestarts when the run started
     * @param restartsAfter numRestarts at the end, -1 if the job could not be asked
     * @param finalState the job's state at the end ("RUNNING", "RESTARTING", "unreachable"...)
     */
    record JobTotals(
            long accepted,
            long rejected,
            long restartsBefore,
            long restartsAfter,
            String finalState,
            boolean allTasksRunning) {}

    private final List<Ledger.Entry> entries;
    private final JobTotals job;
    private final long foreignDeadLetters;
    private final List<String> failed = new ArrayList<>();
    private final StringBuilder md = new StringBuilder();

    FuzzReport(List<Ledger.Entry> entries, JobTotals job, long foreignDeadLetters) {
        this.entries = entries;
        this.job = job;
        this.foreignDeadLetters = foreignDeadLetters;
        write();
    }

    String markdown() {
        return md.toString();
    }

    /** The checks that failed, empty if all held. */
    List<String> failedChecks() {
        return failed;
    }

    /** Whether the job restarted, stopped running or could not be asked. */
    boolean jobFailed() {
        return job.restartsAfter() != job.restartsBefore()
                || !job.finalState().equals("RUNNING")
                || !job.allTasksRunning();
    }

    /** Counts of one table row. */
    private static final class Row {
        long sent;
        long refused;
        long accepted;
        long deadLettered;
        long answeredOk;
        long answeredError;
        long unanswered;

        void add(Ledger.Entry e) {
            sent++;
            if (e.sent == null || e.refused()) {
                refused++;
            } else if (e.target == Target.VECTORS) {
                if (e.outcomes > 0) {
                    deadLettered++;
                } else {
                    accepted++;
                }
            } else if (e.outcomes == 0) {
                unanswered++;
            } else if (e.outcome.startsWith("OK")) {
                answeredOk++;
            } else {
                answeredError++;
            }
        }
    }

    private void write() {
        md.append("Payloads by topic and wire form (accepted = acknowledged and not dead-lettered,")
                .append(" its total checked against the job's counter below; refused = by the")
                .append(" broker or the producer, never reached the job):\n\n");
        table("topic / form", e -> e.target.topic + " / " + form(e.format));
        md.append("\nPayloads by mutation class:\n\n");
        table("mutation", e -> e.mutation.label());
        codes();
        checks();
    }

    private void table(String first, Function<Ledger.Entry, String> key) {
        Map<String, Row> rows = new TreeMap<>();
        Row total = new Row();
        for (Ledger.Entry e : entries) {
            rows.computeIfAbsent(key.apply(e), k -> new Row()).add(e);
            total.add(e);
        }
        md.append("| ")
                .append(first)
                .append(
                        " | sent | refused | accepted | dead-lettered | answered OK | answered"
                                + " with error | unanswered |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        rows.forEach((k, r) -> row(k, r));
        row("**all**", total);
    }

    private void row(String name, Row r) {
        md.append(
                String.format(
                        "| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d |%n",
                        name,
                        r.sent,
                        r.refused,
                        r.accepted,
                        r.deadLettered,
                        r.answeredOk,
                        r.answeredError,
                        r.unanswered));
    }

    private void codes() {
        Map<String, long[]> byCode = new TreeMap<>();
        for (Ledger.Entry e : entries) {
            if (e.outcome != null) {
                byCode.computeIfAbsent(e.outcome, k -> new long[3])[e.target.ordinal()]++;
            }
        }
        md.append("\nOutcomes by code (first outcome of each payload):\n\n");
        md.append("| code | dead letters | query answers | collection answers |\n");
        md.append("|---|---:|---:|---:|\n");
        byCode.forEach(
                (code, n) ->
                        md.append(
                                String.format(
                                        "| %s | %,d | %,d | %,d |%n", code, n[0], n[1], n[2])));
    }

    private void checks() {
        long vectorsAcked = 0;
        long deadLettered = 0;
        long duplicateDeadLetters = 0;
        long requestsAcked = 0;
        long unanswered = 0;
        long answeredTwice = 0;
        long validRejected = 0;
        Map<String, Long> refused = new TreeMap<>();
        for (Ledger.Entry e : entries) {
            if (e.sent == null || e.refused()) {
                refused.merge(
                        e.target.topic + ": " + (e.sent == null ? "unacknowledged" : e.sent),
                        1L,
                        Long::sum);
                continue;
            }
            if (e.target == Target.VECTORS) {
                vectorsAcked++;
                deadLettered += e.outcomes > 0 ? 1 : 0;
                duplicateDeadLetters += Math.max(0, e.outcomes - 1);
            } else {
                requestsAcked++;
                unanswered += e.outcomes == 0 ? 1 : 0;
                answeredTwice += e.outcomes > 1 ? 1 : 0;
            }
            validRejected += e.validRejected() ? 1 : 0;
        }
        md.append("\nChecks:\n\n");
        check(
                job.accepted() >= 0 && job.accepted() + deadLettered == vectorsAcked,
                String.format(
                        "vector records acknowledged %,d = accepted by the job %s + dead-lettered"
                                + " %,d",
                        vectorsAcked,
                        job.accepted() < 0 ? "(unknown)" : String.format("%,d", job.accepted()),
                        deadLettered));
        check(
                job.rejected() == deadLettered,
                String.format(
                        "records the job rejected %s = dead letters received %,d",
                        job.rejected() < 0 ? "(unknown)" : String.format("%,d", job.rejected()),
                        deadLettered));
        check(
                duplicateDeadLetters == 0,
                String.format("records dead-lettered more than once: %,d", duplicateDeadLetters));
        check(
                unanswered == 0,
                String.format(
                        "requests acknowledged %,d, unanswered %,d", requestsAcked, unanswered));
        check(answeredTwice == 0, String.format("requests answered twice: %,d", answeredTwice));
        check(
                validRejected == 0,
                String.format(
                        "unmutated payloads dead-lettered or answered with an error: %,d",
                        validRejected));
        check(
                job.restartsAfter() == job.restartsBefore(),
                String.format(
                        "job restarts: %d before, %s after",
                        job.restartsBefore(),
                        job.restartsAfter() < 0 ? "unknown" : Long.toString(job.restartsAfter())));
        check(
                job.finalState().equals("RUNNING") && job.allTasksRunning(),
                "job state at the end: "
                        + job.finalState()
                        + (job.allTasksRunning()
                                ? ", every task running"
                                : ", not every task running"));
        md.append(
                String.format(
                        "- refused by the broker or the producer (not counted above): %s%n"
                                + "- dead letters of records this run did not send: %,d%n",
                        refused.isEmpty() ? "none" : refused.toString(), foreignDeadLetters));
    }

    private void check(boolean ok, String what) {
        md.append("- ").append(ok ? "ok: " : "FAILED: ").append(what).append('\n');
        if (!ok) {
            failed.add(what);
        }
    }

    private static String form(WireFormat f) {
        return f.name().toLowerCase(Locale.ROOT);
    }
}
