package dev.jclip.cli.commands;

import dev.jclip.api.ClipOptions;
import dev.jclip.api.WeightsCache;
import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.UsageException;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** {@code clip pretrained fetch NAME TAG}: downloads (or verifies) registered weights in the cache. */
public final class PretrainedFetchCommand implements Command {
    private final Supplier<ClipOptions> options;

    public PretrainedFetchCommand(Supplier<ClipOptions> options) {
        this.options = options;
    }

    @Override
    public String name() {
        return "pretrained fetch";
    }

    @Override
    public String summary() {
        return "download NAME TAG into the cache (JCLIP_CACHE, default ~/.cache/jclip), SHA-256 checked; prints the path";
    }

    @Override
    public int run(Args args) throws Exception {
        List<String> words = args.positional();
        args.checkAllUsed();
        if (words.size() != 2) throw new UsageException("expected NAME TAG, e.g. 'clip pretrained fetch ViT-B-32 openai'");
        ClipOptions o = options.get();
        Path file;
        try {
            file = new WeightsCache(o).fetch(o.registry().get(words.get(0), words.get(1)));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        System.out.println(file);
        return 0;
    }
}
