package dev.jclip.cli.repro;

import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.DemoRun;
import dev.jclip.cli.demo.DemoTraining;
import dev.jclip.cli.demo.EmojiPackages;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.Objective;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.CsvImageDataset;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.zeroshot.ZeroShotClassifier;
import dev.jclip.eval.report.Chart;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Finding 1, objective efficiency (CLIP paper, Figure 2): the same image encoder, data, seed and schedule trained
 * with each objective (contrastive, bag of words, caption language model), zero-shot top-1 on the held-out drawing
 * style measured every few steps against images seen, the curves on one plot, and the efficiency ratios read off
 * them: how many images the slower objective needs to reach the faster one's best accuracy, against the faster one's.
 */
@Command(name = "objectives", description = "finding 1: contrastive, bag-of-words and caption-LM objectives trained alike; zero-shot against images seen, efficiency ratios")
public final class ReproObjectivesCommand extends ClipCommand {
    /** Steps of each objective's run by default (times --scale): three runs fit where the other findings train one. */
    static final long DEFAULT_STEPS = 200;
    /** The zero-shot prompt: one template, so that a caption-LM evaluation (one transformer pass per image and prompt) stays affordable. */
    static final List<String> TEMPLATES = List.of("a {} emoji");

    @Mixin
    ReproOptions repro;

    @Option(names = "--objectives", paramLabel = "O,O,...", split = ",", defaultValue = "contrastive,bow,caption-lm",
            description = "objectives to train (default: ${DEFAULT-VALUE})")
    List<String> objectives;

    @Option(names = "--evals", paramLabel = "N", defaultValue = "8", description = "zero-shot evaluations along each run, evenly spaced (default: ${DEFAULT-VALUE})")
    int evals;

    @Option(names = "--eval-images", paramLabel = "N", defaultValue = "300",
            description = "held-out images zero-shot is measured on (a seeded sample), times --scale; 0 = all (default: ${DEFAULT-VALUE})")
    int evalImages;

    /**
     * One point of a zero-shot curve: top-1 with each class scored by its prompt's likelihood (cosine similarity
     * for the contrastive model) and, for the caption-predicting models, by that likelihood relative to the mean
     * image's (see {@link #zeroShot}); the contrastive model's is its plain top-1.
     */
    record Point(long step, long images, double top1, double relativeTop1) {
        Point(long step, long images, double top1) {
            this(step, images, top1, top1);
        }
    }

    /** A zero-shot evaluation's two top-1 figures. */
    record Score(double top1, double relativeTop1) {
    }

    /**
     * Zero-shot top-1 on {@code test}. For a caption-predicting model also a calibrated figure: each class's
     * log-likelihood minus the same class's log-likelihood given the mean of the test images' features (a
     * log-likelihood ratio), so that what every image finds equally likely (a short prompt, frequent words) does not
     * decide the class. Both come from one scoring pass: the mean image is one more row.
     */
    private static Score zeroShot(ModelEncoder encoder, LabelledImageDataset test, Objective o, long step) throws IOException {
        Evaluations.FeatureSource src = new Evaluations.FeatureSource(encoder, 64, null, o.id() + " step " + step);
        if (!encoder.scoresPrompts()) {
            double top1 = Evaluations.zeroShot(src, test, TEMPLATES, o.id()).metrics().get("top1");
            return new Score(top1, top1);
        }
        float[][] f = src.images(test);
        float[][] rows = java.util.Arrays.copyOf(f, f.length + 1);
        rows[f.length] = new float[f[0].length];
        for (float[] x : f) for (int j = 0; j < x.length; j++) rows[f.length][j] += x[j] / f.length;
        List<List<String>> classes = test.classNames().stream().map(List::of).toList();
        double[][] scores = ZeroShotClassifier.likelihoodScores(encoder, rows, classes, TEMPLATES);
        double[][] plain = java.util.Arrays.copyOf(scores, f.length);
        double[][] relative = new double[f.length][];
        for (int i = 0; i < f.length; i++) {
            relative[i] = new double[scores[i].length];
            for (int c = 0; c < relative[i].length; c++) relative[i][c] = scores[i][c] - scores[f.length][c];
        }
        int[] labels = test.labels();
        return new Score(ClassificationMetrics.of(plain, labels, classes.size()).top1(),
                ClassificationMetrics.of(relative, labels, classes.size()).top1());
    }

