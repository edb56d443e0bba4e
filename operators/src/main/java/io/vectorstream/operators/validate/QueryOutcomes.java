package io.vectorstream.operators.validate;

import io.vectorstream.operators.message.Answer;
import io.vectorstream.operators.message.Query;
import io.vectorstream.operators.message.QueryOutcome;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Sends admitted queries on, those still to be embedded (their text, by their collection's
 * embedder) to {@link #TO_EMBED}, and error answers to {@link #ANSWERS}.
 */
public final class QueryOutcomes extends ProcessFunction<QueryOutcome, Query> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<Answer> ANSWERS =
            new OutputTag<>("query-errors", Types.POJO(Answer.class));

    public static final OutputTag<Query> TO_EMBED =
            new OutputTag<>("queries-to-embed", Types.POJO(Query.class));

    @Override
    public void processElement(QueryOutcome o, Context ctx, Collector<Query> out) {
        if (o instanceof Query q && q.embedder != null) {
            ctx.output(TO_EMBED, q);
        } else if (o instanceof Query q) {
            out.collect(q);
        } else {
            ctx.output(ANSWERS, (Answer) o);
        }
    }
}
