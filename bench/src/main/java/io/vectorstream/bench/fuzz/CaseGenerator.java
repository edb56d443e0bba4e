package io.vectorstream.bench.fuzz;

import static io.vectorstream.schema.KafkaContract.COLLECTION_RESULTS_TOPIC;
import static io.vectorstream.schema.KafkaContract.RESULTS_TOPIC;

import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.avro.Schema;

/**
 * Makes fuzz case {@code seq} of a run: picks a mutation class (by weight, among those enabled), a
 * topic (vectors 55%, queries 35%, collections 10%) and a wire form, makes a valid seed and mutates
 * it. Case {@code seq} depends only on the seed, {@code seq} and the collection's dimension, so any
 * case of a run can be made again on its own.
 */
final class CaseGenerator {

    private final long seed;
    private final SeedFactory seeds;
    private final BadValues badValues;
    private final Oversize oversize;
    private final List<MutationClass> classes;
    private final double totalWeight;

    /**
     * @param seed the run's seed
     * @param classes the mutation classes to draw from
     * @param maxRecordBytes the job's {@code vectorstream.limits.max-record-bytes}
     */
    CaseGenerator(long seed, SeedFactory seeds, Set<MutationClass> classes, int maxRecordBytes) {
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("no mutation class left to draw from");
        }
        this.seed = seed;
        this.seeds = seeds;
        this.badValues = new BadValues(seeds);
        this.oversize = new Oversize(seeds, maxRecordBytes);
        this.classes = List.copyOf(classes);
        this.totalWeight = this.classes.stream().mapToDouble(c -> c.weight).sum();
    }

    FuzzCase generate(long seq) {
        SplittableRandom rnd = new SplittableRandom(mix(seed, seq));
        MutationClass c = pickClass(rnd);
        Target t = pickTarget(c, rnd);
        WireFormat f =
                c.format != null ? c.format : rnd.nextBoolean() ? WireFormat.AVRO : WireFormat.JSON;
        return switch (c) {
            case VALID -> seeds.seed(seq, t, f, rnd);
            case BAD_VALUES -> badValues.make(seq, t, f, rnd);
            case OVERSIZE -> oversize.make(seq, t, f, rnd);
            case KEY_MISMATCH -> withKey(seeds.seed(seq, t, f, rnd), rnd);
            case REPLY_TO -> withReplyTo(seeds.seed(seq, t, f, rnd), rnd);
            case AVRO_VARINT -> {
                FuzzCase s = seeds.seed(seq, t, f, rnd);
                Mutation m = AvroVarints.inflate(schemaOf(t), s.value(), rnd);
                yield s.withValue(c, m.description(), m.value());
            }
            case JSON_EDIT,
                    JSON_WRONG_TYPE,
                    JSON_HUGE_NUMBER,
                    JSON_DEEP_NESTING,
                    JSON_NAN,
                    JSON_BAD_TEXT -> {
                FuzzCase s = seeds.seed(seq, t, f, rnd);
                Mutation m = JsonMutator.apply(c, s.value(), rnd);
                yield s.withValue(c, m.description(), m.value());
            }
            default -> {
                FuzzCase s = seeds.seed(seq, t, f, rnd);
                // Splicing takes its tail from a payload of any topic and form.
                Target otherTarget = Target.values()[rnd.nextInt(Target.values().length)];
                WireFormat otherFormat = rnd.nextBoolean() ? WireFormat.AVRO : WireFormat.JSON;
                byte[] other = seeds.seed(seq, otherTarget, otherFormat, rnd).value();
                Mutation m = ByteMutator.apply(c, s.value(), other, rnd);
                yield s.withValue(c, m.description(), m.value());
            }
        };
    }

    private MutationClass pickClass(SplittableRandom rnd) {
        double x = rnd.nextDouble() * totalWeight;
        for (MutationClass c : classes) {
            x -= c.weight;
            if (x < 0) {
                return c;
            }
        }
        return classes.get(classes.size() - 1);
    }

    private static Target pickTarget(MutationClass c, SplittableRandom rnd) {
        int roll = rnd.nextInt(100);
        if (c == MutationClass.REPLY_TO) {
            return roll < 75 ? Target.QUERIES : Target.COLLECTIONS;
        }
        if (c == MutationClass.KEY_MISMATCH || c == MutationClass.OVERSIZE) {
            return roll < 80 ? Target.VECTORS : roll < 95 ? Target.QUERIES : Target.COLLECTIONS;
        }
        return roll < 55 ? Target.VECTORS : roll < 90 ? Target.QUERIES : Target.COLLECTIONS;
    }

    /** The seed with another key: none, empty, another id, not UTF-8, or 100 kB. */
    private static FuzzCase withKey(FuzzCase s, SplittableRandom rnd) {
        String id = s.key() == null ? "" : new String(s.key(), StandardCharsets.UTF_8);
        byte[] key;
        String what;
        switch (rnd.nextInt(7)) {
            case 0 -> {
                key = null;
                what = "no key";
            }
            case 1 -> {
                key = new byte[0];
                what = "empty key";
            }
            case 2 -> {
                key = utf8("v" + rnd.nextInt(5_000));
                what = "key of another id";
            }
            case 3 -> {
                key = utf8(id + " ");
                what = "key with a trailing space";
            }
            case 4 -> {
                key = new byte[] {(byte) 0xFF, (byte) 0xFE, 0x00, (byte) 0xC3};
                what = "key not UTF-8";
            }
            case 5 -> {
                key = utf8(id.toUpperCase(Locale.ROOT));
                what = "key in upper case";
            }
            default -> {
                key = utf8("k".repeat(100_000));
                what = "key of 100,000 bytes";
            }
        }
        return new FuzzCase(
                s.seq(),
                s.target(),
                s.format(),
                MutationClass.KEY_MISMATCH,
                what + " (" + s.description() + ")",
                key,
                s.value(),
                s.replyTo());
    }

    /**
     * The seed with another reply-to header: none, empty, a topic that does not exist, an illegal
     * name, bytes that are not UTF-8, or the other kind of request's default answer topic.
     */
    private static FuzzCase withReplyTo(FuzzCase s, SplittableRandom rnd) {
        FuzzCase.ReplyTo r;
        String what;
        switch (rnd.nextInt(7)) {
            case 0 -> {
                r = FuzzCase.ReplyTo.ABSENT;
                what = "no reply-to";
            }
            case 1 -> {
                r = FuzzCase.ReplyTo.literal(new byte[0]);
                what = "empty reply-to";
            }
            case 2 -> {
                r = FuzzCase.ReplyTo.literal(utf8("fuzz-no-such-topic-" + s.seq()));
                what = "reply-to a missing topic";
            }
            case 3 -> {
                r = FuzzCase.ReplyTo.literal(utf8(rnd.nextBoolean() ? "../x" : "t".repeat(300)));
                what = "reply-to an illegal topic name";
            }
            case 4 -> {
                r = FuzzCase.ReplyTo.literal(new byte[] {(byte) 0xFF, (byte) 0xC0, 0x00});
                what = "reply-to not UTF-8";
            }
            case 5 -> {
                r =
                        FuzzCase.ReplyTo.literal(
                                utf8(
                                        s.target() == Target.QUERIES
                                                ? RESULTS_TOPIC
                                                : COLLECTION_RESULTS_TOPIC));
                what = "reply-to the default answer topic";
            }
            default -> {
                r =
                        FuzzCase.ReplyTo.literal(
                                utf8(
                                        s.target() == Target.QUERIES
                                                ? COLLECTION_RESULTS_TOPIC
                                                : RESULTS_TOPIC));
                what = "reply-to the other requests' answer topic";
            }
        }
        return new FuzzCase(
                s.seq(),
                s.target(),
                s.format(),
                MutationClass.REPLY_TO,
                what + " (" + s.description() + ")",
                s.key(),
                s.value(),
                r);
    }

    private static Schema schemaOf(Target t) {
        return switch (t) {
            case VECTORS -> VectorRecord.getClassSchema();
            case QUERIES -> QueryRequest.getClassSchema();
            case COLLECTIONS -> CollectionRequest.getClassSchema();
        };
    }

    /** A well-mixed 64-bit seed per case (the finaliser of MurmurHash3 over both inputs). */
    static long mix(long seed, long seq) {
        long z = seed ^ (seq * 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
