package dev.jclip.cli.repro;

import dev.jclip.cli.ClipCommand;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;

/**
 * One finding's command: the shared options, the shared emoji model, the report; {@link #measure} is the experiment.
 */
abstract class ReproFinding extends ClipCommand {
    @Mixin
    ReproOptions repro;

    /** The command's name, which is also its folder under {@code --output}. */
    abstract String name();

    abstract String title();

    /** The paper's figure, in a sentence. */
    abstract String paperClaim();

    /** Checks the command's own options (throw {@link dev.jclip.cli.UsageException}). */
    void checkOptions() {
    }

    /** Runs the experiment on the model, putting every figure, table and chart into the report. */
    abstract void measure(EmojiModel model, ReproReport report) throws Exception;

    @Override
    protected final int run() throws Exception {
        repro.check();
        checkOptions();
        ReproReport report = new ReproReport(name(), title(), paperClaim(), repro, ReproReport.console());
        EmojiModel model = EmojiModel.obtain(repro);
        report.model(model);
        measure(model, report);
        Path page = report.finish();
        System.out.println("figures: " + report.dir().resolve("figures.json").toAbsolutePath());
        System.out.println("report: " + page.toAbsolutePath());
        return 0;
    }
}
