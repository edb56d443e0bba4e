package io.vectorstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.merge.PendingMerge;
import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.operators.message.CollectionAnnouncement;
import io.vectorstream.operators.message.MessageTypes;
import io.vectorstream.operators.message.PartialError;
import io.vectorstream.operators.message.PartialResult;
import io.vectorstream.operators.message.ProgressMarker;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.QueryOutcome;
import io.vectorstream.operators.message.RawMessage;
import io.vectorstream.operators.message.ShardMessage;
import io.vectorstream.operators.message.VectorWrite;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every type that crosses the network or sits in state is a Flink POJO, so Kryo is never used. */
class TypesTest {

    @ParameterizedTest
    @ValueSource(
            classes = {
                RawMessage.class,
                VectorWrite.class,
                ProgressMarker.class,
                CollectionAnnouncement.class,
                CatalogUpdate.class,
                Query.class,
                PartialResult.class,
                PartialError.class,
                Answer.class,
                PendingMerge.class
            })
    void isAPojoSerializableWithGenericTypesDisabled(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        assertThat(info.createSerializer(noGenericTypes())).isNotNull();
    }

    @Test
    void aShardChannelCarriesEachKindOfMessageAsItself() throws Exception {
        VectorWrite w = new VectorWrite();
        w.id = "a";
        w.shardKey = 7;
        w.vector = new float[] {1, 2};
        w.metadata = Map.of("lang", "en");
        w.sourcePartition = 3;
        w.sourceOffset = 42;
        ProgressMarker m = new ProgressMarker(9, new int[] {0, 1}, new long[] {5, 6});
        CollectionAnnouncement a = new CollectionAnnouncement(1, 11, new byte[] {1, 2, 3});
        TypeSerializer<ShardMessage> s =
                MessageTypes.SHARD_MESSAGE.createSerializer(noGenericTypes());

        List<ShardMessage> back = roundTrip(s, List.of(w, m, a, w));

        assertThat(back.get(0))
                .isInstanceOf(VectorWrite.class)
                .usingRecursiveComparison()
                .isEqualTo(w);
        assertThat(back.get(1))
                .isInstanceOf(ProgressMarker.class)
                .usingRecursiveComparison()
                .isEqualTo(m);
        assertThat(back.get(2))
                .isInstanceOf(CollectionAnnouncement.class)
                .usingRecursiveComparison()
                .isEqualTo(a);
        assertThat(back.get(3)).usingRecursiveComparison().isEqualTo(w);
        assertThat(back.stream().map(ShardMessage::shardKey)).containsExactly(7, 9, 11, 7);
    }

    /**
     * The embedding steps keep in-flight messages in their checkpoints: the union's serializer
     * snapshot reads back into a serializer that reads what the old one wrote, and knows itself
     * compatible with the same kinds.
     */
    @Test
    void aUnionSerializerSnapshotRestoresASerializerForTheSameKinds() throws Exception {
        TypeSerializer<ShardMessage> s =
                MessageTypes.SHARD_MESSAGE.createSerializer(noGenericTypes());
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
        TypeSerializerSnapshot<ShardMessage> read =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());
        TypeSerializer<ShardMessage> restored = read.restoreSerializer();
        VectorWrite w = new VectorWrite();
        w.id = "a";
        w.embedder = "all-minilm-l6-v2";
        w.text = "some text";
        DataOutputSerializer bytes = new DataOutputSerializer(64);
        s.serialize(w, bytes);
        assertThat(restored.deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer())))
                .usingRecursiveComparison()
                .isEqualTo(w);
        assertThat(s.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs())
                .isTrue();
        TypeSerializerSnapshot<QueryOutcome> other =
                MessageTypes.QUERY_OUTCOME
                        .createSerializer(noGenericTypes())
                        .snapshotConfiguration();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<ShardMessage> mismatched = (TypeSerializerSnapshot) other;
        assertThat(
                        s.snapshotConfiguration()
                                .resolveSchemaCompatibility(mismatched)
                                .isIncompatible())
                .isTrue();
    }

    private static <T> List<T> roundTrip(TypeSerializer<T> s, List<T> values) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        for (T v : values) {
            s.serialize(v, out);
        }
        // Copying record by record, as the network stack may, keeps the tags in step.
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        DataOutputSerializer copied = new DataOutputSerializer(256);
        for (int i = 0; i < values.size(); i++) {
            s.copy(in, copied);
        }
        in = new DataInputDeserializer(copied.getCopyOfBuffer());
        List<T> back = new java.util.ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            back.add(s.deserialize(in));
        }
        assertThat(in.available()).isZero();
        return back;
    }

    private static SerializerConfigImpl noGenericTypes() {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        return config;
    }
}
