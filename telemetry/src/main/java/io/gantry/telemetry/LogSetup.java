package io.gantry.telemetry;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Configures logback programmatically (no logback.xml): one appender on stderr, text or JSON lines.
 * Call once at startup, before the first interesting log line. Requires logback-classic to be the slf4j binding.
 */
public final class LogSetup {
    /** Put the workload id into the MDC under this key ({@code MDC.putCloseable(LogSetup.WORKLOAD_MDC_KEY, id)}). */
    public static final String WORKLOAD_MDC_KEY = "workload";
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} [%level] %logger{0} - %msg%n";

    private LogSetup() {}

    /** {@code format}: "text" or "json" (else a one-line IllegalArgumentException); level INFO, to stderr. */
    public static void configure(String format, String component, String nodeName) {
        configure(LogFormat.parse(format), component, nodeName, Level.INFO,
                new FileOutputStream(FileDescriptor.err));
    }

    /** Full form: level e.g. {@code Level.toLevel("debug")}, output any stream (tests). */
    public static void configure(LogFormat format, String component, String nodeName, Level level, OutputStream out) {
        Objects.requireNonNull(format, "format");
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            throw new IllegalStateException("structured logging needs logback-classic as the slf4j binding, found "
                    + factory.getClass().getName());
        }
        context.reset();
        Encoder<ILoggingEvent> encoder;
        if (format == LogFormat.JSON) {
            encoder = new JsonLineEncoder(Objects.requireNonNullElse(component, ""), Objects.requireNonNullElse(nodeName, ""));
        } else {
            var pattern = new PatternLayoutEncoder();
            pattern.setPattern(TEXT_PATTERN);
            encoder = pattern;
        }
        encoder.setContext(context);
        encoder.start();
        var appender = new OutputStreamAppender<ILoggingEvent>();
        appender.setName(format == LogFormat.JSON ? "json" : "text");
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.setImmediateFlush(true);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        // Third-party chatter that drowns our own lines at INFO.
        context.getLogger("org.apache.zookeeper").setLevel(Level.WARN);
        context.getLogger("org.apache.curator").setLevel(Level.WARN);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("io.grpc").setLevel(Level.WARN);
    }
}
