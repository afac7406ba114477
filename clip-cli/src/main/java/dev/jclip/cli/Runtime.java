package dev.jclip.cli;

/** Process-wide settings applied before ND4J loads: quiet logs. */
final class Runtime {
    private Runtime() {
    }

    /** Keeps ND4J's banner and duplicate-op-mapping warnings out of user-facing output. */
    static void quietNd4j() {
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.log.org.nd4j", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.org.deeplearning4j", "error");
        setIfAbsent("org.slf4j.simpleLogger.log.org.bytedeco", "error");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
