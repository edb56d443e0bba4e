package io.vectorstream.state.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into the terms the keyword index holds: maximal runs of Unicode letters, combining
 * marks and digits, lower-cased (root locale). No stemming and no stop words: BM25's idf already
 * gives common words little weight, and a query that names a rare word (a package, a product code)
 * must find it as written.
 *
 * <p>A run longer than {@value #MAX_TERM_CHARS} characters is not a term (a hash, base64, a URL
 * body): it would only bloat the dictionary, as Lucene's 255-character token limit guards against.
 * Scripts written without spaces (Chinese, Japanese, Thai) are not segmented into words: a run of
 * them is one term, and is dropped when longer than that (README "Text search").
 */
public final class Tokenizer {

    /** Longest term kept, in chars. */
    public static final int MAX_TERM_CHARS = 64;

    private Tokenizer() {}

    /** The terms of {@code text} in order, repeats included; empty for null. */
    public static List<String> terms(String text) {
        List<String> terms = new ArrayList<>();
        if (text == null) {
            return terms;
        }
        int n = text.length();
        int i = 0;
        while (i < n) {
            while (i < n && !isWordChar(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            int start = i;
            while (i < n && isWordChar(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start && i - start <= MAX_TERM_CHARS) {
                terms.add(text.substring(start, i).toLowerCase(Locale.ROOT));
            }
        }
        return terms;
    }

    private static boolean isWordChar(int codePoint) {
        if (Character.isLetterOrDigit(codePoint)) {
            return true;
        }
        // Vowel signs and accents written as their own code points belong to their word.
        int type = Character.getType(codePoint);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
    }
}
