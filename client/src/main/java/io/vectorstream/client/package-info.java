/**
 * The Java client of VectorStream: {@link io.vectorstream.client.VectorStreamClient} publishes
 * upserts and deletes, runs k-NN queries and creates and lists collections over the Kafka topics
 * named in {@link io.vectorstream.schema.KafkaContract}; {@link io.vectorstream.client.VectorFiles}
 * and {@link io.vectorstream.client.FvecsReader} read vector files. Depends on the schemas module
 * and kafka-clients only. Everything in {@code internal} is plumbing with no compatibility promise.
 */
package io.vectorstream.client;
