package io.vectorstream.operators.validate;

/** Why an input was refused: a stable code and a message that says how to fix it. */
final class Rejection extends Exception {
    private static final long serialVersionUID = 1L;

    final String code;

    Rejection(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }
}
