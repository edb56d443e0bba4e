package io.vectorstream.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * README.md lists the 10 header bytes of every payload for clients in other languages; a schema
 * change that forgets to update it fails here.
 */
class ContractDocsTest {

    static Stream<Arguments> schemas() {
        return Stream.of(
                Arguments.of(VectorRecord.getClassSchema()),
                Arguments.of(QueryRequest.getClassSchema()),
                Arguments.of(QueryResponse.getClassSchema()),
                Arguments.of(DeadLetter.getClassSchema()),
                Arguments.of(CollectionRequest.getClassSchema()),
                Arguments.of(CollectionResponse.getClassSchema()));
    }

    @ParameterizedTest
    @MethodSource("schemas")
    void readmeListsTheCurrentSingleObjectHeader(Schema schema) throws IOException {
        long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
        StringBuilder header = new StringBuilder("C3 01");
        for (int i = 0; i < 8; i++) {
            header.append(String.format(" %02X", (fingerprint >>> (8 * i)) & 0xff));
        }
        String readme = Files.readString(Path.of("..", "README.md"));
        assertThat(readme).contains("| `" + schema.getName() + "` | ").contains("`" + header + "`");
        assertThat(readme.lines().filter(l -> l.startsWith("| `" + schema.getName() + "` |")))
                .singleElement()
                .asString()
                .contains(header);
    }
}
