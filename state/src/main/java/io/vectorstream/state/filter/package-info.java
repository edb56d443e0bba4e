/**
 * Metadata filters: the query filter language, its parser, and the per-segment attribute columns
 * that evaluate a filter for every vector of a segment at once.
 *
 * <p><b>Language.</b> A filter is a JSON object naming one operator over a vector's string
 * metadata:
 *
 * <ul>
 *   <li>{@code {"eq": {"field": "value"}}}: the field is present and equal;
 *   <li>{@code {"in": {"field": ["a", "b"]}}}: present and one of the values;
 *   <li>{@code {"range": {"field": {"gte": 1, "lt": 5}}}}: present and a number (in JSON syntax)
 *       within the bounds ({@code gt}/{@code gte}, {@code lt}/{@code lte}, at least one); a value
 *       that is not a number does not match;
 *   <li>{@code {"exists": "field"}}: present;
 *   <li>{@code {"and": [f, ...]}}, {@code {"or": [f, ...]}}, {@code {"not": f}}.
 * </ul>
 *
 * {@code eq} and {@code in} compare strings; a JSON number or boolean given there is compared as
 * its JSON text ({@code 3} matches {@code "3"}, not {@code "3.0"}). A missing field fails every
 * predicate, so {@code not} matches vectors without it. A filter has at most {@link
 * io.vectorstream.state.filter.FilterParser#MAX_TERMS} terms (operators plus {@code in} values).
 *
 * <p><b>Evaluation.</b> {@link io.vectorstream.state.filter.Filter#matches} tests one vector's map
 * (the growing segment does this during its exact scan). A sealed segment keeps its metadata as
 * {@link io.vectorstream.state.filter.Attributes}: dictionary-encoded, sparse columns per key;
 * {@link io.vectorstream.state.filter.Attributes#select} turns a filter into the exact bit set of
 * matching ordinals, one pass over a key's entries per term. The count of that set is the filter's
 * exact selectivity in the segment, which the HNSW and IVF searches use to choose between a
 * filtered index search and an exact scan of the matching vectors (see {@link
 * io.vectorstream.state.hnsw.HnswIndex#search(float[], int, int,
 * io.vectorstream.state.search.AcceptSet)}), as Lucene and Qdrant do.
 *
 * <p>Pure JDK: the parser includes a small strict JSON reader.
 */
package io.vectorstream.state.filter;
