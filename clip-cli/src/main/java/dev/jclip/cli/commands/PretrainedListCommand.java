package dev.jclip.cli.commands;

import dev.jclip.api.ClipOptions;
import dev.jclip.api.PretrainedModel;
import dev.jclip.cli.Args;
import dev.jclip.cli.Command;

import java.util.function.Supplier;

/** {@code clip pretrained list}: one line per registered weights file: name, tag, SHA-256, URL. */
public final class PretrainedListCommand implements Command {
    private final Supplier<ClipOptions> options;

    public PretrainedListCommand(Supplier<ClipOptions> options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "pretrained list";
    }

    @Override
    public String summary() {
        return "list the pretrained weights known by name and tag (name, tag, SHA-256, URL)";
    }

    @Override
    public int run(Args args) {
        args.checkAllUsed();
        for (PretrainedModel m : options.get().registry().list()) {
            String sha = m.pinnedOnFirstDownload() ? "(pinned-on-first-download)" : m.sha256();
            System.out.println(m.name() + "\t" + m.tag() + "\t" + sha + "\t" + m.url());
        }
        return 0;
    }
}
