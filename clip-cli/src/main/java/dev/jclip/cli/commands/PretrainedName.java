package dev.jclip.cli.commands;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of {@code --pretrained NAME:TAG}: open_clip's model name and pretrained tag, split once when the
 * command line is parsed, so that a value without its tag is refused before anything is loaded.
 */
record PretrainedName(String name, String tag) {
    /** picocli's reading of the option value. */
    static final class Converter implements ITypeConverter<PretrainedName> {
        @Override
        public PretrainedName convert(String value) {
            int colon = value.indexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new TypeConversionException("--pretrained takes NAME:TAG, e.g. ViT-B-32:openai, got '" + value + "'");
            }
            return new PretrainedName(value.substring(0, colon), value.substring(colon + 1));
        }
    }
}