    @Override
    protected int run() throws Exception {
        repro.check();
        if (evals < 1) throw new UsageException("--evals must be at least 1, got " + evals);
        if (evalImages < 0) throw new UsageException("--eval-images must be >= 0, got " + evalImages);
        List<Objective> list = new ArrayList<>();
        try {
            for (String o : objectives) list.add(Objective.parse(o));
        } catch (dev.jclip.core.config.ConfigException e) {
            throw new UsageException("--objectives: " + e.getMessage());
        }
        if (list.size() < 2 || list.stream().distinct().count() != list.size()) {
            throw new UsageException("--objectives needs at least two different objectives, got " + objectives);
        }
        ReproReport report = new ReproReport("objectives", "Finding 1: objective efficiency",
                "With the same image encoder and data, a transformer language model predicting the caption learns zero-shot"
                        + " ImageNet slowest; predicting the caption's bag of words is about 3x more efficient; the contrastive"
                        + " objective is about 4x more efficient again (Figure 2).", repro, ReproReport.console());
        long steps = repro.steps > 0 ? repro.steps : Math.max(1, Math.round(DEFAULT_STEPS * repro.scale));
        Path work = report.dir().resolve("runs");
        DemoRun demo = new DemoRun(new DemoRun.Options(repro.data, dev.jclip.cli.commands.DemoCommand.cache(repro.cache), 0, steps,
                EmojiModel.REPRO_MODEL, null, work, repro.seed, repro.limit, repro.batchSize, EmojiModel.REPRO_LR,
                DemoRun.DEFAULT_CAPTIONS, AlphaBackground.WHITE, repro.validationFraction, EmojiModel.REPRO_AUG, null, java.util.List.of(),
                EmojiModel.REPRO_PROBE_FEATURES, DemoRun.DEFAULT_PROMPTS));
        DemoData data = demo.prepareData();
        if (data.trainSamples() < repro.batchSize) {
            throw new UsageException("only " + data.trainSamples() + " training pairs, fewer than one batch of " + repro.batchSize);
        }
        ClipTokenizer tokenizer = DemoTraining.vocabulary(work, null, data.captions(), DemoTraining.DEFAULT_VOCAB_SIZE);
        ClipConfig model = DemoTraining.modelConfig(EmojiModel.REPRO_MODEL, tokenizer);
        Path modelJson = work.resolve("model.json");
        AtomicFile.writeString(modelJson, model.toJson());
        List<String> classes = data.classNames();
        LabelledImageDataset heldOut = CsvImageDataset.read(data.zeroShotCsv(), classes);
        int n = evalImages == 0 ? heldOut.size() : Math.min(heldOut.size(), repro.scaled(evalImages, 1));
        LabelledImageDataset test = n < heldOut.size() ? DatasetView.random(heldOut, n, repro.seed) : heldOut;
        long every = Math.max(1, steps / evals);
        report.setting("steps", steps).setting("batch_size", repro.batchSize).setting("model", EmojiModel.REPRO_MODEL)
                .setting("objectives", list.stream().map(Objective::id).toList()).setting("eval_every_steps", every)
                .setting("eval_images", test.size()).setting("classes", classes.size()).setting("templates", TEMPLATES)
                .setting("lr", EmojiModel.REPRO_LR);

        Map<Objective, List<Point>> curves = new LinkedHashMap<>();
        for (int k = 0; k < list.size(); k++) {
            Objective o = list.get(k);
            curves.put(o, train(o, k, list.size(), modelJson, data, work.resolve(o.id()), steps, every, tokenizer, model, test, report));
        }
        write(curves, test, classes.size(), report);
        Path page = report.finish();
        System.out.println("figures: " + report.dir().resolve("figures.json").toAbsolutePath());
        System.out.println("report: " + page.toAbsolutePath());
        return 0;
    }

