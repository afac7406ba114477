package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.core.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabLocatorTest {
    @TempDir
    Path dir;

    @Test
    void acceptsAVocabularyNoLargerThanTheModelsAsTrainingDoes() throws Exception {
        Path captions = dir.resolve("captions.txt");
        Files.writeString(captions, "a photo of a bag\na photo of a sandal\na picture of a bag\n".repeat(5));
        Path run = Files.createDirectories(dir.resolve("run"));
        BpeTrainer trainer = new BpeTrainer(1000, 2);
        trainer.addCaptionFile(captions);
        trainer.trainAndWrite(run.resolve(VocabLocator.RUN_VOCAB));
        int size = ClipTokenizer.load(run.resolve(VocabLocator.RUN_VOCAB)).vocabSize();
        assertTrue(size < 1000, "the captions run out of merges: " + size);
        Path checkpoint = run.resolve("model.safetensors");

        assertEquals(size, VocabLocator.forCheckpoint(checkpoint, null, 1000).vocabSize(), "smaller than the model: accepted");
        assertEquals(size, VocabLocator.forCheckpoint(checkpoint, null, size).vocabSize(), "equal: accepted");
        ConfigException e = assertThrows(ConfigException.class, () -> VocabLocator.forCheckpoint(checkpoint, null, size - 1));
        assertTrue(e.getMessage().contains(size + " tokens") && e.getMessage().contains("embeds only " + (size - 1)), e.getMessage());
    }
}
