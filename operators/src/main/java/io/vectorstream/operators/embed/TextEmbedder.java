package io.vectorstream.operators.embed;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.Locale;

/**
 * A text embedding model that runs in the job's own process. The only one is all-MiniLM-L6-v2
 * (sentence-transformers, 384 dimensions, unit-length output), run by ONNX Runtime from the model
 * file inside its Maven artifact: nothing is downloaded. Flink-free.
 *
 * <p>One model instance per JVM, loaded on first use and shared by every subtask there: it holds
 * about 90 MB and its ONNX session is safe to run from several threads.
 */
public final class TextEmbedder {

    /** The name a collection's {@code embedder} setting takes. */
    public static final String ALL_MINILM_L6_V2 = "all-minilm-l6-v2";

    /** all-MiniLM-L6-v2's output dimension. */
    public static final int MINILM_DIMENSION = 384;

    /**
     * At most this many characters of a text are embedded. The model reads 256 word pieces (about
     * 1,000 to 1,500 characters of English; sentence-transformers truncates there too), so the rest
     * would change the vector little and cost one more model run per 510 pieces: this bounds the
     * work one record or query can cause.
     */
    public static final int MAX_EMBEDDED_CHARS = 2048;

    private static volatile AllMiniLmL6V2EmbeddingModel model;

    private TextEmbedder() {}

    /** The canonical name of {@code name} if it names a known embedder, else null. */
    public static String canonical(String name) {
        if (name == null) {
            return null;
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.equals(ALL_MINILM_L6_V2) ? ALL_MINILM_L6_V2 : null;
    }

    /** The output dimension of embedder {@code name} (a canonical name). */
    public static int dimension(String name) {
        if (!ALL_MINILM_L6_V2.equals(name)) {
            throw new IllegalArgumentException("unknown embedder '" + name + "'");
        }
        return MINILM_DIMENSION;
    }

    /**
     * The embedding of {@code text} by embedder {@code name}: on the calling thread, which it holds
     * for one model run (milliseconds to tens of milliseconds per core).
     */
    public static float[] embed(String name, String text) {
        dimension(name);
        String input =
                text.length() > MAX_EMBEDDED_CHARS ? text.substring(0, MAX_EMBEDDED_CHARS) : text;
        return model().embed(input).content().vector();
    }

    private static AllMiniLmL6V2EmbeddingModel model() {
        AllMiniLmL6V2EmbeddingModel m = model;
        if (m == null) {
            synchronized (TextEmbedder.class) {
                m = model;
                if (m == null) {
                    // Runs each text on the caller's thread: the operator owns the threads.
                    m = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
                    model = m;
                }
            }
        }
        return m;
    }
}
