/**
 * A fuzzer for the Kafka contract, run against a live system ({@code bench/run-fuzz.sh}).
 *
 * <p>{@link io.vectorstream.bench.fuzz.PayloadFuzzer} sends payloads made by {@code CaseGenerator}:
 * a valid seed of the vectors, queries or collections topic ({@code SeedFactory}) in Avro
 * single-object encoding or JSON, changed by one mutation class ({@code MutationClass}):
 * format-blind byte mutations ({@code ByteMutator}), Avro length and count inflation found by
 * walking the body with the schema ({@code AvroVarints}), JSON-aware mutations ({@code
 * JsonMutator}), out-of-range values ({@code BadValues}), sizes around the record limit ({@code
 * Oversize}), and wrong keys and reply-to headers. Every case is a pure function of the run's seed
 * and its sequence number. The {@code Ledger} books what became of each one — acknowledged or
 * refused by the broker, dead-lettered or answered ({@code OutcomeReader}), accepted (the job's
 * counter) — and {@code FuzzReport} accounts for all of them.
 */
package io.vectorstream.bench.fuzz;
