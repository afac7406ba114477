package dev.jclip.cli.commands;

import dev.jclip.cli.ClipCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code clip completion}: a bash completion script for every command and option ({@code source <(clip completion)}). */
@Command(name = "completion", description = "print a bash (and zsh) completion script: source <(clip completion)")
public final class CompletionCommand extends ClipCommand {
    @Spec
    CommandSpec spec;

    @Override
    protected int run() {
        CommandLine root = spec.commandLine().getParent();
        System.out.print(AutoComplete.bash("clip", root != null ? root : spec.commandLine()));
        return 0;
    }
}
