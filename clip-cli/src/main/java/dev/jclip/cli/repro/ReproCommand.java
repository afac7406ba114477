package dev.jclip.cli.repro;

import dev.jclip.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code clip repro NAME}: the CLIP paper's findings in miniature, one command each (docs/REPRODUCTION.md). */
@Command(name = "repro", description = "rerun one of the CLIP paper's findings at a scale that fits this machine (docs/REPRODUCTION.md)",
        subcommands = {ReproObjectivesCommand.class, ReproPromptsCommand.class, ReproFewShotCommand.class, ReproRobustnessCommand.class, ReproLimitationCommand.class})
public final class ReproCommand extends CommandGroup {
}
