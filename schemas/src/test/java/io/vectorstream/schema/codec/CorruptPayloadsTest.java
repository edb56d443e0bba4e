package io.vectorstream.schema.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.schema.CollectionError;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.CollectionResponse;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.schema.Hit;
import io.vectorstream.schema.Op;
import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryRequest;
import io.vectorstream.schema.QueryResponse;
import io.vectorstream.schema.VectorRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;

/**
 * Random valid payloads of every type and form, cut short at every length or with any one bit
 * flipped, either decode or throw {@link CodecException}; nothing else escapes the codec.
 */
class CorruptPayloadsTest {

    private static final long SEED = 0x5EED_C0DECL;

    private static final int RECORDS_PER_TYPE = 4;

    private static final int[] CODE_POINTS = {
        'a', 'b', 'z', 'Q', '0', '9', ' ', '-', '_', '"', '\\', '{', 'é', '中', 0x1F600
    };

    /** A payload, how to decode it and what it decodes to. */
    private record Sample(String name, byte[] payload, Function<byte[], ?> decode, Object value) {}

    @Test
    void randomValidPayloadsDecodeToWhatWasEncoded() {
        for (Sample s : samples()) {
            assertThat(s.decode().apply(s.payload())).as(s.name()).isEqualTo(s.value());
        }
    }

    @Test
    void truncatedOrBitFlippedPayloadsDecodeOrFailWithACodecException() {
        List<String> escaped = new ArrayList<>();
        for (Sample s : samples()) {
            byte[] p = s.payload();
            for (int length = 0; length < p.length; length++) {
                check(s, Arrays.copyOf(p, length), "cut to " + length + " bytes", escaped);
            }
            for (int bit = 0; bit < p.length * 8; bit++) {
                byte[] flipped = p.clone();
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                check(s, flipped, "bit " + bit + " flipped", escaped);
            }
        }
        assertThat(escaped).as("seed %x", SEED).isEmpty();
    }

    private static void check(Sample s, byte[] corrupt, String how, List<String> escaped) {
        try {
            s.decode().apply(corrupt);
        } catch (CodecException expected) {
            // the one way a payload may fail
        } catch (Throwable t) {
            escaped.add(s.name() + ", " + how + ": " + t);
        }
    }

