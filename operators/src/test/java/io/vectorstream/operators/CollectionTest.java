package io.vectorstream.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class CollectionTest {

    /** State written before collections had an embedder restores, with none. */
    @Test
    void aCollectionStoredBeforeEmbeddersReadsBackWithoutOne() throws Exception {
        Schema v1;
        try (InputStream in =
                getClass()
                        .getResourceAsStream(
                                "/io/vectorstream/schema/history/CollectionResponse-v1.avsc")) {
            v1 = new Schema.Parser().parse(in).getField("collections").schema().getElementType();
        }
        GenericRecord old = new GenericData.Record(v1);
        Object[] values = {
            "docs", 8, "dot", 4, "hnsw", "full", 100, 16, 100, 64, 0, 0, 16, 100, 8, 0.3
        };
        for (int i = 0; i < values.length; i++) {
            old.put(i, values[i]);
        }
        ByteBuffer info =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] stored = ByteBuffer.allocate(4 + info.remaining()).putInt(3).put(info).array();

        Collection c = Collection.fromBytes(stored, 1);

        assertThat(c.name()).isEqualTo("docs");
        assertThat(c.ordinal()).isEqualTo(3);
        assertThat(c.dimension()).isEqualTo(8);
        assertThat(c.embedder()).isNull();
        Collection withEmbedder =
                new Collection("t", 4, 384, c.metric(), 2, c.index(), "all-minilm-l6-v2");
        assertThat(Collection.fromBytes(withEmbedder.toBytes(), 1)).isEqualTo(withEmbedder);
    }
}
