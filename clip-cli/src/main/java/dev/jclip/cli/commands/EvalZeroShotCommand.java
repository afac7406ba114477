package dev.jclip.cli.commands;

import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.zeroshot.PromptTemplates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.List;

/** {@code clip eval zeroshot}: zero-shot classification with prompt templates. */
@Command(name = "zeroshot", description = "zero-shot classification of a labelled image set with prompt templates")
public final class EvalZeroShotCommand extends EvalCommand {
    @Mixin
    DatasetOptions dataset;

    @Mixin
    TemplatesOption templates;

    @Mixin
    SubsetOptions subset;

    @Override
    protected int run() throws Exception {
        Path ckpt = checkpoint.required();
        subset.checked();
        List<String> prompts = templates.read(PromptTemplates.DEFAULT);
        LabelledImageDataset d = dataset.open();
        if (subset.limit > 0) d = DatasetView.random(d, subset.limit, subset.seed);
        var report = Evaluations.zeroShot(eval.load(ckpt, loader, images), d, prompts, ckpt.toString());
        if (templates.file != null) report.setting("templates_file", templates.file.toString());
        eval.emit(report);
        return 0;
    }
}
