package dev.jclip.api;

import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.data.text.ClipTokenizer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** The vit-tiny parity fixture as a pretrained file: its weights and config, with a 1,000-token vocabulary inside. */
final class TinyModel {
    private TinyModel() {
    }

    static Path fixture() {
        return Fixtures.fixture("vit-tiny");
    }

    static String configJson() throws IOException {
        return Fixtures.metadataConfig(fixture().resolve("model.safetensors"));
    }

    /**
     * OpenAI's first 486 merges: 512 byte tokens + 486 merges + start (998) + end (999) = the fixture's 1,000 ids,
     * with the fixture's start and end ids.
     */
    static String vocabText() throws IOException {
        try (InputStream in = new GZIPInputStream(ClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz"))) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(lines, 0, 1 + 486)) + "\n";
        }
    }

    /** Writes the fixture's weights as safetensors with the config (and the vocabulary when asked) in the metadata. */
    static Path write(Path file, boolean withVocab) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(SafeTensors.CONFIG_KEY, configJson());
        if (withVocab) meta.put(ClipTokenizer.METADATA_KEY, vocabText());
        SafeTensors.write(Checkpoints.readStateDict(fixture().resolve("model.safetensors"), DataType.FLOAT), meta, file);
        return file;
    }
}
