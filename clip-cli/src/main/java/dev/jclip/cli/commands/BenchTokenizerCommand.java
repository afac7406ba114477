package dev.jclip.cli.commands;

import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.cli.UsageException;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.SyntheticCaptions;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code clip bench tokenizer [--vocab PATH (default $JCLIP_VOCAB, else OpenAI's, built in)] [--captions N] [--input FILE] [--repeat 3] [--write-captions FILE] [--write-ids FILE]}:
 * captions per second on one thread, tokenizing to 77-long rows with truncation, as a data loader does.
 * Captions come from {@code --input} (one a line) or are generated deterministically (web-like templates plus
 * Zipf-distributed words of the vocabulary, seed 1). A different set warms the JIT up first; each timed pass
 * starts with an empty merge cache, and the median of {@code --repeat} passes is reported. Prints one JSON line
 * with wall-clock and thread-CPU rates (they differ when the machine is shared).
 */
@Command(name = "tokenizer", description = "tokenizer captions/s on one thread; prints one JSON line")
public final class BenchTokenizerCommand extends ClipCommand {
    @Option(names = "--vocab", paramLabel = "PATH", description = "BPE merges file (default: $JCLIP_VOCAB, else OpenAI's, built in)")
    Path vocab = System.getenv("JCLIP_VOCAB") == null ? null : Path.of(System.getenv("JCLIP_VOCAB"));

    @Option(names = "--captions", paramLabel = "N", description = "generated captions (default: ${DEFAULT-VALUE})") int count = 100_000;

    @Option(names = "--input", paramLabel = "FILE", description = "captions to use instead, one a line") Path input;

    @Option(names = "--repeat", paramLabel = "N", description = "timed passes; the median is reported (default: ${DEFAULT-VALUE})") int repeat = 3;

    @Option(names = "--write-captions", paramLabel = "FILE", description = "write the captions used") Path writeCaptions;

    @Option(names = "--write-ids", paramLabel = "FILE", description = "write the token ids") Path writeIds;

    @Override
    protected int run() throws Exception {
        if (repeat < 1) throw new UsageException("--repeat must be positive, got " + repeat);
        if (vocab != null && !Files.isRegularFile(vocab)) throw new UsageException("--vocab " + vocab + ": no such file");
        if (count < 1) throw new UsageException("--captions must be positive, got " + count);

        ClipTokenizer probe = vocab != null ? ClipTokenizer.load(vocab) : ClipTokenizer.openai();
        List<String> words = probe.vocabularyWords(20_000);
        List<String> captions;
        if (input != null) {
            captions = Files.readAllLines(input, StandardCharsets.UTF_8).stream().filter(s -> !s.isBlank()).toList();
        } else {
            captions = SyntheticCaptions.generate(count, 1, words);
        }
        if (captions.isEmpty()) throw new UsageException("--input " + input + ": no captions");
        if (writeCaptions != null) Files.write(writeCaptions, captions, StandardCharsets.UTF_8);

        // Warm-up on other captions so the timed pass measures compiled code, not the JIT.
        for (String c : SyntheticCaptions.generate(Math.min(50_000, Math.max(captions.size(), 10_000)), 2, words)) {
            probe.tokenize(c, ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
        }
        // Each repetition starts from a fresh tokenizer (empty cache); the median repetition is reported.
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int[][] rows = new int[captions.size()][];
        double[] wall = new double[repeat];
        double[] cpu = new double[repeat];
        for (int r = 0; r < repeat; r++) {
            ClipTokenizer tokenizer = vocab != null ? ClipTokenizer.load(vocab) : ClipTokenizer.openai();
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < rows.length; i++) {
                rows[i] = tokenizer.tokenize(captions.get(i), ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
            }
            wall[r] = (System.nanoTime() - t0) / 1e9;
            cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
        }
        java.util.Arrays.sort(wall);
        java.util.Arrays.sort(cpu);
        double seconds = wall[repeat / 2];
        double cpuSeconds = cpu[repeat / 2];
        long tokens = 0;
        for (int[] r : rows) for (int id : r) if (id != 0) tokens++;
        if (writeIds != null) {
            try (BufferedWriter w = Files.newBufferedWriter(writeIds, StandardCharsets.UTF_8)) {
                for (int[] r : rows) {
                    w.write(java.util.Arrays.toString(r));
                    w.write('\n');
                }
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("bench", "tokenizer");
        report.put("vocab", vocab != null ? vocab.toString() : "openai (built in)");
        report.put("source", input != null ? input.toString() : "synthetic seed 1");
        report.put("captions", rows.length);
        report.put("repeats", repeat);
        report.put("threads", 1);
        report.put("seconds", Math.round(seconds * 1000) / 1000.0);
        report.put("captions_per_s", Math.round(rows.length / seconds));
        report.put("tokens_per_s", Math.round(tokens / seconds));
        // On a shared machine wall time includes waiting for a core; CPU time of this thread does not.
        report.put("cpu_seconds", Math.round(cpuSeconds * 1000) / 1000.0);
        report.put("captions_per_cpu_s", Math.round(rows.length / cpuSeconds));
        report.put("context_length", ClipTokenizer.DEFAULT_CONTEXT_LENGTH);
        dev.jclip.core.Machine.facts().forEach((k, v) -> report.putPOJO(k, v));
        System.out.println(json.writeValueAsString(report));
        return 0;
    }
}
