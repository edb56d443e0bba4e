package io.vectorstream.state.format;

import java.io.IOException;

/** Binary index data that cannot be read: bad magic, unknown version, truncated or inconsistent. */
public final class CorruptIndexException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptIndexException(String message) {
        super(message);
    }

    public CorruptIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
