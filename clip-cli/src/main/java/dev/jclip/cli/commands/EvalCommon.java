package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ImageTextEncoder;
import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Options and output shared by the eval commands. */
final class EvalCommon {
    static final String SHARED_OPTIONS = "[--batch-size N] [--cache DIR | --no-cache] [--output FILE.json]";

    private EvalCommon() {
    }

    /** {@code --classnames FILE}, or null. */
    static List<String> classNames(Args args) throws IOException {
        Path p = args.path("classnames");
        return p == null ? null : ClassNames.read(p);
    }

    /** Loads {@code --checkpoint} through {@link EncoderLoader} and reads {@code --batch-size}, {@code --cache}, {@code --no-cache}. */
    static Evaluations.FeatureSource featureSource(Args args, Path checkpoint) throws IOException {
        int batch = args.getInt("batch-size", 64);
        if (batch <= 0) throw new dev.jclip.cli.UsageException("--batch-size must be positive");
        boolean noCache = args.flag("no-cache");
        Path dir = args.path("cache");
        if (noCache && dir != null) throw new dev.jclip.cli.UsageException("--cache and --no-cache contradict each other");
        if (dir == null) dir = Path.of(System.getProperty("user.home"), ".cache", "jclip", "features");
        String key = EncoderLoader.cacheKey(checkpoint);
        ImageTextEncoder encoder = EncoderLoader.load(checkpoint);
        return new Evaluations.FeatureSource(encoder, batch, noCache ? null : new FeatureCache(dir), key);
    }

    /** Prints the Markdown table and writes the JSON (plus .md and charts) when {@code output} is set. */
    static void emit(EvalReport report, Path output) throws IOException {
        System.out.println(ReportWriter.markdown(report));
        if (output != null) {
            for (Path p : ReportWriter.writeAll(report, output)) System.out.println("wrote " + p);
        }
    }
}
