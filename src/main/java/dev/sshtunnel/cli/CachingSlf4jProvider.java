package dev.sshtunnel.cli;

import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding on the classpath (JBoss LogManager's), with loggers cached by name.
 *
 * <p>MINA builds a logger for every future it creates, several per SSH packet. The JBoss binding
 * looks each one up through the LogContext's node tree and registers a new Logger with a reference
 * reaper every time: about 10 % of the forwarder's CPU in a bulk transfer (JFR profile in
 * docs/benchmarks.md). A logger per name is what every caller gets anyway. Installed with the
 * {@code slf4j.provider} system property before the first logger exists ({@link #install()}).
 */
public final class CachingSlf4jProvider implements SLF4JServiceProvider {

    private final SLF4JServiceProvider delegate = ServiceLoader.load(SLF4JServiceProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> !(p instanceof CachingSlf4jProvider))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no SLF4J binding on the classpath"));
    private final ConcurrentHashMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private volatile ILoggerFactory factory;

    /** Makes SLF4J pick this provider, unless one was chosen explicitly with -Dslf4j.provider. */
    public static void install() {
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", CachingSlf4jProvider.class.getName());
            // SLF4J announces an explicitly chosen provider on stderr; its warnings still show.
            if (System.getProperty("slf4j.internal.verbosity") == null) {
                System.setProperty("slf4j.internal.verbosity", "WARN");
            }
        }
    }

    @Override
    public void initialize() {
        delegate.initialize();
        ILoggerFactory uncached = delegate.getLoggerFactory();
        factory = name -> loggers.computeIfAbsent(name, uncached::getLogger);
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return delegate.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return delegate.getMDCAdapter();
    }

    @Override
    public String getRequestedApiVersion() {
        return delegate.getRequestedApiVersion();
    }
}
