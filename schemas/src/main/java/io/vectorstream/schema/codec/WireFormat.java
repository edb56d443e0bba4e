package io.vectorstream.schema.codec;

/**
 * The two payload forms accepted on every topic: Avro single-object encoding (magic {@code C3 01}
 * plus an 8-byte schema fingerprint) and JSON (a UTF-8 object, for people using plain Kafka tools).
 */
public enum WireFormat {
    AVRO,
    JSON;

    /** Tells the form from the first bytes, or throws {@link CodecException} UNDECODABLE. */
    public static WireFormat detect(byte[] payload) {
        if (payload == null || payload.length == 0) {
            throw new CodecException("UNDECODABLE", "empty payload");
        }
        if (payload.length >= 2 && payload[0] == (byte) 0xC3 && payload[1] == (byte) 0x01) {
            return AVRO;
        }
        for (byte b : payload) {
            if (b == '{') {
                return JSON;
            }
            if (b != ' '
                    && b != '\t'
                    && b != '\r'
                    && b != '\n'
                    && b != (byte) 0xEF
                    && b != (byte) 0xBB
                    && b != (byte) 0xBF) {
                break;
            }
        }
        throw new CodecException(
                "UNDECODABLE",
                "payload is neither Avro single-object encoding (starts C3 01) nor a JSON object");
    }
}
