package dev.jclip.cli;

import dev.jclip.core.io.Npy;
import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeaturesCommandTest {
    @Test
    void reproducesTheVitFixtureFromTheCommandLine(@TempDir Path out) throws Exception {
        Path fx = Fixtures.fixture("vit-tiny");
        int rc = Main.run("features", "--checkpoint", fx.resolve("model.safetensors").toString(),
                "--images", fx.resolve("images.npy").toString(), "--tokens", fx.resolve("tokens.npy").toString(),
                "--out", out.toString());
        assertEquals(0, rc);
        for (String f : new String[]{"image_features", "text_features", "logits_per_image", "logits_per_text", "loss"}) {
            double d = Fixtures.maxAbsDiff(Npy.read(out.resolve(f + ".npy")), Npy.read(fx.resolve(f + ".npy")));
            assertTrue(d < 1e-4, f + " differs by " + d);
        }
    }

    @Test
    void missingCheckpointIsAUsageError(@TempDir Path out) {
        assertEquals(2, Main.run("features", "--checkpoint", out.resolve("nope.safetensors").toString(),
                "--images", "x.npy", "--tokens", "t.npy", "--out", out.toString()));
    }

    @Test
    void unknownOptionIsRejected() {
        assertEquals(2, Main.run("bench", "train", "--bach-size", "3"));
    }
}
