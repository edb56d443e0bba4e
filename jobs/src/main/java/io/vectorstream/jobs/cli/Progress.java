package io.vectorstream.jobs.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A one-line progress display on stderr for long loads, redrawn in place with {@code \r}: {@code
 * 1200/5000 lines 24.0% 3100 records/s}. It is drawn at most every {@link #INTERVAL_NANOS} and not
 * before that much time has passed, so a short load prints nothing; {@link #finish()} draws the
 * final count and ends the line. Messages printed meanwhile go through {@link #println}, which
 * clears the line first so they are not glued to it. Not thread-safe: one loading thread updates
 * it.
 */
final class Progress {

    /** Least time between two draws, and before the first. */
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final PrintStream err;
    private final String unit;
    private final long total;
    private final LongSupplier clock;
    private final long start;
    private final boolean enabled;
    private long lastDraw;
    private long done;
    private long records;

    /** Characters of the line on screen, 0 when none is. */
    private int drawnWidth;

    /** Whether the line was ever drawn: then {@link #finish()} draws the final state. */
    private boolean everDrawn;

    private Progress(PrintStream err, String unit, long total, LongSupplier clock, boolean on) {
        this.err = err;
        this.unit = unit;
        this.total = total;
        this.clock = clock;
        this.enabled = on;
        this.start = clock.getAsLong();
        this.lastDraw = start;
    }

    /** A display of {@code total} {@code unit}s (e.g. lines) on {@code err}, on the real clock. */
    static Progress of(PrintStream err, String unit, long total) {
        return new Progress(err, unit, total, System::nanoTime, true);
    }

    /** As {@link #of}, with {@code clock} giving nanoseconds; for tests. */
    static Progress of(PrintStream err, String unit, long total, LongSupplier clock) {
        return new Progress(err, unit, total, clock, true);
    }

    /** A display that never draws; {@link #println} prints as it is. */
    static Progress off(PrintStream err) {
        return new Progress(err, "", 0, () -> 0, false);
    }

    /**
     * Records that {@code done} of the total units are through and {@code records} records were
     * sent, and redraws if the interval has passed since the last draw.
     */
    void update(long done, long records) {
        this.done = done;
        this.records = records;
        if (!enabled) {
            return;
        }
        long now = clock.getAsLong();
        if (now - lastDraw >= INTERVAL_NANOS) {
            draw(now);
        }
    }

    /** Prints {@code line} on its own line, clearing the progress line first if it is shown. */
    void println(String line) {
        clear();
        err.println(line);
    }

    /**
     * Draws the final state, all of the total through, and ends the line; prints nothing if the
     * display was never drawn (a load shorter than the interval).
     */
    void finish() {
        if (everDrawn) {
            done = Math.max(done, total);
            draw(clock.getAsLong());
            err.println();
            err.flush();
            drawnWidth = 0;
            everDrawn = false;
        }
    }

    /** The line as it would be drawn now, without the {@code \r}; for tests and {@link #draw}. */
    String text(long now) {
        double seconds = (now - start) / 1e9;
        double perSecond = seconds <= 0 ? 0 : records / seconds;
        String count = total > 0 ? done + "/" + total + " " + unit : done + " " + unit;
        String percent =
                total > 0
                        ? String.format(
                                Locale.ROOT, "  %5.1f%%", Math.min(100.0, 100.0 * done / total))
                        : "";
        return String.format(Locale.ROOT, "%s%s  %.0f records/s", count, percent, perSecond);
    }

    private void draw(long now) {
        String line = text(now);
        StringBuilder sb = new StringBuilder("\r").append(line);
        // Blank out what a longer previous line left.
        for (int i = line.length(); i < drawnWidth; i++) {
            sb.append(' ');
        }
        err.print(sb);
        err.flush();
        drawnWidth = line.length();
        everDrawn = true;
        lastDraw = now;
    }

    private void clear() {
        if (drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            drawnWidth = 0; // drawn again at the next interval
        }
    }

    /**
     * The number of lines of a text file as {@link java.io.BufferedReader#readLine()} counts them
     * (a last line without its line break counts; {@code \r\n} is one break): the total of a
     * display over a file's lines. Reads the file once without decoding it.
     */
    static long countLines(Path file) throws IOException {
        long lines = 0;
        byte[] buffer = new byte[1 << 16];
        int previous = '\n';
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    int b = buffer[i];
                    if (b == '\r' || (b == '\n' && previous != '\r')) {
                        lines++;
                    }
                    previous = b;
                }
            }
        }
        return previous == '\n' || previous == '\r' ? lines : lines + 1;
    }
}
