package io.vectorstream.bench.fuzz;

import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Payloads of a chosen size around {@code vectorstream.limits.max-record-bytes}: just under it
 * (valid, must be accepted), exactly at it and one byte over, 1.25 and 1.5 times over, and a few
 * over the broker's message limit (4 MiB on the local broker), which the broker refuses. A vector
 * record is padded with its {@code text}, a JSON query with an unknown field (ignored), anything
 * else with a long string field.
 */
final class Oversize {

    private final SeedFactory seeds;
    private final int maxRecordBytes;

    Oversize(SeedFactory seeds, int maxRecordBytes) {
        this.seeds = seeds;
        this.maxRecordBytes = maxRecordBytes;
    }

    FuzzCase make(long seq, Target target, WireFormat format, SplittableRandom rnd) {
        int target0 = size(rnd);
        long sub = rnd.nextLong();
        byte[] value = null;
        int pad = target0;
        // The encoded size grows by one per pad character, plus the varint of the length in Avro:
        // a few rounds settle it exactly.
        for (int i = 0; i < 4; i++) {
            value = encode(seq, target, format, new SplittableRandom(sub), pad);
            if (value.length == target0) {
                break;
            }
            pad = Math.max(0, pad + target0 - value.length);
        }
        String key =
                switch (target) {
                    case VECTORS -> "v" + seq;
                    case QUERIES -> "q-" + seq;
                    case COLLECTIONS -> "c-" + seq;
                };
        return new FuzzCase(
                seq,
                target,
                format,
                MutationClass.OVERSIZE,
                String.format(
                        "%,d bytes (%s the %,d-byte record limit)",
                        value.length,
                        value.length <= maxRecordBytes ? "within" : "over",
                        maxRecordBytes),
                key.getBytes(StandardCharsets.UTF_8),
                value,
                target == Target.VECTORS ? FuzzCase.ReplyTo.ABSENT : FuzzCase.ReplyTo.OWN);
    }

    /**
     * 35% just under the limit, 10% at it, 10% one byte over, 15% 1.25 and 15% 1.5 times it, 8% 3
     * times, 5% 4.5 times and 2% 9 times (over the local broker's 4 MiB).
     */
    private int size(SplittableRandom rnd) {
        int m = maxRecordBytes;
        int roll = rnd.nextInt(100);
        if (roll < 35) {
            return m - 64 - rnd.nextInt(1_024);
        }
        int[][] table = {
            {45, m}, {55, m + 1}, {70, m + m / 4}, {85, m + m / 2}, {93, 3 * m}, {98, 9 * (m / 2)}
        };
        for (int[] row : table) {
            if (roll < row[0]) {
                return row[1];
            }
        }
        return 9 * m;
    }

    private byte[] encode(
            long seq, Target target, WireFormat format, SplittableRandom rnd, int pad) {
        String padding = "p".repeat(pad);
        switch (target) {
            case VECTORS -> {
                VectorRecord r = seeds.vectorRecord(rnd);
                r.setId("v" + seq);
                r.setOp(Op.UPSERT);
                r.setCollection("default");
                r.setVector(FloatVectors.toBytes(SeedFactory.unitVector(rnd, seeds.dimension())));
                r.setText(padding);
                return PayloadCodec.encode(r, format);
            }
            case QUERIES -> {
                QueryRequest q = seeds.query(rnd, seq);
                if (format == WireFormat.JSON) {
                    String json =
                            new String(PayloadCodec.encode(q, format), StandardCharsets.UTF_8);
                    return (json.substring(0, json.length() - 1) + ",\"pad\":\"" + padding + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                }
                q.setFilter(padding);
                return PayloadCodec.encode(q, format);
            }
            default -> {
                CollectionRequest c = SeedFactory.createSmall("c-" + seq);
                c.setCollection(padding);
                return PayloadCodec.encode(c, format);
            }
        }
    }
}
