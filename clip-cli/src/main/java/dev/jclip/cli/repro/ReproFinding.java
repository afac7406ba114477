package dev.jclip.cli.repro;

import dev.jclip.cli.ClipCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.nio.file.Path;

/**
 * One finding's command: the shared options, the shared emoji model, the report; {@link #measure} is the experiment.
 */
abstract class ReproFinding extends ClipCommand {
    @Mixin
    ReproOptions repro;

    private final String title;
    private final String paperClaim;

    /**
     * @param title      the report's title
     * @param paperClaim the paper's figure, in a sentence
     */
    ReproFinding(String title, String paperClaim) {
        this.title = title;
        this.paperClaim = paperClaim;
    }

    /** The command's name, as its {@code @Command} gives it, which is also its folder under {@code --output}. */
    final String name() {
        return getClass().getAnnotation(Command.class).name();
    }

    /** Checks the command's own options (throw {@link dev.jclip.cli.UsageException}). */
    void checkOptions() {
    }

    /** Runs the experiment on the model, putting every figure, table and chart into the report. */
    abstract void measure(EmojiModel model, ReproReport report) throws Exception;

    @Override
    protected final int run() throws Exception {
        repro.check();
        checkOptions();
        ReproReport report = new ReproReport(name(), title, paperClaim, repro, ReproReport.console());
        EmojiModel model = EmojiModel.obtain(repro);
        report.model(model);
        measure(model, report);
        Path page = report.finish();
        System.out.println("figures: " + report.dir().resolve("figures.json").toAbsolutePath());
        System.out.println("report: " + page.toAbsolutePath());
        return 0;
    }
}
