package io.vectorstream.jobs.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Every log event of this JVM at INFO or above (the level the project's log4j configuration ships),
 * from every logger, while open: what an operator would find in the log files. Thread-safe.
 *
 * <pre>{@code
 * try (CapturedLogs logs = CapturedLogs.start()) { ...; assertThat(logs.text()).doesNotContain(secret); }
 * }</pre>
 */
public final class CapturedLogs implements AutoCloseable {

    /** One event: logger name, formatted message and the stack trace of its throwable, if any. */
    public record Event(String logger, String message) {}

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final Appender appender = new Appender("captured-" + UUID.randomUUID());

    private CapturedLogs() {}

    public static CapturedLogs start() {
        CapturedLogs logs = new CapturedLogs();
        logs.appender.start();
        LoggerContext ctx = LoggerContext.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(logs.appender, Level.INFO, null);
        ctx.updateLoggers();
        return logs;
    }

    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Every captured event as one text, for "never appears" checks. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (Event e : events) {
            sb.append(e.logger()).append(" - ").append(e.message()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        LoggerContext ctx = LoggerContext.getContext(false);
        ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
        ctx.updateLoggers();
        appender.stop();
    }

    private final class Appender extends AbstractAppender {
        Appender(String name) {
            super(name, null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            String message = event.getMessage().getFormattedMessage();
            Throwable t = event.getThrown();
            if (t != null) {
                StringWriter trace = new StringWriter();
                t.printStackTrace(new PrintWriter(trace));
                message = message + "\n" + trace;
            }
            events.add(new Event(event.getLoggerName(), message));
        }
    }
}
