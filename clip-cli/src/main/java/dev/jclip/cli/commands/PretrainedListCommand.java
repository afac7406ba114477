package dev.jclip.cli.commands;

import dev.jclip.api.PretrainedModel;
import dev.jclip.cli.ClipCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code clip pretrained list}: one line per registered weights file: name, tag, SHA-256, URL. */
@Command(name = "list", description = "the pretrained weights known by name and tag (name, tag, SHA-256, URL)")
public final class PretrainedListCommand extends ClipCommand {
    @Mixin
    Downloads downloads;

    @Override
    protected int run() {
        for (PretrainedModel m : downloads.options().registry().list()) {
            String sha = m.pinnedOnFirstDownload() ? "(pinned-on-first-download)" : m.sha256();
            System.out.println(m.name() + "\t" + m.tag() + "\t" + sha + "\t" + m.url());
        }
        return 0;
    }
}
