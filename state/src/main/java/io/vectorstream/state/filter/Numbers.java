package io.vectorstream.state.filter;

/** How a range filter reads a metadata value as a number. */
public final class Numbers {

    private Numbers() {}

    /**
     * The value of {@code text} if it is a number in JSON syntax ({@code -12}, {@code 3.5}, {@code
     * 1e-3}: no spaces, no leading {@code +}, no {@code NaN}, {@code Infinity} or hex), else NaN.
     */
    public static double parse(String text) {
        return isJsonNumber(text) ? Double.parseDouble(text) : Double.NaN;
    }

    /** Whether {@code s} follows JSON's number grammar exactly. */
    public static boolean isJsonNumber(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && s.charAt(i) == '-') {
            i++;
        }
        if (i >= n) {
            return false;
        }
        if (s.charAt(i) == '0') {
            i++;
        } else if (isDigit(s.charAt(i))) {
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            return false;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            int start = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                return false;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int start = i;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                return false;
            }
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
