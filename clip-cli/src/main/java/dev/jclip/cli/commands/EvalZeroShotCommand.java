package dev.jclip.cli.commands;

import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.zeroshot.PromptTemplates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** {@code clip eval zeroshot}: zero-shot classification with prompt templates. */
@Command(name = "zeroshot", description = "zero-shot classification of a labelled image set with prompt templates")
public final class EvalZeroShotCommand extends ClipCommand {
    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--dataset", required = true, paramLabel = "SPEC", description = "image folder, CSV/TSV or idx:PREFIX")
    String dataset;

    @Option(names = "--templates", paramLabel = "FILE", description = "prompt templates, one a line with {} (default: CLIP's)")
    Path templatesFile;

    @Option(names = "--classnames", paramLabel = "FILE", description = "class names, one a line, in label order")
    Path classNames;

    @Option(names = "--limit", paramLabel = "N", description = "evaluate a fixed random subset of N images; 0 = all")
    int limit;

    @Option(names = "--seed", paramLabel = "S", description = "seed of that subset")
    long seed;

    @Mixin
    EvalOptions eval;

    @Mixin
    ImageOptions images;

    private final EncoderLoader loader;

    public EvalZeroShotCommand() {
        this(EncoderLoader.MODEL);
    }

    public EvalZeroShotCommand(EncoderLoader loader) {
        this.loader = loader;
    }

    @Override
    protected int run() throws Exception {
        Path ckpt = checkpoint.required();
        if (limit < 0) throw new UsageException("--limit must be positive");
        List<String> templates = templatesFile == null ? PromptTemplates.DEFAULT : PromptTemplates.read(templatesFile);
        LabelledImageDataset d = DatasetSpec.open(dataset, classNames == null ? null : ClassNames.read(classNames));
        if (limit > 0) d = DatasetView.random(d, limit, seed);
        var report = Evaluations.zeroShot(eval.load(ckpt, loader), d, templates, ckpt.toString());
        if (templatesFile != null) report.setting("templates_file", templatesFile.toString());
        eval.emit(report);
        return 0;
    }
}
