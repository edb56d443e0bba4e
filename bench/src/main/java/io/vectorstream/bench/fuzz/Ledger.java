package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.codec.WireFormat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What became of every case sent: acknowledged by the broker (and where it landed) or refused, then
 * dead-lettered (vectors, matched by the dead letter's original partition and offset) or answered
 * (requests, matched by correlation id), with the code. A vector record that is neither
 * dead-lettered nor refused counts as accepted; the job's own counter checks the total. Kept
 * without the payloads (they can be made again from the seed). Thread-safe: written by the
 * producer's callbacks and the outcome reader, read by the fuzzer.
 */
final class Ledger {

    /** A case's fate. Fields are guarded by the ledger's lock. */
    static final class Entry {
        final long seq;
        final Target target;
        final WireFormat format;
        final MutationClass mutation;
        final String description;
        final int size;

        /** null while unacknowledged; "OK" when the broker acknowledged it, else why not. */
        String sent;

        long partitionOffset = -1;

        /** The first dead letter's or answer's code; "OK" for an answer without an error. */
        String outcome;

        int outcomes;

        Entry(FuzzCase c) {
            this(c.seq(), c.target(), c.format(), c.mutation(), c.description(), c.value().length);
        }

        private Entry(
                long seq,
                Target target,
                WireFormat format,
                MutationClass mutation,
                String description,
                int size) {
            this.seq = seq;
            this.target = target;
            this.format = format;
            this.mutation = mutation;
            this.description = description;
            this.size = size;
        }

        boolean acked() {
            return "OK".equals(sent);
        }

        /** Refused by the broker or the producer: never reached the job. */
        boolean refused() {
            return sent != null && !acked();
        }

        /** An unmutated payload that was dead-lettered or answered with an error. */
        boolean validRejected() {
            return mutation == MutationClass.VALID
                    && outcomes > 0
                    && !(target.answered() && outcome.startsWith("OK"));
        }
    }

    private final Map<Long, Entry> bySeq = new HashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Map<Long, Entry> byPartitionOffset = new HashMap<>();

    /** Dead letters that arrived before their record's acknowledgement: (partition, offset). */
    private final Map<Long, String> earlyDeadLetters = new HashMap<>();

    private long vectorsAcked;
    private long vectorsDeadLettered;
    private long foreignAnswers;

    synchronized void register(FuzzCase c) {
        Entry e = new Entry(c);
        bySeq.put(c.seq(), e);
        entries.add(e);
    }

    synchronized void acked(long seq, int partition, long offset) {
        Entry e = bySeq.get(seq);
        e.sent = "OK";
        if (e.target == Target.VECTORS) {
            vectorsAcked++;
            long po = partitionOffset(partition, offset);
            e.partitionOffset = po;
            byPartitionOffset.put(po, e);
            String early = earlyDeadLetters.remove(po);
            if (early != null) {
                outcome(e, early);
            }
        }
    }

    synchronized void refused(long seq, String why) {
        bySeq.get(seq).sent = why;
    }

    /** A dead letter of the vectors topic's record at (partition, offset). */
    synchronized void deadLetter(int partition, long offset, String code) {
        long po = partitionOffset(partition, offset);
        Entry e = byPartitionOffset.get(po);
        if (e == null) {
            earlyDeadLetters.put(po, code);
        } else {
            outcome(e, code);
        }
    }

    /** The topic case {@code seq} was sent to, null if the run has no such case. */
    synchronized Target target(long seq) {
        Entry e = bySeq.get(seq);
        return e == null ? null : e.target;
    }

    /** An answer to request {@code seq} of this run; false if the run sent no such request. */
    synchronized boolean answer(long seq, String code) {
        Entry e = bySeq.get(seq);
        if (e == null || !e.target.answered()) {
            foreignAnswers++;
            return false;
        }
        outcome(e, code);
        return true;
    }

    private void outcome(Entry e, String code) {
        if (e.outcomes++ == 0) {
            e.outcome = code;
            if (e.target == Target.VECTORS) {
                vectorsDeadLettered++;
            }
        }
    }

    synchronized long vectorsAcked() {
        return vectorsAcked;
    }

    synchronized long vectorsDeadLettered() {
        return vectorsDeadLettered;
    }

    /** Dead letters of the vectors topic that match no record of this run. */
    synchronized long foreignDeadLetters() {
        return earlyDeadLetters.size();
    }

    synchronized long foreignAnswers() {
        return foreignAnswers;
    }

    /** Whether every case of {@code seqs} was acknowledged or refused. */
    synchronized boolean allSent(Collection<Long> seqs) {
        for (long s : seqs) {
            if (bySeq.get(s).sent == null) {
                return false;
            }
        }
        return true;
    }

    /** The acknowledged requests among {@code seqs} without an answer yet. */
    synchronized List<Long> unanswered(Collection<Long> seqs) {
        List<Long> out = new ArrayList<>();
        for (long s : seqs) {
            Entry e = bySeq.get(s);
            if (e.target.answered() && e.acked() && e.outcomes == 0) {
                out.add(s);
            }
        }
        return out;
    }

    /** The seqs of every acknowledged request without an answer. */
    synchronized List<Long> unanswered() {
        List<Long> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.target.answered() && e.acked() && e.outcomes == 0) {
                out.add(e.seq);
            }
        }
        return out;
    }

    /** The first outcome code of case {@code seq}, null if none (yet). */
    synchronized String outcome(long seq) {
        Entry e = bySeq.get(seq);
        return e == null ? null : e.outcome;
    }

    /** A copy of every entry, in sending order, for the report. */
    synchronized List<Entry> snapshot() {
        List<Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            Entry copy = new Entry(e.seq, e.target, e.format, e.mutation, e.description, e.size);
            copy.sent = e.sent;
            copy.partitionOffset = e.partitionOffset;
            copy.outcome = e.outcome;
            copy.outcomes = e.outcomes;
            out.add(copy);
        }
        return out;
    }

    private static long partitionOffset(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }
}
