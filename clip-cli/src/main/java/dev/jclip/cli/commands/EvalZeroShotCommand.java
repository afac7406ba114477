package dev.jclip.cli.commands;

import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.zeroshot.PromptTemplates;
import dev.jclip.eval.zeroshot.ZeroShotSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code clip eval zeroshot}: zero-shot classification with prompt templates. Class names come from the dataset,
 * {@code --classnames FILE} or {@code --suite NAME} (the CLIP paper's names and templates; {@code --templates}
 * still overrides the suite's templates).
 */
@Command(name = "zeroshot", description = "zero-shot classification of a labelled image set with prompt templates")
public final class EvalZeroShotCommand extends EvalCommand {
    @Mixin
    DatasetOptions dataset;

    @Mixin
    TemplatesOption templates;

    @Mixin
    SuiteOption suite;

    @Mixin
    SubsetOptions subset;

    @Override
    protected int run() throws Exception {
        Path ckpt = checkpoint.required();
        subset.checked();
        ZeroShotSuite s = suite.get();
        if (s != null && dataset.classNames != null) throw new UsageException("give class names by --suite or --classnames, not both");
        List<String> prompts = templates.read(s == null ? PromptTemplates.DEFAULT : s.templates());
        LabelledImageDataset d = s == null ? dataset.open() : dataset.open(s.classNames());
        if (subset.limit > 0) d = DatasetView.random(d, subset.limit, subset.seed);
        List<List<String>> names = s == null ? d.classNames().stream().map(List::of).toList() : s.classSynonyms();
        var report = Evaluations.zeroShot(eval.load(ckpt, loader(), images), d, names, prompts, ckpt.toString());
        if (s != null) report.setting("suite", s.name());
        if (templates.file != null) report.setting("templates_file", templates.file.toString());
        eval.emit(report, benchmarkNames(s != null ? s.name() : EvalOptions.benchmarkDatasetName(dataset.spec)));
        return 0;
    }
}
