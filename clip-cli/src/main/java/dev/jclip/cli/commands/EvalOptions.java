package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ImageTextEncoder;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.report.ClipBenchmarkJson;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The options every eval command shares: how the model's features are computed and cached, where the report goes. */
public final class EvalOptions {
    @Option(names = "--vocab", paramLabel = "PATH", description = "BPE vocabulary (default: vocab.txt.gz beside the checkpoint, else OpenAI's)")
    Path vocab;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "64", description = "images or texts per forward pass (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--cache", paramLabel = "DIR", description = "feature cache folder (default: ~/.cache/jclip/features)") Path cache;

    @Option(names = "--no-cache", description = "compute features without reading or writing the cache") boolean noCache;

    @Option(names = "--output", paramLabel = "FILE.json", description = "write the report as JSON, Markdown and charts") Path output;

    @Option(names = "--clip-benchmark", paramLabel = "DIR",
            description = "also write the result in CLIP_benchmark's JSON shape into DIR, as {dataset}_{pretrained}_{model}_en_{task}.json")
    Path clipBenchmark;

    @Option(names = "--benchmark-dataset", paramLabel = "NAME",
            description = "the dataset's name in the CLIP_benchmark file (default: --suite's id, cifar10/cifar100 for CIFAR, else the folder or file name)")
    String benchmarkDataset;

    /** True when an option that only applies to model features was given. */
    boolean modelOptionsGiven() {
        return vocab != null || batchSize != 64 || cache != null || noCache;
    }

    /** The encoder for {@code checkpoint} with its feature cache; bad options fail before the model is loaded. */
    Evaluations.FeatureSource load(Path checkpoint, EncoderLoader loader, ImageOptions images) throws IOException {
        if (batchSize <= 0) throw new UsageException("--batch-size must be positive");
        if (noCache && cache != null) throw new UsageException("--cache and --no-cache contradict each other");
        Path dir = noCache ? null : cache != null ? cache : Path.of(System.getProperty("user.home"), ".cache", "jclip", "features");
        String key = EncoderLoader.cacheKey(checkpoint) + (vocab == null ? "" : "|vocab=" + EncoderLoader.cacheKey(vocab));
        ImageTextEncoder encoder = images.apply(loader.load(checkpoint, vocab));
        return new Evaluations.FeatureSource(encoder, batchSize, dir == null ? null : new FeatureCache(dir), key);
    }

    /**
     * Prints the Markdown table, writes the JSON (plus .md and charts) when {@code --output} is set and the
     * CLIP_benchmark file when {@code --clip-benchmark} is.
     *
     * @param names the result's names in CLIP_benchmark's terms, the dataset's replaced by {@code --benchmark-dataset}
     */
    void emit(EvalReport report, ClipBenchmarkJson.Names names) throws IOException {
        System.out.println(ReportWriter.markdown(report));
        if (output != null) {
            for (Path p : ReportWriter.writeAll(report, output)) System.out.println("wrote " + p);
        }
        if (clipBenchmark != null) {
            ClipBenchmarkJson.Names n = benchmarkDataset == null ? names : new ClipBenchmarkJson.Names(benchmarkDataset, names.model(), names.pretrained());
            System.out.println("wrote " + ClipBenchmarkJson.write(report, n, clipBenchmark));
        }
    }

    /** A dataset's default name in CLIP_benchmark files: cifar10/cifar100 for CIFAR specs, an IDX set's folder, else the file or folder name. */
    static String benchmarkDatasetName(String spec) {
        for (String prefix : new String[] {"cifar100", "cifar10"}) if (spec.startsWith(prefix + ":")) return prefix;
        Path p = Path.of(spec.startsWith("idx:") ? spec.substring(4) : spec).toAbsolutePath().normalize();
        if (spec.startsWith("idx:") || p.getFileName().toString().contains("-idx3-ubyte")) p = p.getParent();
        String name = p.getFileName() == null ? "dataset" : p.getFileName().toString();
        return name.replaceFirst("\\.(csv|tsv)$", "");
    }
}
