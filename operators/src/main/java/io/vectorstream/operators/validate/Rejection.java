package io.vectorstream.operators.validate;

import io.vectorstream.operators.Messages;

/**
 * Why an input was refused: a stable code and a message that says how to fix it, cut to {@link
 * Messages#MAX_CHARS} characters since it may quote the input.
 */
final class Rejection extends Exception {
    private static final long serialVersionUID = 1L;

    final String code;

    Rejection(String code, String message) {
        super(Messages.bounded(message), null, false, false);
        this.code = code;
    }
}
