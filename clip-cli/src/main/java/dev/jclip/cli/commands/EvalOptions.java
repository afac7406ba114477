package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ImageTextEncoder;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The options every eval command shares: how the model's features are computed and cached, where the report goes. */
public final class EvalOptions {
    @Mixin
    CheckpointVocabOption vocab;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64", description = "images or texts per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--cache", paramLabel = "DIR", description = "feature cache folder (default: ~/.cache/jclip/features)") Path cache;

    @Option(names = "--no-cache", description = "compute features without reading or writing the cache") boolean noCache;

    @Option(names = "--output", paramLabel = "FILE.json", description = "write the report as JSON, Markdown and charts") Path output;

    /** True when an option that only applies to model features was given. */
    boolean modelOptionsGiven() {
        return vocab.path() != null || batchSize != 64 || cache != null || noCache;
    }

    /** The encoder for {@code checkpoint} with its feature cache; bad options fail before the model is loaded. */
    Evaluations.FeatureSource load(Path checkpoint, EncoderLoader loader, ImageOptions images) throws IOException {
        if (batchSize <= 0) throw new UsageException("--batch-size must be positive");
        if (noCache && cache != null) throw new UsageException("--cache and --no-cache contradict each other");
        Path dir = noCache ? null : cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "jclip", "features");
        Path vocabFile = vocab.path();
        String key = EncoderLoader.cacheKey(checkpoint) + (vocabFile == null ? "" : "|vocab=" + EncoderLoader.cacheKey(vocabFile));
        ImageTextEncoder encoder = images.apply(loader.load(checkpoint, vocabFile));
        return new Evaluations.FeatureSource(encoder, batchSize, dir == null ? null : new FeatureCache(dir), key);
    }

    /** Prints the Markdown table and writes the JSON (plus .md and charts) when {@code --output} is set. */
    void emit(EvalReport report) throws IOException {
        System.out.println(ReportWriter.markdown(report));
        if (output != null) {
            for (Path p : ReportWriter.writeAll(report, output)) System.out.println("wrote " + p);
        }
    }
}
