package dev.sshtunnel.config.validation;

/** One reason a manifest would be refused: the field path (as kubectl prints it) and what is wrong. */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
