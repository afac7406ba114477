package dev.jclip.cli.commands;

import dev.jclip.api.ClipOptions;
import dev.jclip.api.WeightsCache;
import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code clip pretrained fetch NAME TAG}: downloads (or verifies) registered weights in the cache. */
@Command(name = "fetch", description = "download NAME TAG into the cache (JCLIP_CACHE, default ~/.cache/jclip), SHA-256 checked; prints the path")
public final class PretrainedFetchCommand extends ClipCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "e.g. ViT-B-32") String name;

    @Parameters(index = "1", paramLabel = "TAG", description = "e.g. openai") String tag;

    @Mixin
    Downloads downloads;

    @Override
    protected int run() throws Exception {
        ClipOptions o = downloads.options();
        Path file;
        try {
            file = new WeightsCache(o).fetch(o.registry().get(name, tag));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        System.out.println(file);
        return 0;
    }
}
