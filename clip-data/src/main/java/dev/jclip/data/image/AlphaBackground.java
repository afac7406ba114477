package dev.jclip.data.image;

import java.util.Locale;

/**
 * The colour that transparent pixels are composited over when an image becomes RGB. White by default: line art
 * and emoji are drawn on a transparent background and meant to be seen on a light page; dropping the alpha
 * channel instead (PIL's {@code convert("RGB")}, what open_clip does) shows whatever colour a transparent pixel
 * happens to store, usually black, so black strokes vanish into black.
 *
 * <p>Written and parsed as {@code white}, {@code black}, {@code R,G,B} (each 0..255), or {@code none}
 * ({@link #NONE}: alpha dropped, the stored colour kept, for parity with PIL's {@code convert("RGB")}).
 */
public record AlphaBackground(int red, int green, int blue) {
    public static final AlphaBackground WHITE = new AlphaBackground(255, 255, 255);
    public static final AlphaBackground BLACK = new AlphaBackground(0, 0, 0);
    /** No compositing: the alpha channel is dropped and each pixel keeps its stored colour. */
    public static final AlphaBackground NONE = new AlphaBackground(-1, -1, -1);

    public AlphaBackground {
        boolean none = red == -1 && green == -1 && blue == -1;
        if (!none && !(inByte(red) && inByte(green) && inByte(blue))) {
            throw new IllegalArgumentException("alpha background " + red + "," + green + "," + blue + ": each channel must be 0..255");
        }
    }

    /** Parses {@code white}, {@code black}, {@code none} or {@code R,G,B}; the error says what is accepted. */
    public static AlphaBackground parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "white": return WHITE;
            case "black": return BLACK;
            case "none": return NONE;
            default: break;
        }
        String[] parts = t.split(",", -1);
        if (parts.length == 3) {
            try {
                int[] c = new int[3];
                for (int i = 0; i < 3; i++) c[i] = Integer.parseInt(parts[i].strip());
                if (inByte(c[0]) && inByte(c[1]) && inByte(c[2])) return new AlphaBackground(c[0], c[1], c[2]);
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("alpha background '" + text + "': expected white, black, none or R,G,B"
                + " with each of R, G, B an integer 0..255 (e.g. 128,128,128)");
    }

    /** False for {@link #NONE}. */
    public boolean composites() {
        return red >= 0;
    }

    /** The form {@link #parse} reads: {@code white}, {@code black}, {@code none} or {@code R,G,B}. */
    @Override
    public String toString() {
        if (equals(WHITE)) return "white";
        if (equals(BLACK)) return "black";
        if (equals(NONE)) return "none";
        return red + "," + green + "," + blue;
    }

    private static boolean inByte(int v) {
        return v >= 0 && v <= 255;
    }
}
