package io.vectorstream.bench.text;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.vectorstream.operators.embed.TextEmbedder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Texts per second of all-MiniLM-L6-v2 in this JVM, outside the job: the job's embedder ({@link
 * TextEmbedder}, a single-threaded ONNX session per run) and langchain4j's default model (ONNX
 * Runtime's own thread pool per run), each on 1 and 2 threads of its own.
 *
 * <pre>
 *   java -cp ... io.vectorstream.bench.text.EmbedThroughput TEXTS_FILE [SECONDS]
 * </pre>
 *
 * TEXTS_FILE holds one text per line (e.g. bench/data/minilm/base.txt, package synopses).
 */
public final class EmbedThroughput {

    public static void main(String[] args) throws Exception {
        List<String> texts = Files.readAllLines(Path.of(args[0]));
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 20;
        AllMiniLmL6V2EmbeddingModel library = new AllMiniLmL6V2EmbeddingModel(Runnable::run);
        Consumer<String> job = t -> TextEmbedder.embed(TextEmbedder.ALL_MINILM_L6_V2, t);
        Consumer<String> lib = t -> library.embed(t);
        double chars = texts.stream().mapToInt(String::length).average().orElse(0);
        System.out.printf("%,d texts, %.0f characters on average%n", texts.size(), chars);
        System.out.println("| embedder | threads | texts/s | texts/s per thread |");
        System.out.println("|---|---:|---:|---:|");
        for (int threads : new int[] {1, 2}) {
            run("job (1 intra-op thread, no spinning)", job, texts, threads, seconds);
            run("langchain4j default session", lib, texts, threads, seconds);
        }
    }

    private static void run(
            String name, Consumer<String> embed, List<String> texts, int threads, double seconds)
            throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            embed.accept(texts.get(i)); // warm up
        }
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.execute(
                    () -> {
                        while (System.nanoTime() < end) {
                            embed.accept(texts.get(next.getAndIncrement() % texts.size()));
                            done.incrementAndGet();
                        }
                    });
        }
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.HOURS);
        double rate = done.get() / ((System.nanoTime() - start) / 1e9);
        System.out.printf("| %s | %d | %.0f | %.0f |%n", name, threads, rate, rate / threads);
    }
}
