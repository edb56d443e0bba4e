package io.vectorstream.operators.validate;

import static io.vectorstream.operators.TestData.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.TestData;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.DeadLetter;
import io.vectorstream.state.vector.Metric;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class RecordValidatorTest {

    private static final RecordValidator VALIDATOR =
            new RecordValidator(TestData.config(3, Metric.COSINE));

    @Test
    void goodAvroRecordIsNormalisedAndRoutedToItsShard() throws Exception {
        var h = ProcessFunctionTestHarnesses.forProcessFunction(VALIDATOR);
        h.processElement(
                TestData.upsert("doc-1", new float[] {3, 0, 4}, Map.of("lang", "en")), 10L);
        VectorOp op = h.extractOutputValues().get(0);
        ShardRouter router = new ShardRouter(8, 128);
        assertThat(op.id).isEqualTo("doc-1");
        assertThat(op.shard).isEqualTo(router.shardOf("doc-1"));
        assertThat(op.shardKey).isEqualTo(router.keyOf(op.shard));
        assertThat(op.vector).containsExactly(0.6f, 0f, 0.8f);
        assertThat(op.metadata).containsEntry("lang", "en");
        assertThat(op.delete).isFalse();
        assertThat(deadLetters(h)).isEmpty();
    }

    @Test
    void jsonRecordsAndDeletesAreAccepted() throws Exception {
        var h = ProcessFunctionTestHarnesses.forProcessFunction(VALIDATOR);
        h.processElement(
                json("vectors", "a", "{\"id\":\"a\",\"vector\":[1,2,2],\"metadata\":{\"n\":1}}"),
                1L);
        h.processElement(json("vectors", null, "{\"id\":\"b\",\"op\":\"delete\"}"), 2L);
        List<VectorOp> ops = h.extractOutputValues();
        assertThat(ops).hasSize(2);
        assertThat(ops.get(0).metadata).containsEntry("n", "1");
        assertThat(ops.get(1).delete).isTrue();
        assertThat(ops.get(1).vector).isNull();
    }

    @Test
    void everyBadRecordBecomesADeadLetterWithItsBytesAndReason() throws Exception {
        var h = ProcessFunctionTestHarnesses.forProcessFunction(VALIDATOR);
        Map<String, RawMessage> bad = new java.util.LinkedHashMap<>();
        bad.put("WRONG_DIMENSION", TestData.upsert("x", new float[] {1, 2}, Map.of()));
        bad.put("NOT_FINITE", TestData.upsert("x", new float[] {1, Float.NaN, 2}, Map.of()));
        bad.put("MISSING_ID", json("vectors", null, "{\"vector\":[1,2,3]}"));
        bad.put("UNDECODABLE", RawMessage.of("vectors", null, new byte[] {(byte) 0xC3, 1, 9, 9}));
        bad.put("TOO_LARGE", RawMessage.of("vectors", null, new byte[5000]));
        bad.put("ZERO_VECTOR", TestData.upsert("x", new float[] {0, 0, 0}, Map.of()));
        bad.put("MISSING_VECTOR", json("vectors", "x", "{\"id\":\"x\"}"));
        bad.put("KEY_MISMATCH", json("vectors", "y", "{\"id\":\"x\",\"vector\":[1,2,3]}"));
        bad.put(
                "UNKNOWN_COLLECTION",
                json("vectors", "x", "{\"id\":\"x\",\"collection\":\"c2\",\"vector\":[1,2,3]}"));
        bad.put(
                "ID_TOO_LONG",
                json("vectors", null, "{\"id\":\"" + "i".repeat(65) + "\",\"vector\":[1,2,3]}"));
        for (RawMessage m : bad.values()) {
            h.processElement(m, 1L);
        }
        h.processElement(TestData.upsert("good", new float[] {1, 1, 1}, Map.of()), 2L);

        List<DeadLetter> dead = deadLetters(h);
        assertThat(dead).extracting(DeadLetter::getCode).containsExactlyElementsOf(bad.keySet());
        int i = 0;
        for (RawMessage m : bad.values()) {
            DeadLetter d = dead.get(i++);
            assertThat(d.getValue()).isEqualTo(ByteBuffer.wrap(m.value));
            assertThat(d.getReason()).isNotBlank();
        }
        assertThat(h.extractOutputValues()).extracting(op -> op.id).containsExactly("good");
    }

    private static List<DeadLetter> deadLetters(
            OneInputStreamOperatorTestHarness<RawMessage, VectorOp> h) {
        ConcurrentLinkedQueue<StreamRecord<DeadLetter>> side =
                h.getSideOutput(RecordValidator.DEAD_LETTERS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }
}
