package io.vectorstream.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress line: when it is drawn, what it says, and how messages and the end look. */
class ProgressTest {

    private static final long MS = 1_000_000L;

    @TempDir Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now;

    private String shown() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aLoadShorterThanTheIntervalPrintsNothing() {
        Progress p = Progress.of(err, "lines", 1000, () -> now);
        for (int i = 1; i <= 1000; i++) {
            now = i * 100_000L; // 0.1 ms a line: 100 ms in all
            p.update(i, i);
        }
        p.finish();

        assertThat(shown()).isEmpty();
    }

    @Test
    void drawsAtMostEveryIntervalWithCountPercentAndRate() {
        Progress p = Progress.of(err, "lines", 200, () -> now);

        now = 499 * MS;
        p.update(10, 10);
        assertThat(shown()).as("not before the first interval").isEmpty();
        now = 500 * MS;
        p.update(50, 40);
        assertThat(shown()).isEqualTo("\r50/200 lines   25.0%  80 records/s");
        now = 900 * MS;
        p.update(60, 50);
        assertThat(shown()).as("not again within the interval").hasSize(35);
        now = 1000 * MS;
        p.update(100, 90);
        assertThat(shown())
                .isEqualTo(
                        "\r50/200 lines   25.0%  80 records/s"
                                + "\r100/200 lines   50.0%  90 records/s");
    }

    @Test
    void aShorterLineBlanksWhatTheLongerOneLeft() {
        Progress p = Progress.of(err, "vectors", 10_000, () -> now);
        now = 500 * MS;
        p.update(5000, 5000);
        now = 1500 * MS;
        p.update(5001, 5001); // the rate falls from 10000/s to 3334/s: one character shorter
        now = 100_000 * MS;
        p.update(5002, 5002); // 50/s: two characters shorter again

        assertThat(shown())
                .isEqualTo(
                        "\r5000/10000 vectors   50.0%  10000 records/s"
                                + "\r5001/10000 vectors   50.0%  3334 records/s "
                                + "\r5002/10000 vectors   50.0%  50 records/s  ");
    }

    @Test
    void finishDrawsTheTotalAndEndsTheLine() {
        Progress p = Progress.of(err, "lines", 4, () -> now);
        now = 600 * MS;
        p.update(3, 3);
        now = 1000 * MS;
        p.finish(); // blank lines at the end of a file: the count still ends at the total

        assertThat(shown())
                .isEqualTo(
                        "\r3/4 lines   75.0%  5 records/s"
                                + "\r4/4 lines  100.0%  3 records/s"
                                + System.lineSeparator());
    }

    @Test
    void messagesClearTheLineAndStandAlone() {
        Progress p = Progress.of(err, "lines", 4, () -> now);
        p.println("before any drawing");
        now = 500 * MS;
        p.update(1, 1);
        p.println("f.jsonl:2: MISSING_TEXT (skipped)");

        assertThat(shown())
                .isEqualTo(
                        "before any drawing"
                                + System.lineSeparator()
                                + "\r1/4 lines   25.0%  2 records/s"
                                + "\r"
                                + " ".repeat(30)
                                + "\r"
                                + "f.jsonl:2: MISSING_TEXT (skipped)"
                                + System.lineSeparator());
    }

    @Test
    void withoutATotalOnlyTheCountIsShown() {
        Progress p = Progress.of(err, "lines", 0, () -> now);
        now = 2000 * MS;
        p.update(7, 6);

        assertThat(shown()).isEqualTo("\r7 lines  3 records/s");
    }

    @Test
    void offNeverDrawsButStillPrintsMessages() {
        Progress p = Progress.off(err);
        p.update(1, 1);
        p.update(1_000_000, 1_000_000);
        p.println("a message");
        p.finish();

        assertThat(shown()).isEqualTo("a message" + System.lineSeparator());
    }

    @Test
    void linesAreCountedAsReadLineReadsThem() throws IOException {
        assertThat(lines("")).isZero();
        assertThat(lines("a")).isEqualTo(1);
        assertThat(lines("a\n")).isEqualTo(1);
        assertThat(lines("a\nb")).isEqualTo(2);
        assertThat(lines("a\r\nb\r\n")).isEqualTo(2);
        assertThat(lines("a\rb\n\n")).isEqualTo(3);
        assertThat(lines("\n\n\n")).isEqualTo(3);
        String big = "x".repeat(100_000) + "\n";
        assertThat(lines(big.repeat(3))).isEqualTo(3);
    }

    private long lines(String content) throws IOException {
        Path file = Files.createTempFile(dir, "lines", ".txt");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return Progress.countLines(file);
    }
}
