package io.vectorstream.operators.message;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes a record of a {@link UnionTypeInfo} as its kind's tag byte and then the kind's own
 * serializer. Its snapshot ({@link Snapshot}) names the kinds and nests theirs: the embedding steps
 * are asynchronous operators whose in-flight messages are kept in their checkpoints.
 */
final class UnionSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final List<Class<? extends T>> kinds;
    private final TypeSerializer<? extends T>[] serializers;

    UnionSerializer(List<Class<? extends T>> kinds, TypeSerializer<? extends T>[] serializers) {
        this.kinds = kinds;
        this.serializers = serializers;
    }

    @SuppressWarnings("unchecked")
    private TypeSerializer<T> of(int tag) {
        return (TypeSerializer<T>) serializers[tag];
    }

    private int tagOf(T value) {
        Class<?> c = value.getClass();
        for (int i = 0; i < kinds.size(); i++) {
            if (kinds.get(i) == c) {
                return i;
            }
        }
        throw new IllegalArgumentException(c + " is not one of " + kinds);
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        @SuppressWarnings("unchecked")
        TypeSerializer<? extends T>[] copies = new TypeSerializer[serializers.length];
        boolean same = true;
        for (int i = 0; i < copies.length; i++) {
            copies[i] = serializers[i].duplicate();
            same &= copies[i] == serializers[i];
        }
        return same ? this : new UnionSerializer<>(kinds, copies);
    }

    @Override
    public T createInstance() {
        return null;
    }

    @Override
    public T copy(T from) {
        return of(tagOf(from)).copy(from);
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        int tag = tagOf(record);
        target.writeByte(tag);
        of(tag).serialize(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return of(source.readByte()).deserialize(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int tag = source.readByte();
        target.writeByte(tag);
        of(tag).copy(source, target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnionSerializer<?> u
                && kinds.equals(u.kinds)
                && Arrays.equals(serializers, u.serializers);
    }

    @Override
    public int hashCode() {
        return kinds.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /**
     * The kinds' class names, in tag order, and their serializers' snapshots. A restore accepts the
     * same kinds in the same order only (the tag is the position); each kind's serializer then
     * decides its own compatibility (POJO fields added, for one).
     */
    public static final class Snapshot<T>
            extends CompositeTypeSerializerSnapshot<T, UnionSerializer<T>> {
        private static final int VERSION = 1;

        private List<Class<? extends T>> kinds;

        /** For reading a snapshot. */
        public Snapshot() {}

        Snapshot(UnionSerializer<T> serializer) {
            super(serializer);
            this.kinds = serializer.kinds;
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return VERSION;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(UnionSerializer<T> outer) {
            return outer.serializers;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected UnionSerializer<T> createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            return new UnionSerializer<>(kinds, (TypeSerializer<? extends T>[]) nested);
        }

        @Override
        protected void writeOuterSnapshot(DataOutputView out) throws IOException {
            out.writeInt(kinds.size());
            for (Class<? extends T> kind : kinds) {
                out.writeUTF(kind.getName());
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        protected void readOuterSnapshot(int version, DataInputView in, ClassLoader loader)
                throws IOException {
            int n = in.readInt();
            List<Class<? extends T>> read = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                try {
                    read.add((Class<? extends T>) Class.forName(name, false, loader));
                } catch (ClassNotFoundException e) {
                    throw new IOException("message kind " + name + " is gone", e);
                }
            }
            kinds = read;
        }

        @Override
        protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
                TypeSerializerSnapshot<T> old) {
            return old instanceof Snapshot<T> s && s.kinds.equals(kinds)
                    ? OuterSchemaCompatibility.COMPATIBLE_AS_IS
                    : OuterSchemaCompatibility.INCOMPATIBLE;
        }
    }
}
