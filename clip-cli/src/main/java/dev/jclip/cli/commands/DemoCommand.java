package dev.jclip.cli.commands;

import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.cli.demo.EmojiCaptions;
import dev.jclip.cli.demo.EmojiPackages;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.AugmentationConfig;
import dev.jclip.cli.demo.DemoRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code clip demo}: fetches two drawing styles of the emoji set, trains a small CLIP on one for a few minutes,
 * evaluates it on the other (zero-shot, retrieval, linear probes) and writes {@code report.html}. See
 * docs/DEMO.md.
 */
@Command(name = "demo", description = "train a small CLIP on real emoji images for a few minutes, evaluate it on an unseen drawing style and write report.html")
public final class DemoCommand extends ClipCommand {
    @Option(names = "--data", paramLabel = "DIR", description = "emoji packages already downloaded (default: fetched with npm into the cache)")
    Path data;

    @Option(names = "--cache", paramLabel = "DIR", description = "download cache (default: $JCLIP_CACHE, else ~/.cache/jclip)") Path cache;

    @Option(names = "--minutes", paramLabel = "M", description = "train for about this long (default: " + DemoRun.DEFAULT_STEPS + " steps)")
    Double minutes;

    @Option(names = "--steps", paramLabel = "N", description = "train this many steps") long steps;

    @Option(names = "--model", paramLabel = "PRESET", description = "(default: ${DEFAULT-VALUE})") String model = DemoRun.DEFAULT_MODEL;

    @Option(names = "--vocab", paramLabel = "PATH", description = "BPE merges file (default: one learned from the training captions)") Path vocab;

    @Option(names = "--output", paramLabel = "RUN_DIR", description = "(default: ${DEFAULT-VALUE})") Path output = Path.of("runs", "demo");

    @Option(names = "--seed", paramLabel = "S", description = "seed of the split, the model and the data order") long seed;

    @Option(names = "--limit", paramLabel = "N", description = "use only N emoji (at least 2); 0 = all") int limit;

    @Option(names = "--batch-size", paramLabel = "B", description = "(default: ${DEFAULT-VALUE})") int batchSize = DemoRun.DEFAULT_BATCH;

    @Option(names = "--lr", paramLabel = "LR", description = "peak learning rate (default: ${DEFAULT-VALUE})") double lr = DemoRun.DEFAULT_LR;

    @Option(names = "--captions-per-image", paramLabel = "N", description = "caption templates per image (default: ${DEFAULT-VALUE})")
    int captionsPerImage = DemoRun.DEFAULT_CAPTIONS;

    @Option(names = "--validation-fraction", paramLabel = "F",
            description = "share of each subcategory's emoji kept out of training to compare recipes on (default: ${DEFAULT-VALUE})")
    double validationFraction = dev.jclip.cli.demo.DemoData.VALIDATION_FRACTION;

    @Option(names = "--aug-cfg", paramLabel = "KEY=VALUE ...",
            description = "training augmentation, clip train's --aug-cfg keys; '' for the trainer's plain 90-100%% random crop (default: ${DEFAULT-VALUE})")
    String augCfg = DemoRun.DEFAULT_AUG;

    @Option(names = "--validation-style", paramLabel = "SET",
            description = "also draw the validation emoji in this third emoji-datasource set (e.g. facebook; fetched like the others;"
                    + " validation only, never trained on or tested on)")
    String validationStyle;

    @Option(names = "--train-styles", paramLabel = "SET,...", split = ",",
            description = "drawing styles to train on: google, or google,emojione (EmojiOne 2.2.7's PNGs, CC-BY-4.0, fetched with"
                    + " npm like the others; each emoji's training pairs are spread over its drawings, the same number of pairs;"
                    + " default: google)")
    List<String> trainStyles = List.of(EmojiPackages.TRAIN_SET);

