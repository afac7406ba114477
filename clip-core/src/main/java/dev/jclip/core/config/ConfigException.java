package dev.jclip.core.config;

/** An invalid model configuration; the message names the source and the offending field. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
