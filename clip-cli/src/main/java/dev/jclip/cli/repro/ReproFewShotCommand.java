package dev.jclip.cli.repro;

import dev.jclip.cli.UsageException;
import dev.jclip.cli.commands.FewShotOptions;
import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.DemoEvaluation;
import dev.jclip.cli.demo.EmojiCaptions;
import dev.jclip.cli.demo.EmojiPackages;
import dev.jclip.cli.demo.Emoji;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finding 3, zero-shot against few-shot linear probes (CLIP paper, Figure 6): on the held-out drawing style, probes
 * on the emoji model's image features fitted with n labelled images per class (several seeded draws each) against
 * the same model's zero-shot, on the same test images and classes; the n at which they match.
 */
@Command(name = "few-shot", description = "finding 3: linear probes on n examples per class (error bars over draws) against zero-shot; the matching n")
public final class ReproFewShotCommand extends ReproFinding {
    /** Share of each class's held-out images the probes are tested on (the rest is their pool, C's validation split included). */
    static final double TEST_FRACTION = 0.5;

    @Mixin
    FewShotOptions fewShot;

    public ReproFewShotCommand() {
        super("Finding 3: zero-shot against few-shot linear probes",
                "Zero-shot CLIP matches a linear probe on the same features fitted with about 4 labelled examples per class"
                + " (Figure 6, averaged over 20 datasets).");
    }

    @Override
    void checkOptions() {
        fewShot.check();
    }

    @Override
    void measure(EmojiModel model, ReproReport report) throws Exception {
        DemoData data = model.data();
        List<Integer> shots = fewShot.shots();
        int maxShots = shots.stream().mapToInt(Integer::intValue).max().orElseThrow();
        long seed = repro.seed;
        // only the classes that can give the largest draw: every probe and zero-shot see the same classes
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Emoji e : data.heldOut()) counts.merge(e.subcategory(), 1, Integer::sum);
        List<String> classes = new ArrayList<>();
        counts.forEach((c, n) -> {
            if (poolSize(n) >= maxShots) classes.add(c);
        });
        if (classes.size() < 2) {
            throw new UsageException("fewer than 2 subcategories have " + maxShots + " held-out emoji for the probes' pool: lower the"
                    + " largest --shots (or raise --limit)");
        }
        List<Emoji> kept = data.heldOut().stream().filter(e -> classes.contains(e.subcategory())).toList();
        LabelledImageDataset all = EmojiModel.dataset(kept, data::heldOutImage, classes, report.dir().resolve("held-out.csv"));
        LabelledImageDataset[] split = DatasetView.stratifiedSplit(all, TEST_FRACTION, seed);
        int k = repro.scaled(fewShot.draws(), 1);
        report.setting("shots", shots).setting("draws", k).setting("classes", classes.size()).setting("images", all.size())
                .setting("pool_images", split[0].size()).setting("test_images", split[1].size());

        report.progress(0, 3, "image features");
        float[][] poolX = model.features().images(split[0]);
        float[][] testX = model.features().images(split[1]);
        report.progress(1, 3, "zero-shot");
        double zeroShot = Evaluations.zeroShot(model.features(), split[1], EmojiCaptions.ZERO_SHOT_TEMPLATES, model.name()).metrics().get("top1");
        report.progress(2, 3, "probes: " + shots.size() + " shot counts x " + k + " draws");
        FewShot.Settings settings = new FewShot.Settings(shots, k, seed, null, DemoEvaluation.probeSettings(seed));
        EvalReport fs = Evaluations.fewShot(poolX, split[0].labels(), testX, split[1].labels(), classes, settings, zeroShot,
                "held-out " + EmojiPackages.HELD_OUT_SET + " emoji, " + classes.size() + " subcategories", model.name());
        report.progress(3, 3, "done");

        report.figure("zero_shot_top1", zeroShot).figure("matching_shots", fs.matchingShots());
        List<List<String>> table = new ArrayList<>();
        for (FewShot.Point p : fs.fewShotPoints()) {
            report.figure("few_shot_top1@" + p.shots(), p.meanTop1()).figure("few_shot_top1_std@" + p.shots(), p.stdTop1());
            table.add(List.of(String.valueOf(p.shots()), ReproReport.pct(p.meanTop1()),
                    Double.isNaN(p.stdTop1()) ? "-" : String.format(Locale.ROOT, "%.2f", 100 * p.stdTop1()),
                    String.join(", ", p.draws().stream().map(d -> String.format(Locale.ROOT, "%.1f", 100 * d.top1())).toList())));
        }
        table.add(List.of("zero-shot", ReproReport.pct(zeroShot), "", ""));
        report.heading("Probe top-1 against labelled examples per class")
                .text(String.format(Locale.ROOT, "The %d subcategories with enough held-out (%s-style) emoji for %d shots; %d images, %d to"
                                + " draw from (C chosen on a validation split of them), %d to test. Zero-shot: the demo's %d-template ensemble.",
                        classes.size(), EmojiPackages.HELD_OUT_SET, maxShots, all.size(), split[0].size(), split[1].size(),
                        EmojiCaptions.ZERO_SHOT_TEMPLATES.size()))
                .table(List.of("examples per class", "top-1 mean", "std over draws", "per draw"), table)
                .text(fs.notes().isEmpty() ? "No zero-shot comparison." : fs.notes().get(0))
                .chart(ReportWriter.fewShotChart(fs), "few-shot probes against zero-shot", "few-shot");
    }

    /**
     * The images of a class with {@code n} held-out emoji that a draw can take: what is left after the test split
     * ({@link DatasetView#stratifiedSplit}) and the probe's validation split (a fifth, at least one).
     */
    static int poolSize(int n) {
        int train = n - (n < 2 ? 0 : Math.max(1, Math.min(n - 1, (int) Math.round(TEST_FRACTION * n))));
        int validation = train < 2 ? 0 : Math.max(1, Math.min(train - 1, (int) Math.round(0.2 * train)));
        return train - validation;
    }
}
