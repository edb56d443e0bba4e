package io.vectorstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.vectorstream.operators.index.PartialResult;
import io.vectorstream.operators.kafka.RawMessage;
import io.vectorstream.operators.merge.Answer;
import io.vectorstream.operators.merge.PendingMerge;
import io.vectorstream.operators.validate.Query;
import io.vectorstream.operators.validate.VectorOp;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every type that crosses the network or sits in state is a Flink POJO, so Kryo is never used. */
class TypesTest {

    @ParameterizedTest
    @ValueSource(
            classes = {
                RawMessage.class,
                VectorOp.class,
                Query.class,
                PartialResult.class,
                Answer.class,
                PendingMerge.class
            })
    void isAPojoSerializableWithGenericTypesDisabled(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        assertThat(info.createSerializer(config)).isNotNull();
    }
}
