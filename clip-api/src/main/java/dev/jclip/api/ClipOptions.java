package dev.jclip.api;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where pretrained weights come from and go: the cache folder, offline mode, a mirror, the registry and who hears
 * about progress. {@link #fromEnvironment()} reads {@code JCLIP_CACHE}, {@code JCLIP_OFFLINE},
 * {@code JCLIP_PRETRAINED_MIRROR} and {@code JCLIP_PRETRAINED_REGISTRY}; the {@code with*} methods override.
 *
 * @param cacheFolder where downloads are kept ({@code ~/.cache/jclip} unless {@code JCLIP_CACHE} is set)
 * @param offline     never touch the network: a file missing from the cache is an error naming it
 * @param mirror      {@code http://host:port} replacing the scheme and host of every registered URL (paths kept), or null
 * @param registry    the known names and tags
 */
public record ClipOptions(Path cacheFolder, boolean offline, String mirror, PretrainedRegistry registry, DownloadListener listener) {
    public static final String ENV_CACHE = "JCLIP_CACHE";
    public static final String ENV_OFFLINE = "JCLIP_OFFLINE";
    public static final String ENV_MIRROR = "JCLIP_PRETRAINED_MIRROR";

    public ClipOptions {
        if (cacheFolder == null) throw new IllegalArgumentException("cacheFolder must be given");
        if (registry == null) throw new IllegalArgumentException("registry must be given");
        if (listener == null) listener = DownloadListener.NONE;
        if (mirror != null && mirror.isBlank()) mirror = null;
    }

    /** Settings from this process's environment, with a progress bar when there is a terminal. */
    public static ClipOptions fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Settings from the given environment variables (for tests and launchers). */
    public static ClipOptions fromEnvironment(Map<String, String> env) {
        String cache = env.get(ENV_CACHE);
        Path folder = cache != null && !cache.isBlank() ? Path.of(cache)
                : Path.of(System.getProperty("user.home"), ".cache", "jclip");
        String offline = env.getOrDefault(ENV_OFFLINE, "");
        String registry = env.get(PretrainedRegistry.ENV);
        return new ClipOptions(folder, offline.equals("1") || offline.equalsIgnoreCase("true"), env.get(ENV_MIRROR),
                PretrainedRegistry.withFile(registry == null || registry.isBlank() ? null : Path.of(registry)),
                TerminalProgressBar.forConsole());
    }

    public ClipOptions withCacheFolder(Path folder) {
        return new ClipOptions(folder, offline, mirror, registry, listener);
    }

    public ClipOptions withOffline(boolean offline) {
        return new ClipOptions(cacheFolder, offline, mirror, registry, listener);
    }

    public ClipOptions withMirror(String mirror) {
        return new ClipOptions(cacheFolder, offline, mirror, registry, listener);
    }

    public ClipOptions withRegistry(PretrainedRegistry registry) {
        return new ClipOptions(cacheFolder, offline, mirror, registry, listener);
    }

    public ClipOptions withListener(DownloadListener listener) {
        return new ClipOptions(cacheFolder, offline, mirror, registry, listener);
    }
}
