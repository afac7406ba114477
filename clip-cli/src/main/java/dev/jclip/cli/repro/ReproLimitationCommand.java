package dev.jclip.cli.repro;

import dev.jclip.cli.UsageException;
import dev.jclip.cli.demo.DemoEvaluation;
import dev.jclip.cli.demo.Emoji;
import dev.jclip.cli.demo.EmojiCaptions;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.PixelFeatures;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.Chart;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.zeroshot.ZeroShotSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Finding 5, a limitation (CLIP paper, section 6): on Fashion-MNIST, logistic regression on raw pixels against
 * zero-shot of the emoji model, which was never trained on Fashion-MNIST or its labels; and, to separate the
 * features from the prompts, a probe on the emoji model's features fitted on the same labelled images as the
 * pixel probe. The report lists, per class, the trained emoji whose names contain the class's word: what the
 * zero-shot model saw of these concepts.
 */
@Command(name = "limitation", description = "finding 5: Fashion-MNIST, logistic regression on raw pixels against zero-shot of the emoji model")
public final class ReproLimitationCommand extends ReproFinding {
    @Option(names = "--fashion-mnist", paramLabel = "DIR",
            description = "folder with Fashion-MNIST's IDX files train-* and t10k-* (default: ${DEFAULT-VALUE}, Debian's dataset-fashion-mnist)")
    Path fashionMnist = Path.of("/usr/share/datasets/fashion-mnist");

    @Option(names = "--train-limit", paramLabel = "N", defaultValue = "10000",
            description = "random training images for the probes, times --scale (default: ${DEFAULT-VALUE})")
    int trainLimit;

    @Option(names = "--test-limit", paramLabel = "N", defaultValue = "2000", description = "random test images, times --scale (default: ${DEFAULT-VALUE})")
    int testLimit;

    public ReproLimitationCommand() {
        super("Finding 5: a limitation, raw pixels against zero-shot",
                "On handwritten digits (MNIST), a logistic regression on raw pixels beats zero-shot CLIP (88 % zero-shot for the"
                + " best CLIP model against about 92 % for pixels). Here: Fashion-MNIST, and a model trained on other data.");
    }

    @Override
    void checkOptions() {
        if (trainLimit < 2 || testLimit < 1) throw new UsageException("--train-limit must be at least 2 and --test-limit at least 1");
    }

    private LabelledImageDataset open(String prefix) throws IOException {
        Path p = fashionMnist.resolve(prefix);
        try {
            return DatasetSpec.open("idx:" + p, ClassNames.FASHION_MNIST);
        } catch (IOException | IllegalArgumentException e) {
            throw new UsageException("--fashion-mnist " + fashionMnist + ": cannot read " + prefix + "-images-idx3-ubyte[.gz] and its labels ("
                    + e.getMessage() + "); on Debian: apt-get install dataset-fashion-mnist");
        }
    }

