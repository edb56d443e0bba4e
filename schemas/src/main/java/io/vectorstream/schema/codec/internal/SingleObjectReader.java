package io.vectorstream.schema.codec.internal;

import io.vectorstream.schema.codec.CodecException;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * Decodes one record type's Avro single-object payloads, written with its current schema or an
 * earlier version, after {@link AvroBounds} has checked the body against the schema it was written
 * with.
 *
 * <p>The schemas the header's fingerprint may name are the ones handed to {@link #of}, which also
 * registers them with Avro's decoder, so the writer schema checked is always the one Avro then
 * reads with. Thread-safe, as {@link BinaryMessageDecoder} is.
 */
public final class SingleObjectReader<T> {

    /** Magic {@code C3 01}, then the writer schema's CRC-64-AVRO fingerprint, little-endian. */
    public static final int HEADER_BYTES = 10;

    private final BinaryMessageDecoder<T> decoder;

    /** Parallel arrays: a handful of versions per type, searched without boxing. */
    private final long[] fingerprints;

    private final Schema[] writers;

    private SingleObjectReader(
            BinaryMessageDecoder<T> decoder, long[] fingerprints, Schema[] writers) {
        this.decoder = decoder;
        this.fingerprints = fingerprints;
        this.writers = writers;
    }

    /**
     * A reader of the payloads written with {@code current} (the schema {@code decoder} reads into)
     * or any of {@code earlier}, which are added to {@code decoder}.
     */
    public static <T> SingleObjectReader<T> of(
            BinaryMessageDecoder<T> decoder, Schema current, List<Schema> earlier) {
        long[] fingerprints = new long[earlier.size() + 1];
        Schema[] writers = new Schema[earlier.size() + 1];
        fingerprints[0] = SchemaNormalization.parsingFingerprint64(current);
        writers[0] = current;
        for (int i = 0; i < earlier.size(); i++) {
            Schema version = earlier.get(i);
            decoder.addSchema(version);
            fingerprints[i + 1] = SchemaNormalization.parsingFingerprint64(version);
            writers[i + 1] = version;
        }
        return new SingleObjectReader<>(decoder, fingerprints, writers);
    }

    /**
     * The record in {@code payload}.
     *
     * @throws CodecException {@code UNKNOWN_SCHEMA} if the header names no known version, {@code
     *     UNDECODABLE} if the header is malformed or the body is corrupt or claims sizes it does
     *     not hold
     */
    public T decode(byte[] payload) {
        AvroBounds.check(writerOf(payload), payload, HEADER_BYTES);
        try {
            return decoder.decode(payload);
        } catch (IOException | RuntimeException e) {
            throw new CodecException("UNDECODABLE", "corrupt Avro payload: " + e.getMessage(), e);
        }
    }

    private Schema writerOf(byte[] payload) {
        if (payload == null
                || payload.length < HEADER_BYTES
                || payload[0] != (byte) 0xC3
                || payload[1] != (byte) 0x01) {
            throw new CodecException(
                    "UNDECODABLE",
                    "not an Avro single-object payload: it must start with C3 01 and an 8-byte"
                            + " schema fingerprint");
        }
        long fingerprint = 0;
        for (int i = HEADER_BYTES - 1; i >= 2; i--) {
            fingerprint = (fingerprint << 8) | (payload[i] & 0xff);
        }
        for (int i = 0; i < fingerprints.length; i++) {
            if (fingerprints[i] == fingerprint) {
                return writers[i];
            }
        }
        throw new CodecException(
                "UNKNOWN_SCHEMA",
                "Avro schema fingerprint is not a known version of this topic's schema");
    }
}
