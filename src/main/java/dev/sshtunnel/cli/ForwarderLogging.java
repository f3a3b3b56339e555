package dev.sshtunnel.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Console logging for the forward role (and the sandbox, whose pods are forwarders), which runs without Quarkus (and so without its logging
 * setup): one line per event on stderr, in the operator's format. MINA's own messages are limited
 * to errors; the forwarder logs every session transition itself, with the reason.
 */
public final class ForwarderLogging {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneOffset.UTC);

    private ForwarderLogging() {
    }

    public static void install() {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.ALL);
        console.setFormatter(new OneLine());
        root.addHandler(console);
        root.setLevel(Level.INFO);
        Logger.getLogger("org.apache.sshd").setLevel(Level.SEVERE);
    }

    /** 2026-11-24T10:00:00.000Z WARN  [d.s.f.s.TunnelSession] message */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            StringBuilder line = new StringBuilder()
                    .append(TIME.format(Instant.ofEpochMilli(record.getMillis()))).append(' ')
                    .append(String.format("%-5s", level(record.getLevel()))).append(" [")
                    .append(abbreviate(record.getLoggerName())).append("] ")
                    .append(formatMessage(record)).append(System.lineSeparator());
            if (record.getThrown() != null && record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            return line.toString();
        }

        private static String level(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (level.intValue() >= Level.WARNING.intValue()) {
                return "WARN";
            }
            return level.intValue() >= Level.INFO.intValue() ? "INFO" : "DEBUG";
        }

        private static String abbreviate(String name) {
            if (name == null) {
                return "";
            }
            String[] parts = name.split("\\.");
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                out.append(parts[i].isEmpty() ? "" : parts[i].charAt(0)).append('.');
            }
            return out.append(parts[parts.length - 1]).toString();
        }
    }
}
