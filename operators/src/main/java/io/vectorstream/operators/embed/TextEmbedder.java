package io.vectorstream.operators.embed;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A text embedding model that runs in the job's own process. The only one is all-MiniLM-L6-v2
 * (sentence-transformers, 384 dimensions, unit-length output), run by ONNX Runtime from the model
 * file inside its Maven artifact: nothing is downloaded. Flink-free.
 *
 * <p>One model instance per JVM, loaded on first use and shared by every subtask there: it holds
 * about 90 MB and its ONNX session is safe to run from several threads. The session runs each text
 * on the calling thread alone (one intra-op thread, no spinning): the embedding operators own their
 * threads, and ONNX Runtime's default (a spinning pool of every core per run) made two concurrent
 * runs on two cores spend half their time in the kernel.
 */
public final class TextEmbedder {

    /** The name a collection's {@code embedder} setting takes. */
    public static final String ALL_MINILM_L6_V2 = "all-minilm-l6-v2";

    /** all-MiniLM-L6-v2's output dimension. */
    public static final int MINILM_DIMENSION = 384;

    /**
     * At most this many characters of a text (after leading and trailing white space) reach the
     * tokenizer. The model reads the first 128 word pieces (the truncation of the tokenizer its
     * artifact ships; about 100 English words), so the rest never changes the vector: the cut only
     * bounds the tokenizing one record or query can cause.
     */
    public static final int MAX_EMBEDDED_CHARS = 2048;

    private static volatile Model model;

    /** Why the model could not be loaded, once it could not: not tried again for every text. */
    private static volatile RuntimeException loadFailure;

    private static final Logger LOG = LoggerFactory.getLogger(TextEmbedder.class);

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
        return model().embed(bounded(text)).content().vector();
    }

    /** {@code text} without surrounding white space, cut to its first MAX_EMBEDDED_CHARS chars. */
    static String bounded(String text) {
        String t = text.strip();
        if (t.length() <= MAX_EMBEDDED_CHARS) {
            return t;
        }
        int end = MAX_EMBEDDED_CHARS;
        if (Character.isHighSurrogate(t.charAt(end - 1))) {
            end--; // never half a character
        }
        return t.substring(0, end);
    }

    private static Model model() {
        Model m = model;
        if (m == null) {
            synchronized (TextEmbedder.class) {
                m = model;
                if (m == null) {
                    if (loadFailure != null) {
                        throw loadFailure;
                    }
                    try {
                        m = new Model(load());
                    } catch (RuntimeException | LinkageError e) {
                        loadFailure =
                                new IllegalStateException("all-MiniLM-L6-v2 failed to load", e);
                        LOG.error(
                                "The embedder cannot run: texts without vectors are dead-lettered",
                                e);
                        throw loadFailure;
                    }
                    model = m;
                }
            }
        }
        return m;
    }

    /** all-MiniLM-L6-v2 from the files its artifact carries, in a single-threaded session. */
    private static OnnxBertBiEncoder load() {
        try (InputStream onnx = resource("/all-minilm-l6-v2.onnx");
                InputStream tokenizer = resource("/all-minilm-l6-v2-tokenizer.json")) {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            OrtSession session = env.createSession(onnx.readAllBytes(), options);
            return new OnnxBertBiEncoder(env, session, tokenizer, PoolingMode.MEAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the all-MiniLM-L6-v2 model", e);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load all-MiniLM-L6-v2", e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = TextEmbedder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path (langchain4j artifact)");
        }
        return in;
    }

    /** The langchain4j model around our session; each text runs on the caller's thread. */
    private static final class Model extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder encoder;

        Model(OnnxBertBiEncoder encoder) {
            super(Runnable::run);
            this.encoder = encoder;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return encoder;
        }

        @Override
        protected Integer knownDimension() {
            return MINILM_DIMENSION;
        }
    }
}
