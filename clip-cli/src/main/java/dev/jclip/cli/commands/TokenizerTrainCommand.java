package dev.jclip.cli.commands;

import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.cli.UsageException;
import dev.jclip.data.text.BpeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code clip tokenizer train --input captions.txt --vocab-size 8192 --output vocab.txt.gz [--min-pair-count 2]}:
 * learns BPE merges from a caption file (one caption a line) and writes a vocabulary {@code clip tokenize}
 * and the training loader can load. Prints one JSON line with the outcome.
 */
@Command(name = "train", description = "learn a BPE vocabulary from captions, one a line")
public final class TokenizerTrainCommand extends ClipCommand {
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "captions, one a line") Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE[.gz]", description = "the merges file to write") Path output;

    @Option(names = "--vocab-size", paramLabel = "N", description = "target vocabulary size (default: ${DEFAULT-VALUE})") int vocabSize = 8192;

    @Option(names = "--min-pair-count", paramLabel = "N", description = "stop when no pair occurs this often (default: ${DEFAULT-VALUE})")
    int minPairCount = 2;

    @Override
    protected int run() throws Exception {
        if (!Files.isRegularFile(input)) throw new UsageException("--input " + input + ": no such file");
        BpeTrainer trainer;
        try {
            trainer = new BpeTrainer(vocabSize, minPairCount);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        trainer.addCaptionFile(input);
        long t1 = System.nanoTime();
        List<String[]> merges = trainer.trainAndWrite(output);
        long t2 = System.nanoTime();
        long c2 = threads.getCurrentThreadCpuTime();
        ObjectMapper json = new ObjectMapper();
        ObjectNode report = json.createObjectNode();
        report.put("output", output.toString());
        report.put("captions", trainer.captionCount());
        report.put("merges", merges.size());
        report.put("vocab_size", BpeTrainer.MIN_VOCAB + merges.size());
        report.put("requested_vocab_size", vocabSize);
        report.put("count_seconds", round((t1 - t0) / 1e9));
        report.put("train_seconds", round((t2 - t1) / 1e9));
        report.put("cpu_seconds", round((c2 - c0) / 1e9));   // this thread's CPU time, for shared machines
        System.out.println(json.writeValueAsString(report));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
