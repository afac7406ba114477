package dev.jclip.cli.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** OpenAI's merges file, copied once out of clip-data's jar, for CLI tests that pass {@code --vocab PATH}. */
public final class OpenAiVocabFile {
    private static Path file;

    private OpenAiVocabFile() {
    }

    public static synchronized String path() {
        if (file == null) {
            try (InputStream in = OpenAiVocabFile.class.getResourceAsStream("/dev/jclip/data/text/bpe_simple_vocab_16e6.txt.gz")) {
                if (in == null) throw new IllegalStateException("bpe_simple_vocab_16e6.txt.gz missing from clip-data's jar");
                Path f = Files.createTempFile("bpe_simple_vocab_16e6", ".txt.gz");
                f.toFile().deleteOnExit();
                Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
                file = f;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file.toString();
    }
}
