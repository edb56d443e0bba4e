package io.vectorstream.operators.validate;

import java.util.HashMap;
import java.util.Map;

/**
 * The highest offset a vector decoder has processed in each vectors partition, and whether that
 * moved since it last told the shards ({@link io.vectorstream.operators.message.ProgressMarker}).
 *
 * <p>Checkpointed as union state: after a restore every decoder knows every partition's offset at
 * the checkpoint, so a partition that gets no new record is still vouched for, whichever decoder
 * reads it now. Those records are in the restored index state, so any decoder may vouch for them.
 * Task thread only.
 */
final class PartitionProgress {
    private final Map<Integer, Long> processed = new HashMap<>();
    private boolean unsent;

    /** Notes that the record at {@code offset} of {@code partition} was processed (or restored). */
    void processed(int partition, long offset) {
        Long before = processed.get(partition);
        if (before == null || before < offset) {
            processed.put(partition, offset);
            unsent = true;
        }
    }

    /**
     * Makes the next marker go out even if no offset moved (a new collection's shards need one).
     */
    void markUnsent() {
        unsent = true;
    }

    /** Whether some offset moved since the last {@link #take}. */
    boolean unsent() {
        return unsent;
    }

    /**
     * Every partition's offset, as (partitions, offsets) index by index; clears {@link #unsent}.
     */
    Offsets take() {
        unsent = false;
        int[] partitions = new int[processed.size()];
        long[] offsets = new long[partitions.length];
        int i = 0;
        for (Map.Entry<Integer, Long> e : processed.entrySet()) {
            partitions[i] = e.getKey();
            offsets[i++] = e.getValue();
        }
        return new Offsets(partitions, offsets);
    }

    /** What state keeps. */
    Map<Integer, Long> offsets() {
        return processed;
    }

    record Offsets(int[] partitions, long[] offsets) {}
}