    /** One objective's run from scratch, with zero-shot every {@code every} steps and at the end. */
    private List<Point> train(Objective o, int index, int count, Path modelJson, DemoData data, Path runDir, long steps, long every,
                              ClipTokenizer tokenizer, ClipConfig model, LabelledImageDataset test, ReproReport report) throws Exception {
        deleteTree(runDir);   // an interrupted run starts again: its curve would miss points otherwise
        TrainConfig cfg = TrainConfig.builder()
                .model(modelJson.toAbsolutePath().toString()).objective(o.id())
                .trainData(data.trainShards()).vocab(modelJson.resolveSibling(dev.jclip.data.text.VocabLocator.RUN_VOCAB).toAbsolutePath().toString())
                .batchSize(repro.batchSize).steps(steps).lr(EmojiModel.REPRO_LR).wd(0.1)
                .warmup(Math.max(1, Math.min(50, steps / 10))).lrScheduler("cosine").seed(repro.seed)
                .output(runDir.toAbsolutePath().toString()).checkpointEvery(0).keepCheckpoints(1)
                .logEvery((int) Math.max(1, Math.min(20, steps / 20))).workers(1).evalEvery(every)
                .alphaBackground(AlphaBackground.WHITE.toString()).build().validate();
        PreprocessConfig preprocessing = PreprocessConfig.clip(model.vision().imageSize()).withAlphaBackground(AlphaBackground.WHITE);
        List<Point> curve = new ArrayList<>();
        Trainer trainer = Trainer.builder().config(cfg).interactive(false)
                .evalHook((m, step) -> {
                    Score score = zeroShot(new ModelEncoder(m, tokenizer, preprocessing), test, o, step);
                    curve.add(new Point(step, step * repro.batchSize, score.top1(), score.relativeTop1()));
                    return Map.of("zeroshot_top1", score.top1(), "zeroshot_top1_relative", score.relativeTop1());
                })
                .onStep(m -> report.progress(index * steps + m.step(), count * steps, o.id() + " step " + m.step() + "/" + steps))
                .build();
        trainer.fit();
        trainer.model().close();
        return curve;
    }

    /**
     * The figures, tables, charts and ratios twice: with the plain likelihood scores (the paper's rule), then with
     * the caption-predicting models' scores relative to the mean image (the contrastive curve is the same in both).
     */
    private static void write(Map<Objective, List<Point>> curves, LabelledImageDataset test, int classes, ReproReport report) throws IOException {
        section(curves, test, classes, report, "", "objectives", "each class scored by cosine similarity (contrastive) or by the"
                + " likelihood of its prompt under the head (bag of words: mean log-probability of its words; caption LM:"
                + " log-likelihood of the prompt given the image)");
        Map<Objective, List<Point>> relative = new LinkedHashMap<>();
        curves.forEach((o, pts) -> relative.put(o, pts.stream().map(p -> new Point(p.step(), p.images(), p.relativeTop1())).toList()));
        section(relative, test, classes, report, "_relative", "objectives-relative", "the caption-predicting models' classes"
                + " scored by their prompt's likelihood given the image minus its likelihood given the mean of the test images'"
                + " features (a log-likelihood ratio: a prompt every image finds likely no longer wins); the contrastive curve"
                + " is the one above");
    }

