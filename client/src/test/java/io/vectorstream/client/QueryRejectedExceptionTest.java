package io.vectorstream.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vectorstream.schema.QueryError;
import io.vectorstream.schema.QueryResponse;
import org.junit.jupiter.api.Test;

class QueryRejectedExceptionTest {

    @Test
    void acceptedAnswerPassesThrough() {
        QueryResponse ok = QueryResponse.newBuilder().setQueryId("q").setComplete(true).build();

        assertThat(QueryRejectedException.isRejected(ok)).isFalse();
        assertThat(QueryRejectedException.requireAccepted(ok)).isSameAs(ok);
    }

    @Test
    void rejectedAnswerBecomesAnExceptionWithCodeAndMessage() {
        QueryResponse rejected =
                QueryResponse.newBuilder()
                        .setQueryId("q7")
                        .setError(new QueryError("WRONG_DIMENSION", "expected 384 floats, got 3"))
                        .build();

        assertThat(QueryRejectedException.isRejected(rejected)).isTrue();
        assertThatThrownBy(() -> QueryRejectedException.requireAccepted(rejected))
                .isInstanceOfSatisfying(
                        QueryRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo("WRONG_DIMENSION"))
                .hasMessage("query 'q7' was rejected: WRONG_DIMENSION: expected 384 floats, got 3");
    }
}