    @Override
    void measure(EmojiModel model, ReproReport report) throws Exception {
        long seed = repro.seed;
        LabelledImageDataset train = DatasetView.random(open("train"), repro.scaled(trainLimit, 2), seed);
        LabelledImageDataset test = DatasetView.random(open("t10k"), repro.scaled(testLimit, 1), seed + 1);
        List<String> classes = train.classNames();
        report.setting("train_images", train.size()).setting("test_images", test.size()).setting("dataset", fashionMnist.toString());
        LinearProbe.Settings probe = DemoEvaluation.probeSettings(seed);
        int steps = 5;

        report.progress(0, steps, "logistic regression on raw pixels");
        int side = PixelFeatures.defaultSize(train);
        EvalReport pixels = Evaluations.linearProbe(PixelFeatures.extract(train, side, AlphaBackground.WHITE), train.labels(),
                PixelFeatures.extract(test, side, AlphaBackground.WHITE), test.labels(), classes, probe, "fashion-mnist", "raw pixels");
        double pixelTop1 = pixels.metrics().get("linear_probe_top1");

        List<String> paper = ZeroShotSuite.named("imagenet1k").templates();
        List<ReproPromptsCommand.Prompting> prompts = List.of(
                new ReproPromptsCommand.Prompting("emoji_ensemble", "the demo's emoji ensemble", EmojiCaptions.ZERO_SHOT_TEMPLATES),
                new ReproPromptsCommand.Prompting("photo", "\"a photo of a {}.\"", List.of("a photo of a {}.")),
                new ReproPromptsCommand.Prompting("ensemble_paper", "the paper's " + paper.size() + " ImageNet templates", paper));
        List<List<String>> table = new ArrayList<>();
        table.add(List.of("logistic regression on raw pixels (" + side + "x" + side + ", " + train.size() + " labelled images)",
                ReproReport.pct(pixelTop1)));
        report.figure("pixel_probe_top1", pixelTop1).figure("pixel_probe_C", pixels.metrics().get("linear_probe_C"));
        double[] values = new double[prompts.size() + 2];
        values[0] = pixelTop1;
        for (int i = 0; i < prompts.size(); i++) {
            ReproPromptsCommand.Prompting p = prompts.get(i);
            report.progress(1 + i, steps, "zero-shot, " + p.label());
            double zs = Evaluations.zeroShot(model.features(), test, p.templates(), model.name()).metrics().get("top1");
            report.figure("zero_shot_top1/" + p.key(), zs);
            table.add(List.of("zero-shot of the emoji model, " + p.label(), ReproReport.pct(zs)));
            values[1 + i] = zs;
        }
        report.progress(4, steps, "logistic regression on the emoji model's features");
        double featureTop1 = Evaluations.linearProbe(model.features().images(train), train.labels(), model.features().images(test), test.labels(),
                classes, probe, "fashion-mnist", model.name()).metrics().get("linear_probe_top1");
        report.figure("emoji_feature_probe_top1", featureTop1);
        table.add(List.of("logistic regression on the emoji model's image features (same labelled images)", ReproReport.pct(featureTop1)));
        values[values.length - 1] = featureTop1;
        report.progress(steps, steps, "done");
        report.figure("chance", 1.0 / classes.size());
        table.add(List.of("chance", ReproReport.pct(1.0 / classes.size())));

        List<String> labels = new ArrayList<>(List.of("raw pixels, probe"));
        for (ReproPromptsCommand.Prompting p : prompts) labels.add("zero-shot, " + p.label());
        labels.add("emoji features, probe");
        report.heading("Top-1 on " + test.size() + " Fashion-MNIST test images")
                .table(List.of("method", "top-1"), table)
                .chart(Chart.bars("Fashion-MNIST top-1", "top-1 (%)", labels, java.util.Arrays.stream(values).map(x -> 100 * x).toArray(), 100)
                        .subtitle(model.name()), "Fashion-MNIST top-1", "limitation")
                .heading("What the zero-shot model saw")
                .text("It was trained on " + model.data().trainEmoji().size() + " Google-style emoji drawings (colour, on white) with captions"
                        + " made from their names and categories, never on Fashion-MNIST's images (greyscale photographs, light on black)"
                        + " or its labels. Trained emoji whose name contains each class's word:")
                .table(List.of("class", "trained emoji named with its word"), sawPerClass(model.data().trainEmoji(), classes, report));
    }

    /** Per class, the trained emoji whose names contain the class name's last word (before any "/"), as a whole word. */
    static List<List<String>> sawPerClass(List<Emoji> trained, List<String> classes, ReproReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (String c : classes) {
            String[] words = c.split("/")[0].toLowerCase(Locale.ROOT).split(" ");
            String word = words[words.length - 1];
            Pattern p = Pattern.compile("(^|[^a-z])" + Pattern.quote(word) + "($|[^a-z])");
            List<String> names = trained.stream().map(e -> e.name().toLowerCase(Locale.ROOT)).filter(n -> p.matcher(n).find()).toList();
            report.figure("trained_emoji_named/" + word, names.size());
            rows.add(List.of(c + " (\"" + word + "\")", names.isEmpty() ? "none" : String.join(", ", names)));
        }
        return rows;
    }
}
