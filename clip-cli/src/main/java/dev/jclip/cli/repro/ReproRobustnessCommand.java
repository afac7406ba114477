package dev.jclip.cli.repro;

import dev.jclip.cli.UsageException;
import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.DemoEvaluation;
import dev.jclip.cli.demo.Emoji;
import dev.jclip.cli.demo.EmojiCaptions;
import dev.jclip.cli.demo.EmojiPackages;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.PixelFeatures;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.Chart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Finding 4, robustness under distribution shift (CLIP paper, Figures 13-14): a linear probe on the emoji model's
 * features fitted on one drawing style (the training style) and scored on held-out images of it and of shifted
 * styles, against zero-shot on each; a raw-pixel probe as a model without the image-text pretraining; the
 * effective-robustness plot (accuracy on a shifted style against accuracy on the fitting style).
 */
@Command(name = "robustness", description = "finding 4: a probe fitted on one emoji style, scored on others, against zero-shot; effective-robustness plot")
public final class ReproRobustnessCommand extends ReproFinding {
    static final double TEST_FRACTION = 0.5;
    static final String FIT_STYLE = EmojiPackages.TRAIN_SET;

    @Option(names = "--shifted", paramLabel = "SET,...", split = ",", defaultValue = EmojiPackages.HELD_OUT_SET,
            description = "emoji-datasource sets to score on besides the fitting (" + FIT_STYLE + ") style, e.g. twitter,facebook"
                    + " (default: ${DEFAULT-VALUE}; others are fetched like clip demo's)")
    List<String> shifted;

    public ReproRobustnessCommand() {
        super("Finding 4: robustness under distribution shift",
                "Zero-shot CLIP loses much less accuracy from one distribution to a shifted one than a linear probe fitted on the first"
                + " (effective robustness); adapting to the first distribution with a probe raises accuracy there (ImageNet +9.2 points)"
                + " by far more than on the shifted ones, which barely move or fall (Figure 14).");
    }

    @Override
    void checkOptions() {
        for (String s : shifted) {
            if (s.equals(FIT_STYLE) || !s.matches("[a-z]+")) {
                throw new UsageException("--shifted must name emoji-datasource sets other than the fitting style " + FIT_STYLE + ", got '" + s + "'");
            }
        }
        if (new HashSet<>(shifted).size() != shifted.size()) throw new UsageException("--shifted names a set twice: " + shifted);
    }

