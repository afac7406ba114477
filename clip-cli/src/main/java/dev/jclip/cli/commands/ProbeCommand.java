package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.PixelFeatures;
import dev.jclip.eval.probe.Lbfgs;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.ClipBenchmarkJson;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * What the probe commands ({@code linear-probe}, {@code few-shot}) share: frozen features of a model
 * ({@code --checkpoint}) or raw pixels ({@code --pixels}), a training and a test set, and the C search.
 */
abstract class ProbeCommand extends EvalCommand {
    static final LinearProbe.Settings DEFAULTS = LinearProbe.Settings.defaults();

    @Option(names = "--pixels", description = "raw pixels as features instead of a model's (the baseline)") boolean pixels;

    @Option(names = "--pixel-size", paramLabel = "S", description = "pixels are resized to S x S; 0 = the dataset's own size") int pixelSize;

    @Mixin
    DatasetOptions dataset;

    @Option(names = "--test-dataset", paramLabel = "SPEC", description = "test images (default: a stratified split of --dataset)") String testSpec;

    @Option(names = "--test-fraction", paramLabel = "F", description = "share of --dataset held out for testing without --test-dataset (default: 0.2)")
    Double testFraction;

    @Option(names = "--train-limit", paramLabel = "N", description = "a fixed random subset of N training images; 0 = all") int trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", description = "a fixed random subset of N test images; 0 = all") int testLimit;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the splits and subsets") long seed;

    @Option(names = "--validation-fraction", paramLabel = "F", description = "share of the training set used to choose C")
    double validationFraction = DEFAULTS.validationFraction();

    @Option(names = "--min-log-c", paramLabel = "E", description = "smallest log10 C searched") int minLogC = DEFAULTS.minLog10C();

    @Option(names = "--max-log-c", paramLabel = "E", description = "largest log10 C searched") int maxLogC = DEFAULTS.maxLog10C();

    @Option(names = "--refinements", paramLabel = "R", description = "bisection steps around the best C") int refinements = DEFAULTS.refinements();

    @Option(names = "--max-iterations", paramLabel = "N", description = "L-BFGS iterations per fit")
    int maxIterations = DEFAULTS.lbfgs().maxIterations();

    /** The model's feature source once {@link #features()} has loaded it; null for pixels. */
    Evaluations.FeatureSource source;

    /** Training and test sets with their features, and the name of what produced the features. */
    record Features(LabelledImageDataset train, LabelledImageDataset test, float[][] trainX, float[][] testX, String model) {
    }

    /** Checks the shared options; call first, before any work. */
    void checkOptions() {
        if (pixels == checkpoint.given()) throw new UsageException("give exactly one of --pixels and --checkpoint C (or --pretrained NAME:TAG)");
        if (pixels && eval.modelOptionsGiven()) {
            throw new UsageException("--vocab/--batch-size/--cache/--no-cache apply to model features, not --pixels");
        }
        if (testSpec != null && testFraction != null) throw new UsageException("--test-fraction applies only without --test-dataset");
        if (minLogC > maxLogC) throw new UsageException("--min-log-c is above --max-log-c");
        if (trainLimit < 0 || testLimit < 0 || pixelSize < 0) throw new UsageException("--train-limit, --test-limit and --pixel-size must be positive");
    }

    /** The probe's settings from the options. */
    LinearProbe.Settings probeSettings() {
        Lbfgs.Settings lbfgs = DEFAULTS.lbfgs();
        return new LinearProbe.Settings(validationFraction, seed, minLogC, maxLogC, refinements,
                new Lbfgs.Settings(lbfgs.memory(), maxIterations, lbfgs.gradientTolerance(), lbfgs.valueTolerance()));
    }

    /** Opens the sets (split and subsets as asked) and computes their features. */
    Features features() throws IOException {
        LabelledImageDataset train = dataset.open();
        LabelledImageDataset test;
        if (testSpec != null) {
            test = dataset.open(testSpec);
            if (!test.classNames().equals(train.classNames())) {
                throw new IllegalArgumentException(testSpec + " has classes " + test.classNames() + " but " + dataset.spec + " has " + train.classNames());
            }
        } else {
            LabelledImageDataset[] parts = DatasetView.stratifiedSplit(train, testFraction == null ? 0.2 : testFraction, seed);
            train = parts[0];
            test = parts[1];
        }
        if (trainLimit > 0) train = DatasetView.random(train, trainLimit, seed);
        if (testLimit > 0) test = DatasetView.random(test, testLimit, seed + 1);
        if (pixels) {
            int size = pixelSize > 0 ? pixelSize : PixelFeatures.defaultSize(train);
            pixelSize = size;
            AlphaBackground bg = images.alphaBackgroundOr(AlphaBackground.WHITE);
            return new Features(train, test, PixelFeatures.extract(train, size, bg), PixelFeatures.extract(test, size, bg), "raw-pixels");
        }
        source = eval.load(checkpoint.required(), loader(), images);
        return new Features(train, test, source.images(train), source.images(test), checkpoint.required().toString());
    }

    /** The result's CLIP_benchmark names: "raw-pixels"/"none" for pixels. */
    ClipBenchmarkJson.Names probeBenchmarkNames() {
        String name = EvalOptions.benchmarkDatasetName(dataset.spec);
        return pixels ? new ClipBenchmarkJson.Names(name, "raw-pixels", "none") : benchmarkNames(name);
    }
}
