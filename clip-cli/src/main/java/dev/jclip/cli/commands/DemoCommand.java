package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.UsageException;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.cli.demo.DemoRun;

import java.nio.file.Path;

/**
 * {@code clip demo}: fetches two drawing styles of the emoji set, trains a small CLIP on one for a few minutes,
 * evaluates it on the other (zero-shot, retrieval, linear probes) and writes {@code report.html}. See
 * docs/DEMO.md.
 */
public final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "train a small CLIP on real emoji images for a few minutes, evaluate it on an unseen drawing style and write"
                + " report.html: [--data DIR] [--cache DIR] [--minutes M | --steps N] [--model PRESET] [--vocab PATH]"
                + " [--output RUN_DIR] [--seed S] [--limit N] [--batch-size B] [--lr LR] [--alpha-background white|black|none|R,G,B]";
    }

    @Override
    public int run(Args args) throws Exception {
        DemoRun.Options o = new DemoRun.Options(
                args.path("data"),
                cache(args.path("cache")),
                args.getDouble("minutes", 0),
                args.getLong("steps", 0),
                args.get("model", DemoRun.DEFAULT_MODEL),
                args.path("vocab"),
                args.has("output") ? args.path("output") : Path.of("runs", "demo"),
                args.getLong("seed", 0),
                args.getInt("limit", 0),
                args.getInt("batch-size", DemoRun.DEFAULT_BATCH),
                args.getDouble("lr", DemoRun.DEFAULT_LR),
                args.getInt("captions-per-image", DemoRun.DEFAULT_CAPTIONS),
                EvalCommon.alphaBackground(args, AlphaBackground.WHITE));
        args.checkAllUsed();
        if (args.has("minutes") && !(o.minutes() > 0)) throw new UsageException("--minutes must be positive, got " + o.minutes());
        if (o.minutes() > 0 && o.steps() > 0) throw new UsageException("give --minutes or --steps, not both");
        if (o.steps() < 0) throw new UsageException("--steps must be positive, got " + o.steps());
        if (o.limit() < 0 || (o.limit() > 0 && o.limit() < 2)) throw new UsageException("--limit must be at least 2, got " + o.limit());
        if (o.batchSize() < 2) throw new UsageException("--batch-size must be at least 2, got " + o.batchSize());
        if (!(o.lr() > 0)) throw new UsageException("--lr must be positive, got " + o.lr());
        if (o.captionsPerImage() < 1) throw new UsageException("--captions-per-image must be at least 1");
        if (o.vocab() != null && !java.nio.file.Files.isRegularFile(o.vocab())) throw new UsageException("--vocab: file not found: " + o.vocab());
        DemoRun.Outcome out = new DemoRun(o).run();
        System.out.println();
        System.out.print(out.table());
        System.out.println();
        System.out.println("report: " + out.report().toAbsolutePath());
        return 0;
    }

    /** {@code --cache}, else {@code $JCLIP_CACHE}, else {@code ~/.cache/jclip}. */
    static Path cache(Path explicit) {
        if (explicit != null) return explicit;
        String env = System.getenv("JCLIP_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "jclip");
    }
}