    @Option(names = "--probe-features", paramLabel = "KIND",
            description = "the CLIP image features the linear probes read: projected (the joint-space embedding), pre-projection"
                    + " (the image tower's representation, as the CLIP paper probes it), pre-projection-patch-mean (that and the"
                    + " mean of a ViT's patch tokens or of a ResNet's final feature map) or pre-projection-layers (a ViT's class token after every block, each through"
                    + " the final norm, concatenated: a multi-layer probe; default: ${DEFAULT-VALUE})")
    String probeFeatures = DemoRun.DEFAULT_PROBE_FEATURES.label();

    @Option(names = "--prompts", paramLabel = "ENSEMBLE",
            description = "zero-shot prompt ensemble: captions (the training captions' phrasings) or generic (default: ${DEFAULT-VALUE})")
    String prompts = DemoRun.DEFAULT_PROMPTS;

    @Mixin
    ImageOptions images;

    @Override
    protected int run() throws Exception {
        if (minutes != null && !(minutes > 0)) throw new UsageException("--minutes must be positive, got " + minutes);
        if (minutes != null && steps > 0) throw new UsageException("give --minutes or --steps, not both");
        if (steps < 0) throw new UsageException("--steps must be positive, got " + steps);
        if (limit < 0 || (limit > 0 && limit < 2)) throw new UsageException("--limit must be at least 2, got " + limit);
        if (batchSize < 2) throw new UsageException("--batch-size must be at least 2, got " + batchSize);
        if (!(lr > 0)) throw new UsageException("--lr must be positive, got " + lr);
        if (captionsPerImage < 1) throw new UsageException("--captions-per-image must be at least 1");
        if (!(validationFraction > 0 && validationFraction < 1)) throw new UsageException("--validation-fraction must be in (0, 1), got " + validationFraction);
        if (!augCfg.isBlank()) {
            try {
                AugmentationConfig.parse(augCfg, "--aug-cfg");
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (validationStyle != null && (validationStyle.equals(EmojiPackages.TRAIN_SET) || validationStyle.equals(EmojiPackages.HELD_OUT_SET)
                || !validationStyle.matches("[a-z]+"))) {
            throw new UsageException("--validation-style must name a third emoji-datasource set (e.g. facebook), not the trained "
                    + EmojiPackages.TRAIN_SET + " or held-out " + EmojiPackages.HELD_OUT_SET + " set, got '" + validationStyle + "'");
        }
        if (trainStyles.isEmpty() || !trainStyles.get(0).equals(EmojiPackages.TRAIN_SET)
                || trainStyles.subList(1, trainStyles.size()).stream().anyMatch(st -> !st.equals(EmojiPackages.EMOJIONE))
                || trainStyles.stream().distinct().count() < trainStyles.size()) {
            throw new UsageException("--train-styles must be " + EmojiPackages.TRAIN_SET + " (the captions' set) or "
                    + EmojiPackages.TRAIN_SET + "," + EmojiPackages.EMOJIONE + ", got '" + String.join(",", trainStyles) + "'");
        }
        ModelEncoder.ImageFeatures features;
        try {
            features = ModelEncoder.ImageFeatures.parse(probeFeatures);
            EmojiCaptions.prompts(prompts);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--probe-features / --prompts: " + e.getMessage());
        }
        if (vocab != null && !Files.isRegularFile(vocab)) throw new UsageException("--vocab: file not found: " + vocab);
        DemoRun.Outcome out = new DemoRun(new DemoRun.Options(data, cache(cache), minutes == null ? 0 : minutes, steps,
                model, vocab, output, seed, limit, batchSize, lr, captionsPerImage, images.alphaBackgroundOr(AlphaBackground.WHITE),
                validationFraction, augCfg.strip(), validationStyle, trainStyles.subList(1, trainStyles.size()), features, prompts)).run();
        System.out.println();
        System.out.print(out.table());
        System.out.println();
        System.out.println("report: " + out.report().toAbsolutePath());
        return 0;
    }

    /** {@code --cache}, else {@code $JCLIP_CACHE}, else {@code ~/.cache/jclip}. */
    public static Path cache(Path explicit) {
        if (explicit != null) return explicit;
        String env = System.getenv("JCLIP_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "jclip");
    }
}
