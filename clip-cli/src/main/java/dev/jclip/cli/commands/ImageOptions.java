package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.ImageTextEncoder;
import dev.jclip.eval.ModelEncoder;
import picocli.CommandLine.Option;

/**
 * The options of every command that reads image files ({@code train}, {@code encode}, {@code eval *},
 * {@code data *}, {@code bench loader}, {@code demo}), mixed in with {@code @Mixin ImageOptions images;}: an
 * option declared here reaches all of them at once.
 */
public final class ImageOptions {
    @Option(names = "--alpha-background", paramLabel = "white|black|none|R,G,B",
            description = "what transparent pixels are composited over (default: the checkpoint's, else white; none drops alpha as PIL's convert('RGB'))")
    String alphaBackground;

    /** {@code --alpha-background}, parsed; null when it was not given. */
    public AlphaBackground alphaBackground() {
        if (alphaBackground == null) return null;
        try {
            return AlphaBackground.parse(alphaBackground);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--alpha-background: " + e.getMessage());
        }
    }

    /** {@code --alpha-background}, or {@code fallback} when it was not given. */
    public AlphaBackground alphaBackgroundOr(AlphaBackground fallback) {
        AlphaBackground bg = alphaBackground();
        return bg != null ? bg : fallback;
    }

    /** The encoder with {@code --alpha-background} in place of the checkpoint's setting, when given. */
    ImageTextEncoder apply(ImageTextEncoder encoder) {
        AlphaBackground bg = alphaBackground();
        if (bg == null) return encoder;
        if (!(encoder instanceof ModelEncoder m)) throw new UsageException("this encoder cannot take --alpha-background");
        return m.withPreprocessing(m.preprocessing().withAlphaBackground(bg));
    }
}
