package io.vectorstream.state.filter;

/** A filter that cannot be parsed; the message says what is wrong and where. */
public final class FilterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final boolean tooLarge;

    FilterException(String message, boolean tooLarge) {
        super(message);
        this.tooLarge = tooLarge;
    }

    /** Whether the filter is well formed but over a size limit (rather than malformed). */
    public boolean tooLarge() {
        return tooLarge;
    }
}
