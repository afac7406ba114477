package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.UsageException;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.ModelEncoder;
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
    static final String SHARED_OPTIONS = "[--vocab BPE.txt.gz] [--batch-size N] [--cache DIR | --no-cache] [--output FILE.json]"
            + " [--alpha-background white|black|none|R,G,B (default: the checkpoint's, else white)]";

    private EvalCommon() {
    }

    /** {@code --alpha-background}, or {@code fallback} when it is not given (null: the checkpoint's). */
    static AlphaBackground alphaBackground(Args args, AlphaBackground fallback) {
        if (!args.has("alpha-background")) return fallback;
        try {
            return AlphaBackground.parse(args.get("alpha-background", null));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--alpha-background: " + e.getMessage());
        }
    }

    /** {@code --classnames FILE}, or null. */
    static List<String> classNames(Args args) throws IOException {
        Path p = args.path("classnames");
        return p == null ? null : ClassNames.read(p);
    }

    /**
     * The model options, read before anything is loaded so that bad options and data fail fast.
     *
     * @param cacheDir        null with {@code --no-cache}
     * @param alphaBackground {@code --alpha-background}; null: the one the checkpoint records
     */
    record ModelOptions(Path checkpoint, Path vocab, int batchSize, Path cacheDir, AlphaBackground alphaBackground) {

        /** Reads {@code --vocab}, {@code --batch-size}, {@code --cache} and {@code --no-cache}. */
        static ModelOptions read(Args args, Path checkpoint) {
            int batch = args.getInt("batch-size", 64);
            if (batch <= 0) throw new dev.jclip.cli.UsageException("--batch-size must be positive");
            Path vocab = args.path("vocab");
            boolean noCache = args.flag("no-cache");
            Path dir = args.path("cache");
            if (noCache && dir != null) throw new dev.jclip.cli.UsageException("--cache and --no-cache contradict each other");
            if (dir == null && !noCache) dir = Path.of(System.getProperty("user.home"), ".cache", "jclip", "features");
            return new ModelOptions(checkpoint, vocab, batch, dir, EvalCommon.alphaBackground(args, null));
        }

        /** Loads the checkpoint through {@link EncoderLoader}. */
        Evaluations.FeatureSource load() throws IOException {
            String key = EncoderLoader.cacheKey(checkpoint) + (vocab == null ? "" : "|vocab=" + EncoderLoader.cacheKey(vocab));
            ImageTextEncoder encoder = EncoderLoader.load(checkpoint, vocab);
            if (alphaBackground != null) {
                if (!(encoder instanceof ModelEncoder m)) throw new UsageException("this encoder cannot take --alpha-background");
                encoder = m.withPreprocessing(m.preprocessing().withAlphaBackground(alphaBackground));
            }
            return new Evaluations.FeatureSource(encoder, batchSize, cacheDir == null ? null : new FeatureCache(cacheDir), key);
        }
    }

    /** Prints the Markdown table and writes the JSON (plus .md and charts) when {@code output} is set. */
    static void emit(EvalReport report, Path output) throws IOException {
        System.out.println(ReportWriter.markdown(report));
        if (output != null) {
            for (Path p : ReportWriter.writeAll(report, output)) System.out.println("wrote " + p);
        }
    }
}
