package io.vectorstream.schema.codec.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.Op;
import io.vectorstream.schema.VectorRecord;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.FloatVectors;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.schema.codec.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class AvroBoundsTest {

    private static final Schema VECTOR_RECORD = VectorRecord.getClassSchema();

    @Test
    void negativeLengthsAreRejected() {
        assertRejected(
                VECTOR_RECORD,
                AvroBytes.body().number(-1),
                "field 'id' claims a string of negative length -1");
    }

    @Test
    void unionBranchesOutsideTheUnionAreRejected() {
        assertRejected(
                VECTOR_RECORD,
                AvroBytes.body().string("a").number(0).string("c").number(2),
                "field 'vector' selects union branch 2 but there are 2");
        assertRejected(
                VECTOR_RECORD,
                AvroBytes.body().string("a").number(0).string("c").number(-1),
                "field 'vector' selects union branch -1 but there are 2");
    }

    @Test
    void enumIndexesOutsideTheSymbolsAreRejected() {
        assertRejected(
                VECTOR_RECORD,
                AvroBytes.body().string("a").number(Op.values().length),
                "field 'op' selects enum symbol 2 but there are 2");
    }

    @Test
    void varintsLongerThanTheirTypeAllowsAreRejected() {
        AvroBytes longTooLong =
                emptyVectorRecordUpToEventTime()
                        .number(1)
                        .raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
        assertRejected(
                VECTOR_RECORD,
                longTooLong,
                "field 'eventTimeMs' has a varint longer than 10 bytes");
        assertRejected(
                Schema.create(Schema.Type.INT),
                AvroBytes.body().raw(0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
                "the record has a varint longer than 5 bytes");
    }

    @Test
    void valuesRunningPastTheEndAreRejected() {
        assertRejected(
                VECTOR_RECORD,
                emptyVectorRecordUpToEventTime().number(1).raw(0x80, 0x80),
                "field 'eventTimeMs' runs past the end of the payload (9 bytes)");
        assertRejected(
                Schema.create(Schema.Type.DOUBLE),
                AvroBytes.body().raw(1, 2, 3),
                "the record needs 8 bytes for a double but only 3 bytes remain");
        assertRejected(
                Schema.createFixed("Id", null, "test", 16),
                AvroBytes.body().raw(1, 2, 3),
                "the record needs 16 bytes for a fixed but only 3 bytes remain");
        assertRejected(VECTOR_RECORD, AvroBytes.body(), "field 'id' runs past the end");
    }

    @Test
    void sizedBlocksMustHoldExactlyTheirItems() {
        AvroBytes wrongSize =
                emptyVectorRecordUpToMetadata().number(-1).number(3).string("k").string("v");
        assertRejected(
                VECTOR_RECORD,
                wrongSize,
                "field 'metadata' claims a map block of 3 bytes but its 1 entries take 4");
        AvroBytes minCount =
                emptyVectorRecordUpToMetadata().number(Long.MIN_VALUE).number(0).number(0);
        assertRejected(
                VECTOR_RECORD,
                minCount,
                "field 'metadata' claims a map block of " + Long.MAX_VALUE + " entries");
    }

    @Test
    void sizedBlocksAsAvrosBlockingEncoderWritesThemPassAndDecode() throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int i = 0; i < 50; i++) {
            metadata.put("key-" + i, "value-" + i);
        }
        VectorRecord record =
                VectorRecord.newBuilder()
                        .setId("doc")
                        .setVector(FloatVectors.toBytes(new float[] {1f, 2f}))
                        .setMetadata(metadata)
                        .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(AvroBytes.header(VECTOR_RECORD).bytes());
        BinaryEncoder blocking = EncoderFactory.get().blockingBinaryEncoder(out, null);
        new SpecificDatumWriter<VectorRecord>(VECTOR_RECORD).write(record, blocking);
        blocking.flush();
        byte[] payload = out.toByteArray();
        assertThat(payload)
                .as("differs from the plain encoding, so the map is written in sized blocks")
                .isNotEqualTo(PayloadCodec.encode(record, WireFormat.AVRO));

        assertThatCode(() -> AvroBounds.check(VECTOR_RECORD, payload, 10))
                .doesNotThrowAnyException();
        assertThat(PayloadCodec.decodeVectorRecord(payload)).isEqualTo(record);
    }

    @Test
    void recursiveSchemasAreWalkedOnlyToTheMaximumDepth() {
        Schema node =
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"Node\",\"fields\":"
                                        + "[{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}");
        AvroBytes shallow = AvroBytes.body();
        for (int i = 0; i < 10; i++) {
            shallow.number(1);
        }
        assertThatCode(() -> AvroBounds.check(node, shallow.number(0).bytes(), 0))
                .doesNotThrowAnyException();

        AvroBytes deep = AvroBytes.body();
        for (int i = 0; i < 100_000; i++) {
            deep.number(1);
        }
        assertRejected(
                node,
                deep.number(0),
                // Each level is a union and a record: the path names every record field on the way.
                "field '"
                        + "next.".repeat(AvroBounds.MAX_DEPTH / 2)
                        + "next' nests deeper than "
                        + AvroBounds.MAX_DEPTH
                        + " levels");
    }

    @Test
    void bytesAfterTheRecordAreIgnoredAsAvroIgnoresThem() {
        VectorRecord record =
                VectorRecord.newBuilder()
                        .setId("doc")
                        .setVector(FloatVectors.toBytes(new float[] {1f}))
                        .build();
        byte[] encoded = PayloadCodec.encode(record, WireFormat.AVRO);
        byte[] padded = Arrays.copyOf(encoded, encoded.length + 4);
        Arrays.fill(padded, encoded.length, padded.length, (byte) 0xff);

        assertThatCode(() -> AvroBounds.check(VECTOR_RECORD, padded, 10))
                .doesNotThrowAnyException();
        assertThat(PayloadCodec.decodeVectorRecord(padded)).isEqualTo(record);
    }

    /** A VectorRecord body up to its metadata: empty id, UPSERT, empty collection, no vector. */
    private static AvroBytes emptyVectorRecordUpToMetadata() {
        return AvroBytes.body().string("").number(0).string("").number(0);
    }

    /** {@link #emptyVectorRecordUpToMetadata}, then no metadata and no text. */
    private static AvroBytes emptyVectorRecordUpToEventTime() {
        return emptyVectorRecordUpToMetadata().number(0).number(0);
    }

    private static void assertRejected(Schema writer, AvroBytes body, String problem) {
        assertThatThrownBy(() -> AvroBounds.check(writer, body.bytes(), 0))
                .isExactlyInstanceOf(CodecException.class)
                .hasMessageStartingWith("corrupt Avro payload: ")
                .hasMessageContaining(problem)
                .extracting(e -> ((CodecException) e).code())
                .isEqualTo("UNDECODABLE");
    }
}
