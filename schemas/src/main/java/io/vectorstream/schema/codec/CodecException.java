package io.vectorstream.schema.codec;

/** A message that cannot be decoded; {@link #code()} is the stable reason code used in errors. */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String code;

    public CodecException(String code, String message) {
        super(message);
        this.code = code;
    }

    public CodecException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