    /** One scoring rule's table, chart and ratios; figure keys end with {@code suffix}. */
    private static void section(Map<Objective, List<Point>> curves, LabelledImageDataset test, int classes, ReproReport report,
                                String suffix, String chartStem, String scoring) throws IOException {
        Chart.Line chart = Chart.line("Zero-shot top-1 against images seen" + (suffix.isEmpty() ? "" : ", relative likelihoods"),
                "training images seen", "zero-shot top-1 (%)");
        Color[] colours = {new Color(52, 101, 164), new Color(204, 0, 0), new Color(78, 154, 6), new Color(117, 80, 123)};
        List<List<String>> table = new ArrayList<>();
        int c = 0;
        for (Map.Entry<Objective, List<Point>> e : curves.entrySet()) {
            List<Point> pts = e.getValue();
            double[] x = pts.stream().mapToDouble(Point::images).toArray();
            double[] y = pts.stream().mapToDouble(p -> 100 * p.top1()).toArray();
            chart.series(e.getKey().id(), x, y, colours[c++ % colours.length], 2f);
            for (Point p : pts) report.figure("zero_shot_top1" + suffix + "/" + e.getKey().id() + "@" + p.images(), p.top1());
            Point last = pts.get(pts.size() - 1);
            double best = pts.stream().mapToDouble(Point::top1).max().orElseThrow();
            report.figure("final_zero_shot_top1" + suffix + "/" + e.getKey().id(), last.top1())
                    .figure("best_zero_shot_top1" + suffix + "/" + e.getKey().id(), best);
            table.add(List.of(e.getKey().id(), ReproReport.pct(last.top1()), ReproReport.pct(best), String.valueOf(last.images())));
        }
        chart.points().level(100.0 / classes, String.format(Locale.ROOT, "chance %.1f %%", 100.0 / classes), Color.GRAY);
        report.heading("Zero-shot top-1 on the held-out " + EmojiPackages.HELD_OUT_SET + " drawings" + (suffix.isEmpty() ? "" : ", relative likelihoods"))
                .text(String.format(Locale.ROOT, "%d held-out images, %d subcategories (chance %.2f %%), the prompt \"%s\"; %s."
                                + " Same image encoder, initialisation, data order, schedule and seed for every objective.",
                        test.size(), classes, 100.0 / classes, TEMPLATES.get(0), scoring))
                .table(List.of("objective", "final top-1", "best top-1", "images seen"), table)
                .chart(chart.size(720, 420), "zero-shot top-1 of each objective against images seen", chartStem);

        // ratios between each pair, the faster (higher best accuracy) against the slower, at two accuracies
        List<List<String>> ratios = new ArrayList<>();
        List<Objective> order = new ArrayList<>(curves.keySet());
        order.sort(Comparator.comparingDouble((Objective o) -> curves.get(o).stream().mapToDouble(Point::top1).max().orElseThrow()).reversed());
        for (int i = 0; i < order.size(); i++) {
            for (int j = i + 1; j < order.size(); j++) {
                String key = order.get(i).id() + "_over_" + order.get(j).id();
                Ratio atFaster = ratio(curves.get(order.get(i)), curves.get(order.get(j)));
                Ratio atSlower = ratioAtSlowerBest(curves.get(order.get(i)), curves.get(order.get(j)));
                for (Ratio r : List.of(atFaster, atSlower)) {
                    String at = r == atFaster ? "" : "_at_slower_best";
                    report.figure("efficiency" + at + suffix + "/" + key, r.value())
                            .figure("efficiency_is_lower_bound" + at + suffix + "/" + key, r.lowerBound() ? 1 : 0)
                            .figure("efficiency_target_top1" + at + suffix + "/" + key, r.target());
                    ratios.add(List.of(order.get(i).id() + " over " + order.get(j).id(), (r == atFaster ? "faster's best " : "slower's best ")
                                    + ReproReport.pct(r.target()), String.valueOf(Math.round(r.fastImages())),
                            String.valueOf(Math.round(r.slowImages())), (r.lowerBound() ? "> " : "") + String.format(Locale.ROOT, "%.2fx", r.value())));
                }
            }
        }
        report.heading("Efficiency ratios read off the curves" + (suffix.isEmpty() ? "" : ", relative likelihoods"))
                .text("For each pair (the faster objective is the one with the higher best accuracy), two readings. At the faster"
                        + " one's best top-1: the images the slower one needs to reach it (linear interpolation between"
                        + " evaluations) over the images the faster one needed; when the slower one never reaches it, a lower"
                        + " bound, all the images it saw. At the slower one's best top-1: the images the slower one needed for"
                        + " it over the images the faster one needed; a lower bound when the faster one had it at its first"
                        + " evaluation (it may have had it earlier).")
                .table(List.of("pair", "accuracy to reach", "faster: images", "slower: images", "ratio"), ratios);
    }

    /** An efficiency ratio: images the slower curve needs for {@code target} over the faster curve's. */
    record Ratio(double target, double fastImages, double slowImages, boolean lowerBound) {
        double value() {
            return slowImages / fastImages;
        }
    }

    /** The ratio at the faster curve's best accuracy. */
    static Ratio ratio(List<Point> faster, List<Point> slower) {
        double target = faster.stream().mapToDouble(Point::top1).max().orElseThrow();
        double fast = imagesToReach(faster, target);
        double slow = imagesToReach(slower, target);
        if (Double.isNaN(slow)) return new Ratio(target, fast, slower.get(slower.size() - 1).images(), true);
        return new Ratio(target, fast, slow, false);
    }

    /**
     * The ratio at the slower curve's best accuracy: the images it needed for it over the images the faster curve
     * needed; a lower bound when the faster curve reached it at its first evaluation.
     */
    static Ratio ratioAtSlowerBest(List<Point> faster, List<Point> slower) {
        double target = slower.stream().mapToDouble(Point::top1).max().orElseThrow();
        double fast = imagesToReach(faster, target);
        if (Double.isNaN(fast)) return new Ratio(target, faster.get(faster.size() - 1).images(), imagesToReach(slower, target), false);
        return new Ratio(target, fast, imagesToReach(slower, target), faster.get(0).top1() >= target);
    }

    /**
     * The images seen when the curve first reaches {@code target}, interpolated linearly from the evaluation before;
     * reached at the first evaluation, that evaluation's images (an upper bound); NaN when never reached.
     */
    static double imagesToReach(List<Point> curve, double target) {
        double prevX = 0, prevY = Double.NEGATIVE_INFINITY;
        for (Point p : curve) {
            if (p.top1() >= target) {
                if (prevY == Double.NEGATIVE_INFINITY) return p.images();
                return prevX + (target - prevY) / (p.top1() - prevY) * (p.images() - prevX);
            }
            prevX = p.images();
            prevY = p.top1();
        }
        return Double.NaN;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
