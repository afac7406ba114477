package dev.jclip.train;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.train.tensorboard.EventFileWriter;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's outputs for people and tools: every step as one JSON line in {@code metrics.jsonl} and, with
 * {@code report-to tensorboard}, as scalars in a TensorBoard event file beside it ({@code train/loss},
 * {@code train/lr}, ..., evaluation metrics as {@code eval/NAME}); every
 * {@code logEvery} steps a summary through SLF4J and into {@code train.log}; and, on an interactive terminal,
 * a progress line rewritten in place after each step. In a distributed run only rank 0 reports; the other ranks
 * get a {@link #quiet} reporter that writes nothing and sends only errors to SLF4J, naming the rank.
 */
final class RunReporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.train");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path metricsFile;
    private final BufferedWriter metrics;
    private final BufferedWriter log;
    private final int logEvery;
    private final EventFileWriter events;   // null unless report-to names tensorboard
    private final Console console;
    /** Null for rank 0 (or a one-process run); else the rank of a quiet reporter. */
    private final Integer quietRank;
    private boolean progressShown;
    // sums over the current log interval
    private double lossSum, rateSum, waitSum;
    private int intervalSteps;

    /**
     * @param resumedStep when resuming, metrics lines for later steps (written by the interrupted run after its
     *                    last checkpoint) are dropped so the file reads like one uninterrupted run; -1 otherwise
     */
    RunReporter(Path runDir, int logEvery, boolean interactive, long resumedStep, boolean tensorboard) throws IOException {
        this.quietRank = null;
        this.metricsFile = runDir.resolve("metrics.jsonl");
        this.logEvery = logEvery;
        this.console = interactive ? System.console() : null;
        if (resumedStep >= 0) truncateMetrics(resumedStep);
        else Files.deleteIfExists(metricsFile);
        this.metrics = Files.newBufferedWriter(metricsFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.log = Files.newBufferedWriter(runDir.resolve("train.log"), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        this.events = tensorboard ? new EventFileWriter(runDir) : null;
    }

    /** Whether metrics also go to TensorBoard. */
    boolean tensorboard() {
        return events != null;
    }

    /** A TensorBoard histogram (when TensorBoard is on). */
    void histogram(long step, String tag, double[] values) throws IOException {
        if (events != null) events.histogram(step, tag, values, 30);
    }

    private RunReporter(int rank) {
        this.quietRank = rank;
        this.metricsFile = null;
        this.metrics = null;
        this.log = null;
        this.logEvery = Integer.MAX_VALUE;
        this.console = null;
        this.events = null;
    }

    /** A reporter for a rank other than 0: writes no file, logs only errors. */
    static RunReporter quiet(int rank) {
        return new RunReporter(rank);
    }

    void info(String format, Object... args) {
        if (quietRank != null) return;
        String msg = String.format(Locale.ROOT, format, args);
        clearProgress();
        LOG.info(msg);
        appendLog("INFO", msg);
    }

    void warn(String msg) {
        if (quietRank != null) return;
        clearProgress();
        LOG.warn(msg);
        appendLog("WARN", msg);
    }

    void error(String msg) {
        if (quietRank != null) {
            LOG.error("rank {}: {}", quietRank, msg);
            return;
        }
        clearProgress();
        LOG.error(msg);
        appendLog("ERROR", msg);
    }

    /** Settings written into the next metrics line (the first step of each invocation carries the numerics). */
    private Map<String, ?> pendingSettings;

    void attachToNextStep(Map<String, ?> settings) {
        pendingSettings = settings;
    }

    void step(StepMetrics m, Map<String, Double> extra) throws IOException {
        if (quietRank != null) return;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("step", m.step());
        row.put("epoch", m.epoch());
        row.put("loss", m.loss());
        row.put("lr", m.lr());
        row.put("logit_scale", m.logitScale());
        row.put("grad_norm", m.gradNorm());
        row.put("samples_seen", m.samplesSeen());
        row.put("samples_per_s", m.samplesPerSecond());
        row.put("data_wait", m.dataWaitShare());
        row.putAll(extra);
        if (pendingSettings != null) {
            row.put("numerics", pendingSettings);
            pendingSettings = null;
        }
        metrics.write(JSON.writeValueAsString(row));
        metrics.newLine();
        metrics.flush();
        if (events != null) {
            Map<String, Double> scalars = new LinkedHashMap<>();
            row.forEach((k, v) -> {
                if (v instanceof Number n && !k.equals("step")) scalars.put((extra.containsKey(k) ? "eval/" : "train/") + k, n.doubleValue());
            });
            events.scalars(m.step(), scalars);
        }

        lossSum += m.loss();
        rateSum += m.samplesPerSecond();
        waitSum += m.dataWaitShare();
        intervalSteps++;
        if (m.step() % logEvery == 0 || m.step() == m.totalSteps() || !extra.isEmpty()) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "step %d/%d epoch %d loss %.4f (avg %.4f) lr %.3e scale %.2f grad %.3f %.1f samples/s data %.0f%%",
                    m.step(), m.totalSteps(), m.epoch(), m.loss(), lossSum / intervalSteps, m.lr(), m.logitScale(),
                    m.gradNorm(), rateSum / intervalSteps, 100 * waitSum / intervalSteps));
            extra.forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
            info("%s", sb);
            lossSum = rateSum = waitSum = 0;
            intervalSteps = 0;
        } else if (console != null) {
            console.writer().printf(Locale.ROOT, "\r\033[Kstep %d/%d loss %.4f lr %.2e %.0f samples/s",
                    m.step(), m.totalSteps(), m.loss(), m.lr(), m.samplesPerSecond());
            console.writer().flush();
            progressShown = true;
        }
    }

    private void clearProgress() {
        if (console != null && progressShown) {
            console.writer().print("\r\033[K");
            console.writer().flush();
            progressShown = false;
        }
    }

    private void appendLog(String level, String msg) {
        try {
            log.write(Instant.now() + " [" + level + "] " + msg);
            log.newLine();
            log.flush();
        } catch (IOException e) {
            LOG.warn("cannot write train.log: {}", e.getMessage());
        }
    }

    /** Keeps the metrics lines of steps up to {@code step}; rewrites the file atomically. */
    private void truncateMetrics(long step) throws IOException {
        if (!Files.exists(metricsFile)) return;
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(metricsFile, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            try {
                if (JSON.readTree(line).path("step").asLong(Long.MAX_VALUE) <= step) kept.add(line);
            } catch (IOException e) {
                // a line cut short by the interruption: drop it
            }
        }
        AtomicFile.write(metricsFile, tmp -> Files.write(tmp, kept, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        if (quietRank != null) return;
        clearProgress();
        try (log; metrics) {
            if (events != null) events.close();
        }
    }
}