    @Override
    void measure(EmojiModel model, ReproReport report) throws Exception {
        DemoData data = model.data();
        long seed = repro.seed;
        List<String> styles = new ArrayList<>(List.of(FIT_STYLE));
        styles.addAll(shifted);
        Map<String, Function<Emoji, Path>> images = new LinkedHashMap<>();
        Set<String> drawnInAll = null;
        for (String style : styles) {
            EmojiPackages.EmojiPackage set = model.set(style);
            images.put(style, e -> set.imageDir().resolve(e.image()));
            Set<String> drawn = new HashSet<>();
            for (Emoji e : set.emoji()) drawn.add(e.image());
            if (drawnInAll == null) drawnInAll = drawn;
            else drawnInAll.retainAll(drawn);
        }
        // the trained emoji (their names were in the captions) that every style draws: the same images in each style
        Set<String> common = drawnInAll;
        List<Emoji> emoji = data.heldOut().stream().filter(e -> common.contains(e.image())).toList();
        List<String> classes = data.classNames();
        int total = 2 * styles.size() + 2;
        int done = 0;
        // the split depends on the labels and the seed only: the same emoji fall in the same half in every style
        Map<String, LabelledImageDataset[]> splits = new LinkedHashMap<>();
        for (String style : styles) {
            LabelledImageDataset d = EmojiModel.dataset(emoji, images.get(style), classes, report.dir().resolve(style + ".csv"));
            splits.put(style, DatasetView.stratifiedSplit(d, TEST_FRACTION, seed));
        }
        LabelledImageDataset[] fit = splits.get(FIT_STYLE);
        report.setting("fitting_style", FIT_STYLE).setting("shifted_styles", shifted).setting("classes", classes.size())
                .setting("emoji", emoji.size()).setting("fit_images", fit[0].size()).setting("test_images_per_style", fit[1].size());

        report.progress(done++, total, "probe on " + FIT_STYLE + " features");
        LinearProbe.Settings probeSettings = DemoEvaluation.probeSettings(seed);
        LinearProbe.Result probe = LinearProbe.run(Vectors.normalisedRows(model.features().images(fit[0])), fit[0].labels(),
                Vectors.normalisedRows(model.features().images(fit[1])), fit[1].labels(), classes.size(), probeSettings);
        report.progress(done++, total, "probe on " + FIT_STYLE + " pixels");
        int side = DemoEvaluation.PIXEL_SIZE;
        LinearProbe.Result pixels = LinearProbe.run(Vectors.normalisedRows(PixelFeatures.extract(fit[0], side, AlphaBackground.WHITE)),
                fit[0].labels(), Vectors.normalisedRows(PixelFeatures.extract(fit[1], side, AlphaBackground.WHITE)), fit[1].labels(),
                classes.size(), probeSettings);

        Map<String, double[]> acc = new LinkedHashMap<>(); // style -> zero-shot, probe, pixel probe
        List<List<String>> table = new ArrayList<>();
        for (String style : styles) {
            LabelledImageDataset test = splits.get(style)[1];
            report.progress(done++, total, "zero-shot, " + style);
            double zs = Evaluations.zeroShot(model.features(), test, EmojiCaptions.ZERO_SHOT_TEMPLATES, model.name()).metrics().get("top1");
            report.progress(done++, total, "probes on " + style);
            double pr = ClassificationMetrics.of(probe.model().scores(Vectors.normalisedRows(model.features().images(test))),
                    test.labels(), classes.size()).top1();
            double px = ClassificationMetrics.of(pixels.model().scores(Vectors.normalisedRows(PixelFeatures.extract(test, side,
                    AlphaBackground.WHITE))), test.labels(), classes.size()).top1();
            acc.put(style, new double[] {zs, pr, px});
            report.figure("zero_shot_top1/" + style, zs).figure("probe_top1/" + style, pr).figure("pixel_probe_top1/" + style, px)
                    .figure("adaptation_gain_points/" + style, 100 * (pr - zs));
            table.add(List.of(style + (style.equals(FIT_STYLE) ? " (fitting style)" : " (shifted)"), ReproReport.pct(zs),
                    ReproReport.pct(pr), String.format(Locale.ROOT, "%+.2f", 100 * (pr - zs)), ReproReport.pct(px)));
        }
        report.progress(total, total, "done");
        double[] f = acc.get(FIT_STYLE);
        report.heading("Top-1 on held-out images of each style")
                .text(String.format(Locale.ROOT, "%d trained emoji drawn in every style (%s), %d subcategories; probes fitted on %d %s images"
                                + " (C chosen on a validation split of them), everything scored on the other %d emoji in each style. The model"
                                + " was trained on the %s images of these emoji with captions naming them: zero-shot on the %s style is on"
                                + " images it has seen; the other styles it never saw.", emoji.size(), String.join(", ", styles), classes.size(),
                        fit[0].size(), FIT_STYLE, fit[1].size(), FIT_STYLE, FIT_STYLE))
                .table(List.of("style", "zero-shot", "probe (fitted on " + FIT_STYLE + ")", "probe - zero-shot (points)", "pixel probe"), table);
        for (String style : shifted) {
            double[] s = acc.get(style);
            report.figure("drop_points/zero_shot/" + style, 100 * (f[0] - s[0])).figure("drop_points/probe/" + style, 100 * (f[1] - s[1]))
                    .figure("drop_points/pixel_probe/" + style, 100 * (f[2] - s[2]));
            report.chart(effectiveRobustness(f, s, style).subtitle(model.name()), "effective robustness, " + style, "robustness-" + style);
        }
    }

    /**
     * The paper's plot: accuracy on the shifted style against accuracy on the fitting style, the y = x line of a
     * model that loses nothing, and the arrow from zero-shot to the probe adapted to the fitting style.
     */
    static Chart effectiveRobustness(double[] fit, double[] shiftedAcc, String style) {
        double top = ReproPromptsCommand.axisTop(fit[0], fit[1], fit[2], shiftedAcc[0], shiftedAcc[1], shiftedAcc[2]);
        return Chart.line("Effective robustness: " + FIT_STYLE + " to " + style, "top-1 on " + FIT_STYLE + " (fitting style, %)",
                        "top-1 on " + style + " (shifted, %)")
                .series("no loss under shift (y = x)", new double[] {0, top}, new double[] {0, top}, new Color(0x999999), 1f)
                .series("zero-shot -> probe adapted to " + FIT_STYLE, new double[] {100 * fit[0], 100 * fit[1]},
                        new double[] {100 * shiftedAcc[0], 100 * shiftedAcc[1]}, new Color(0xc0392b), 2.2f)
                .series("raw-pixel probe", new double[] {100 * fit[2]}, new double[] {100 * shiftedAcc[2]}, new Color(0x1f4e99), 2f)
                .points().size(620, 520);
    }
}
