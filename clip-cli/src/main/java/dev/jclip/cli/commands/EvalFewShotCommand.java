package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.zeroshot.PromptTemplates;
import dev.jclip.eval.zeroshot.ZeroShotSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * {@code clip eval few-shot}: linear probes fitted on K random draws of n labelled examples per class, for each
 * n; their mean top-1 and spread, and the n at which they match zero-shot (the CLIP paper's Figure 6).
 */
@Command(name = "few-shot", description = "linear probes on n labelled examples per class (K seeded draws each) against zero-shot")
public final class EvalFewShotCommand extends ProbeCommand {
    @Option(names = "--C", paramLabel = "C", description = "a fixed regularisation C for every fit (default: searched on a validation split)")
    Double fixedC;

    @Option(names = "--zero-shot-top1", paramLabel = "ACC",
            description = "zero-shot top-1 (0..1) to compare with, e.g. from an earlier run; default: measured with --checkpoint, none with --pixels")
    Double zeroShotTop1;

    @Mixin
    FewShotOptions fewShot;

    @Mixin
    TemplatesOption templates;

    @Mixin
    SuiteOption suite;

    @Override
    protected int run() throws Exception {
        checkOptions();
        fewShot.check();
        if (eval.clipBenchmark != null) throw new UsageException("--clip-benchmark is not written for few-shot (CLIP_benchmark keeps one probe per file)");
        if (zeroShotTop1 != null && !(zeroShotTop1 >= 0 && zeroShotTop1 <= 1)) throw new UsageException("--zero-shot-top1 must be in 0..1, got " + zeroShotTop1);
        ZeroShotSuite s = suite.get();
        if (pixels && zeroShotTop1 == null && (s != null || templates.file != null)) {
            throw new UsageException("--suite/--templates measure zero-shot with a model; with --pixels give --zero-shot-top1");
        }
        FewShot.Settings settings;
        try {
            settings = new FewShot.Settings(fewShot.shots(), fewShot.draws(), seed, fixedC, probeSettings());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Features f = features();
        double zs = Double.NaN;
        if (zeroShotTop1 != null) {
            zs = zeroShotTop1;
        } else if (!pixels) {
            List<List<String>> names = s != null ? s.classSynonyms() : f.test().classNames().stream().map(List::of).toList();
            List<String> prompts = templates.read(s != null ? s.templates() : PromptTemplates.DEFAULT);
            zs = Evaluations.zeroShot(source, f.test(), names, prompts, f.model()).metrics().get("top1");
        }
        long start = System.nanoTime();
        EvalReport report = Evaluations.fewShot(f.trainX(), f.train().labels(), f.testX(), f.test().labels(), f.train().classNames(),
                settings, zs, f.train().name(), f.model());
        report.setting("test_dataset", f.test().name()).setting("fit_seconds", (System.nanoTime() - start) / 1e9)
                .setting("zero_shot", zeroShotTop1 != null ? "given" : pixels ? "none" : "measured on the test set");
        if (s != null) report.setting("suite", s.name());
        if (pixels) report.setting("pixel_size", pixelSize).setting("pixel_channels", f.train().greyscale() ? 1 : 3);
        eval.emit(report, probeBenchmarkNames());
        return 0;
    }
}
