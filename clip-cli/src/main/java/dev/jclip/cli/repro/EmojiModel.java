package dev.jclip.cli.repro;

import dev.jclip.api.Clip;
import dev.jclip.cli.commands.DemoCommand;
import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.DemoEvaluation;
import dev.jclip.cli.demo.DemoRun;
import dev.jclip.cli.demo.Emoji;
import dev.jclip.cli.demo.EmojiPackages;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.CsvImageDataset;
import dev.jclip.eval.data.LabelledImageDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The small CLIP the emoji findings share: the demo's model and recipe ({@link DemoRun}: the Google-style images
 * with their captions, Twitter style held out), trained once into {@code CACHE/repro/<settings>/} and reused by every
 * {@code clip repro} command with the same settings (the folder name is the key). An interrupted training resumes
 * there from its last checkpoint.
 *
 * @param dir       the model's run folder (the demo's layout: {@code model.safetensors}, {@code vocab.txt.gz}, {@code data/})
 * @param run       the demo run that trained it, for its emoji sets
 * @param data      the emoji data: trained, held-out and validation emoji
 * @param clip      the trained model with its tokenizer
 * @param features  its features, cached in the run folder
 * @param name      a name for reports
 */
public record EmojiModel(Path dir, DemoRun run, DemoData data, Clip clip, Evaluations.FeatureSource features, String name) {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.repro");
    /**
     * The recipe of the findings in docs/REPRODUCTION.md, the demo's defaults before 2026-12-06: {@code ViT-demo}, 300
     * steps, lr 1e-3, the trainer's plain crop. Pinned here so those figures and the cache folders of such models (whose names do
     * not say the augmentation) stay valid while the demo's defaults move on.
     */
    static final String REPRO_MODEL = "ViT-demo";
    static final long REPRO_STEPS = 300;
    static final double REPRO_LR = 1e-3;
    static final String REPRO_AUG = "";
    /** The features the findings' probes read (the demo's default until its sixth round): the pre-projection representation. */
    static final ModelEncoder.ImageFeatures REPRO_PROBE_FEATURES = ModelEncoder.ImageFeatures.PRE_PROJECTION;

    /** The model for these options: trained now unless the cache holds a finished one. */
    static EmojiModel obtain(ReproOptions o) throws Exception {
        Path cache = DemoCommand.cache(o.cache);
        long steps = o.trainingSteps();
        String key = String.format(Locale.ROOT, "demo-%s-s%d-b%d-lr%s-seed%d%s%s%s", REPRO_MODEL, steps, o.batchSize,
                REPRO_LR, o.seed, o.limit > 0 ? "-limit" + o.limit : "",
                o.validationFraction == DemoData.VALIDATION_FRACTION ? "" : "-val" + o.validationFraction,
                // emoji packages from --data may differ from the published ones: they get a model of their own
                o.data == null ? "" : "-data" + Integer.toHexString(o.data.toAbsolutePath().normalize().toString().hashCode()));
        Path dir = cache.resolve("repro").resolve(key);
        DemoRun run = new DemoRun(new DemoRun.Options(o.data, cache, 0, steps, REPRO_MODEL, null, dir, o.seed, o.limit,
                o.batchSize, REPRO_LR, DemoRun.DEFAULT_CAPTIONS, AlphaBackground.WHITE, o.validationFraction,
                REPRO_AUG, null, java.util.List.of(), REPRO_PROBE_FEATURES, DemoRun.DEFAULT_PROMPTS));
        // demo-metrics.json is the demo's last file: a folder without it holds an unfinished (or interrupted) run
        if (Files.isRegularFile(dir.resolve("demo-metrics.json"))) {
            LOG.info("reusing the trained emoji model in {}", dir);
        } else {
            LOG.info("training the shared emoji model ({} steps) in {}", steps, dir);
            run.run();
        }
        DemoData data = run.prepareData();
        Clip clip = Clip.load(dir);
        String name = String.format(Locale.ROOT, "%s emoji CLIP (%d steps x %d, seed %d)", REPRO_MODEL, steps, o.batchSize, o.seed);
        return new EmojiModel(dir, run, data, clip, DemoEvaluation.featureSource(clip.model(), clip.tokenizer(), dir), name);
    }

    /**
     * The emoji as a labelled dataset of their subcategories (among {@code classes}, in that label order), with
     * the image {@code image} gives for each: a manifest at {@code csv} that names the images by absolute path.
     */
    static LabelledImageDataset dataset(List<Emoji> emoji, Function<Emoji, Path> image, List<String> classes, Path csv) throws IOException {
        StringBuilder rows = new StringBuilder("image,label\n");
        for (Emoji e : emoji) {
            rows.append(DemoData.csv(image.apply(e).toAbsolutePath().toString())).append(',').append(DemoData.csv(e.subcategory())).append('\n');
        }
        AtomicFile.writeString(csv, rows.toString());
        return CsvImageDataset.read(csv, classes);
    }

    /** An emoji set's package (as the demo found or fetched it). */
    EmojiPackages.EmojiPackage set(String set) throws IOException, InterruptedException {
        return run.emojiSet(set);
    }
}
