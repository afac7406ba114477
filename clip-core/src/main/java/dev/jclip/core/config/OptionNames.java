package dev.jclip.core.config;

import java.util.Arrays;
import java.util.Locale;

/**
 * Enum constants as configs and the command line write them: lower case, words joined by '-' ({@code CAPTION_LM}
 * is {@code caption-lm}), so an enum's names cannot drift from its constants.
 */
public final class OptionNames {
    private OptionNames() {
    }

    public static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant named {@code name} (case and surrounding blanks ignored); the error names {@code what} and the accepted names. */
    public static <E extends Enum<E>> E parse(Class<E> type, String name, String what) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) if (of(e).equals(wanted)) return e;
        throw new IllegalArgumentException("unknown " + what + " '" + name + "': expected one of "
                + Arrays.stream(type.getEnumConstants()).map(OptionNames::of).toList());
    }
}
