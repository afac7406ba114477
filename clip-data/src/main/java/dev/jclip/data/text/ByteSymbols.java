package dev.jclip.data.text;

/**
 * GPT-2's reversible map from the 256 byte values to 256 printable characters, which CLIP's vocabulary uses
 * to spell byte-level tokens. Printable Latin-1 bytes map to themselves; the other 68 bytes map to U+0100
 * upwards, in byte order. {@link #byteAt(int)} gives the byte behind vocabulary id {@code i} for
 * {@code i < 256}: the vocabulary lists the printable bytes first, then the remapped ones.
 */
final class ByteSymbols {
    private static final int[] ORDER = new int[256];          // vocabulary position -> byte
    private static final int[] POSITION = new int[256];       // byte -> vocabulary position
    private static final char[] SYMBOL = new char[256];       // byte -> character
    private static final int[] BYTE_OF_CHAR = new int[512];   // character -> byte, -1 when none

    static {
        boolean[] printable = new boolean[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable[b]) {
                ORDER[n++] = b;
            }
        }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (printable[b]) {
                SYMBOL[b] = (char) b;
            } else {
                ORDER[n++] = b;
                SYMBOL[b] = (char) (256 + extra++);
            }
        }
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        for (int p = 0; p < 256; p++) {
            POSITION[ORDER[p]] = p;
            BYTE_OF_CHAR[SYMBOL[ORDER[p]]] = ORDER[p];
        }
    }

    private ByteSymbols() {
    }

    /** The byte spelled by vocabulary position {@code position} (0..255). */
    static int byteAt(int position) {
        return ORDER[position];
    }

    /** The vocabulary position (0..255) of byte {@code b} (0..255). */
    static int positionOf(int b) {
        return POSITION[b & 0xFF];
    }

    /** The character that spells byte {@code b}. */
    static char symbolOf(int b) {
        return SYMBOL[b & 0xFF];
    }

    /** The byte a character spells, or -1 if it is not one of the 256 byte symbols. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }
}
