package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.features.PixelFeatures;
import dev.jclip.eval.probe.Lbfgs;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.EvalReport;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code clip eval linear-probe}: logistic regression on frozen features, C chosen on a validation split.
 * Features are a model's image features ({@code --checkpoint}) or raw pixels ({@code --pixels}, the baseline).
 */
public final class EvalLinearProbeCommand implements Command {
    @Override
    public String name() {
        return "eval linear-probe";
    }

    @Override
    public String summary() {
        return "linear probe: (--checkpoint C | --pixels [--pixel-size S]) --dataset TRAIN [--test-dataset TEST | --test-fraction F] "
                + "[--train-limit N] [--test-limit N] [--classnames FILE] [--seed N] [--validation-fraction F] [--min-log-c E] "
                + "[--max-log-c E] [--refinements R] [--max-iterations N] " + EvalCommon.SHARED_OPTIONS;
    }

    @Override
    public int run(Args args) throws Exception {
        boolean pixels = args.flag("pixels");
        Path checkpoint = args.path("checkpoint");
        if (pixels == (checkpoint != null)) throw new UsageException("give exactly one of --pixels and --checkpoint C");
        String trainSpec = args.require("dataset");
        String testSpec = args.get("test-dataset", null);
        double testFraction = args.getDouble("test-fraction", 0.2);
        int trainLimit = args.getInt("train-limit", 0);
        int testLimit = args.getInt("test-limit", 0);
        List<String> classNames = EvalCommon.classNames(args);
        long seed = args.getLong("seed", 0);
        int pixelSize = args.getInt("pixel-size", 0);
        LinearProbe.Settings defaults = LinearProbe.Settings.defaults();
        Lbfgs.Settings lbfgs = defaults.lbfgs();
        LinearProbe.Settings settings = new LinearProbe.Settings(
                args.getDouble("validation-fraction", defaults.validationFraction()), seed,
                args.getInt("min-log-c", defaults.minLog10C()), args.getInt("max-log-c", defaults.maxLog10C()),
                args.getInt("refinements", defaults.refinements()),
                new Lbfgs.Settings(lbfgs.memory(), args.getInt("max-iterations", lbfgs.maxIterations()), lbfgs.gradientTolerance(), lbfgs.valueTolerance()));
        Path output = args.path("output");
        EvalCommon.ModelOptions modelOptions = pixels ? null : EvalCommon.ModelOptions.read(args, checkpoint);
        AlphaBackground pixelBackground = pixels ? EvalCommon.alphaBackground(args, AlphaBackground.WHITE) : null;
        if (pixels && (args.has("batch-size") || args.has("cache") || args.has("no-cache") || args.has("vocab"))) {
            throw new UsageException("--vocab/--batch-size/--cache/--no-cache apply to model features, not --pixels");
        }
        args.checkAllUsed();
        if (testSpec != null && args.has("test-fraction")) throw new UsageException("--test-fraction applies only without --test-dataset");
        if (settings.minLog10C() > settings.maxLog10C()) throw new UsageException("--min-log-c is above --max-log-c");
        if (trainLimit < 0 || testLimit < 0 || pixelSize < 0) throw new UsageException("--train-limit, --test-limit and --pixel-size must be positive");

        LabelledImageDataset train = DatasetSpec.open(trainSpec, classNames);
        LabelledImageDataset test;
        if (testSpec != null) {
            test = DatasetSpec.open(testSpec, classNames);
            if (!test.classNames().equals(train.classNames())) {
                throw new IllegalArgumentException(testSpec + " has classes " + test.classNames() + " but " + trainSpec + " has " + train.classNames());
            }
        } else {
            LabelledImageDataset[] parts = DatasetView.stratifiedSplit(train, testFraction, seed);
            train = parts[0];
            test = parts[1];
        }
        if (trainLimit > 0) train = DatasetView.random(train, trainLimit, seed);
        if (testLimit > 0) test = DatasetView.random(test, testLimit, seed + 1);

        float[][] trainX;
        float[][] testX;
        String model;
        if (pixels) {
            int size = pixelSize > 0 ? pixelSize : PixelFeatures.defaultSize(train);
            trainX = PixelFeatures.extract(train, size, pixelBackground);
            testX = PixelFeatures.extract(test, size, pixelBackground);
            model = "raw-pixels";
            pixelSize = size;
        } else {
            Evaluations.FeatureSource src = modelOptions.load();
            trainX = src.images(train);
            testX = src.images(test);
            model = checkpoint.toString();
        }
        long start = System.nanoTime();
        EvalReport report = Evaluations.linearProbe(trainX, train.labels(), testX, test.labels(), train.classNames(), settings, train.name(), model);
        report.setting("test_dataset", test.name()).setting("fit_seconds", (System.nanoTime() - start) / 1e9);
        if (pixels) report.setting("pixel_size", pixelSize).setting("pixel_channels", train.greyscale() ? 1 : 3);
        EvalCommon.emit(report, output);
        return 0;
    }
}