    private static List<Sample> samples() {
        Random rnd = new Random(SEED);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < RECORDS_PER_TYPE; i++) {
            for (WireFormat form : WireFormat.values()) {
                VectorRecord v = vectorRecord(rnd);
                samples.add(
                        new Sample(
                                "VectorRecord " + form + " #" + i,
                                PayloadCodec.encode(v, form),
                                PayloadCodec::decodeVectorRecord,
                                v));
                QueryRequest q = queryRequest(rnd);
                samples.add(
                        new Sample(
                                "QueryRequest " + form + " #" + i,
                                PayloadCodec.encode(q, form),
                                PayloadCodec::decodeQueryRequest,
                                q));
                QueryResponse r = queryResponse(rnd);
                samples.add(
                        new Sample(
                                "QueryResponse " + form + " #" + i,
                                PayloadCodec.encode(r, form),
                                PayloadCodec::decodeQueryResponse,
                                r));
                CollectionRequest c = collectionRequest(rnd);
                samples.add(
                        new Sample(
                                "CollectionRequest " + form + " #" + i,
                                PayloadCodec.encode(c, form),
                                PayloadCodec::decodeCollectionRequest,
                                c));
                CollectionResponse cr = collectionResponse(rnd);
                samples.add(
                        new Sample(
                                "CollectionResponse " + form + " #" + i,
                                PayloadCodec.encode(cr, form),
                                PayloadCodec::decodeCollectionResponse,
                                cr));
            }
            DeadLetter d = deadLetter(rnd);
            samples.add(
                    new Sample(
                            "DeadLetter #" + i,
                            PayloadCodec.encode(d),
                            PayloadCodec::decodeDeadLetter,
                            d));
        }
        return samples;
    }

    private static VectorRecord vectorRecord(Random rnd) {
        return VectorRecord.newBuilder()
                .setId(text(rnd))
                .setOp(rnd.nextBoolean() ? Op.UPSERT : Op.DELETE)
                .setCollection(text(rnd))
                .setVector(rnd.nextBoolean() ? vector(rnd) : null)
                .setMetadata(metadata(rnd))
                .setText(rnd.nextBoolean() ? text(rnd) : null)
                .setEventTimeMs(rnd.nextBoolean() ? rnd.nextLong() : null)
                .build();
    }

    private static QueryRequest queryRequest(Random rnd) {
        return QueryRequest.newBuilder()
                .setQueryId(text(rnd))
                .setCollection(text(rnd))
                .setVector(vector(rnd))
                .setK(rnd.nextInt())
                .setIncludeMetadata(rnd.nextBoolean())
                .setTimeoutMs(rnd.nextBoolean() ? rnd.nextInt() : null)
                // Letters only: a filter that is a JSON object is re-spaced by the JSON form.
                .setFilter(rnd.nextBoolean() ? "lang" + rnd.nextInt(100) : null)
                .setEf(rnd.nextBoolean() ? rnd.nextInt() : null)
                .setNprobe(rnd.nextBoolean() ? rnd.nextInt() : null)
                .setRerank(rnd.nextBoolean() ? rnd.nextInt() : null)
                .setIncludeVectors(rnd.nextBoolean())
                .setConsistency(rnd.nextBoolean() ? text(rnd) : null)
                .build();
    }

    private static QueryResponse queryResponse(Random rnd) {
        List<Hit> hits = new ArrayList<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            hits.add(
                    new Hit(
                            text(rnd),
                            rnd.nextFloat(),
                            metadata(rnd),
                            rnd.nextBoolean() ? vector(rnd) : null,
                            null));
        }
        return QueryResponse.newBuilder()
                .setQueryId(text(rnd))
                .setHits(hits)
                .setShardsAnswered(rnd.nextInt(64))
                .setShardsExpected(rnd.nextInt(64))
                .setComplete(rnd.nextBoolean())
                .setError(rnd.nextBoolean() ? new QueryError(text(rnd), text(rnd)) : null)
                .setTookMs(rnd.nextLong())
                .build();
    }

    private static CollectionRequest collectionRequest(Random rnd) {
        CollectionRequest r = new CollectionRequest();
        fill(r, rnd);
        r.setOp(rnd.nextBoolean() ? CollectionOp.CREATE : CollectionOp.LIST);
        return r;
    }

    private static CollectionResponse collectionResponse(Random rnd) {
        List<CollectionInfo> infos = new ArrayList<>();
        for (int i = rnd.nextInt(3); i > 0; i--) {
            CollectionInfo info = new CollectionInfo();
            fill(info, rnd);
            infos.add(info);
        }
        return new CollectionResponse(
                text(rnd),
                infos,
                rnd.nextBoolean() ? new CollectionError(text(rnd), text(rnd)) : null);
    }

    private static DeadLetter deadLetter(Random rnd) {
        return new DeadLetter(
                text(rnd),
                text(rnd),
                text(rnd),
                rnd.nextInt(),
                rnd.nextLong(),
                rnd.nextLong(),
                rnd.nextBoolean() ? bytes(rnd) : null,
                rnd.nextBoolean() ? bytes(rnd) : null,
                rnd.nextBoolean() ? rnd.nextInt() : null,
                rnd.nextBoolean() ? rnd.nextInt() : null);
    }

    /** Sets every string, int and double field, and each optional one to null half the time. */
    private static void fill(SpecificRecordBase r, Random rnd) {
        for (Schema.Field f : r.getSchema().getFields()) {
            Schema s = f.schema();
            if (s.getType() == Schema.Type.UNION) {
                if (rnd.nextBoolean()) {
                    r.put(f.pos(), null);
                    continue;
                }
                s = s.getTypes().get(1);
            }
            switch (s.getType()) {
                case STRING -> r.put(f.pos(), text(rnd));
                case INT -> r.put(f.pos(), rnd.nextInt());
                case DOUBLE -> r.put(f.pos(), rnd.nextDouble());
                default -> {} // set by the caller
            }
        }
    }

    private static String text(Random rnd) {
        StringBuilder sb = new StringBuilder();
        for (int i = rnd.nextInt(12); i > 0; i--) {
            sb.appendCodePoint(CODE_POINTS[rnd.nextInt(CODE_POINTS.length)]);
        }
        return sb.toString();
    }

    private static Map<String, String> metadata(Random rnd) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = rnd.nextInt(4); i > 0; i--) {
            m.put(text(rnd), text(rnd));
        }
        return m;
    }

    private static ByteBuffer vector(Random rnd) {
        float[] v = new float[rnd.nextInt(9)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (rnd.nextFloat() * 2 - 1) * (float) Math.pow(10, rnd.nextInt(20) - 10);
        }
        return FloatVectors.toBytes(v);
    }

    private static ByteBuffer bytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(16)];
        rnd.nextBytes(b);
        return ByteBuffer.wrap(b);
    }
}
