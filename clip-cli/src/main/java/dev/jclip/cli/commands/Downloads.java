package dev.jclip.cli.commands;

import dev.jclip.api.ClipOptions;
import picocli.CommandLine.Option;

/**
 * Where pretrained weights come from: the environment ({@code JCLIP_CACHE}, {@code JCLIP_OFFLINE},
 * {@code JCLIP_PRETRAINED_MIRROR}, {@code JCLIP_PRETRAINED_REGISTRY}) and {@code --offline}.
 */
public final class Downloads {
    @Option(names = "--offline", description = "never download: use what the cache holds (also JCLIP_OFFLINE=1)")
    boolean offline;

    /** The settings; tests put their own here after parsing. */
    ClipOptions settings;

    ClipOptions options() {
        ClipOptions o = settings != null ? settings : ClipOptions.fromEnvironment();
        return offline ? o.withOffline(true) : o;
    }
}
