package dev.jclip.cli;

import dev.jclip.api.ClipOptions;
import dev.jclip.api.PretrainedModel;
import dev.jclip.api.WeightsCache;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --pretrained NAME:TAG} (and {@code --offline}) for every command that takes {@code --checkpoint}: the
 * weights are fetched into the cache (or found there) and the option becomes {@code --checkpoint FILE}, with the
 * registry's architecture remembered for {@link ModelLoader}.
 */
public final class PretrainedOption {
    private PretrainedOption() {
    }

    /** {@code argv} with {@code --pretrained NAME:TAG} replaced by {@code --checkpoint FILE} and {@code --offline} consumed. */
    public static String[] expand(String[] argv, ClipOptions options) throws IOException {
        return expand(argv, () -> options);
    }

    /** As above; {@code options} is read only when {@code --pretrained} is given. */
    public static String[] expand(String[] argv, java.util.function.Supplier<ClipOptions> settings) throws IOException {
        List<String> out = new ArrayList<>();
        String spec = null;
        boolean offline = false;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.equals("--offline")) {
                offline = true;
            } else if (a.equals("--pretrained") || a.startsWith("--pretrained=")) {
                if (a.equals("--pretrained")) {
                    if (i + 1 >= argv.length) throw new UsageException("--pretrained needs NAME:TAG (see 'clip pretrained list')");
                    spec = argv[++i];
                } else {
                    spec = a.substring("--pretrained=".length());
                }
            } else {
                out.add(a);
            }
        }
        if (spec == null) return out.toArray(new String[0]);
        ClipOptions options = settings.get();
        if (out.contains("--checkpoint")) throw new UsageException("give --checkpoint or --pretrained, not both");
        int colon = spec.indexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) throw new UsageException("--pretrained takes NAME:TAG, e.g. ViT-B-32:openai, got '" + spec + "'");
        PretrainedModel model;
        try {
            model = options.registry().get(spec.substring(0, colon), spec.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        java.nio.file.Path file = new WeightsCache(offline ? options.withOffline(true) : options).fetch(model);
        ModelLoader.registerArchitecture(file, model.config());
        out.add("--checkpoint");
        out.add(file.toString());
        return out.toArray(new String[0]);
    }
}
