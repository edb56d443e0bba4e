package io.vectorstream.operators.message;

import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.TypeExtractor;

/**
 * The Flink type of a sealed message interface whose kinds are POJOs: each record is one tag byte
 * (the kind's index in {@code kinds}) and the kind's own POJO serialization. Flink's POJO
 * serializer would write the subclass's name into every record instead, and Kryo is off.
 *
 * <p>For streams between operators only, never for state: see {@link UnionSerializer}.
 */
final class UnionTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> base;
    private final List<Class<? extends T>> kinds;

    UnionTypeInfo(Class<T> base, List<Class<? extends T>> kinds) {
        if (kinds.size() > Byte.MAX_VALUE) {
            throw new IllegalArgumentException("at most 127 kinds");
        }
        this.base = base;
        this.kinds = List.copyOf(kinds);
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        @SuppressWarnings("unchecked")
        TypeSerializer<? extends T>[] serializers = new TypeSerializer[kinds.size()];
        for (int i = 0; i < serializers.length; i++) {
            serializers[i] = TypeExtractor.createTypeInfo(kinds.get(i)).createSerializer(config);
        }
        return new UnionSerializer<>(kinds, serializers);
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return base;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public String toString() {
        return base.getSimpleName() + kinds.stream().map(Class::getSimpleName).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnionTypeInfo<?> u && base == u.base && kinds.equals(u.kinds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, kinds);
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof UnionTypeInfo;
    }
}
