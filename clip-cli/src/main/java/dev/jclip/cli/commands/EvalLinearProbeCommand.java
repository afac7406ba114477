package dev.jclip.cli.commands;

import dev.jclip.eval.Evaluations;
import dev.jclip.eval.report.EvalReport;
import picocli.CommandLine.Command;

/**
 * {@code clip eval linear-probe}: logistic regression on frozen features, C chosen on a validation split.
 * Features are a model's image features ({@code --checkpoint}) or raw pixels ({@code --pixels}, the baseline).
 */
@Command(name = "linear-probe", description = "logistic regression on frozen image features (or raw pixels), C chosen on a validation split")
public final class EvalLinearProbeCommand extends ProbeCommand {

    @Override
    protected int run() throws Exception {
        checkOptions();
        var settings = probeSettings();
        Features f = features();
        long start = System.nanoTime();
        EvalReport report = Evaluations.linearProbe(f.trainX(), f.train().labels(), f.testX(), f.test().labels(), f.train().classNames(),
                settings, f.train().name(), f.model());
        report.setting("test_dataset", f.test().name()).setting("fit_seconds", (System.nanoTime() - start) / 1e9);
        if (pixels) report.setting("pixel_size", pixelSize).setting("pixel_channels", f.train().greyscale() ? 1 : 3);
        eval.emit(report, probeBenchmarkNames());
        return 0;
    }
}
