package dev.sshtunnel.config;

/** A user error in a tunnel document or its secret files; the message names the field and says what is wrong. */
public class ConfigException extends Exception {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
