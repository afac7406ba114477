package dev.jclip.data.loader;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thread-safe tally of skipped samples by reason. Every skip is logged once: the first
 * {@value #WARN_PER_REASON} of each reason at WARN with the shard and key, later ones at DEBUG (so a shard full
 * of bad images cannot flood the log), with one WARN line saying that the rest go to DEBUG.
 */
public class SkipCounter {
    /** How many skips of one reason are logged at WARN before the rest drop to DEBUG. */
    public static final int WARN_PER_REASON = 20;

    private static final Logger LOG = LoggerFactory.getLogger(SkipCounter.class);

    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    /**
     * Counts one skip.
     *
     * @param reason one of {@link SkipReason}'s constants
     * @param source the shard or manifest the sample came from
     * @param key    the sample key (or a description such as "rest of shard")
     * @param detail why, in words (an exception message); may be null
     */
    public void skip(String reason, String source, String key, String detail) {
        long n = counts.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        String msg = "skipped sample ({}): source {} key {}{}";
        String tail = detail == null ? "" : ": " + detail;
        if (n <= WARN_PER_REASON) {
            LOG.warn(msg, reason, source, key, tail);
            if (n == WARN_PER_REASON) {
                LOG.warn("further '{}' skips are logged at DEBUG only", reason);
            }
        } else {
            LOG.debug(msg, reason, source, key, tail);
        }
    }

    /** Count for one reason (0 when never seen). */
    public long count(String reason) {
        AtomicLong c = counts.get(reason);
        return c == null ? 0 : c.get();
    }

    /** Sum over all reasons. */
    public long total() {
        long t = 0;
        for (AtomicLong c : counts.values()) t += c.get();
        return t;
    }

    /** A sorted copy of the counts at this moment. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
