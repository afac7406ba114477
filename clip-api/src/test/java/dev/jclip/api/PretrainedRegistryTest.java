package dev.jclip.api;

import dev.jclip.core.config.ClipConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainedRegistryTest {
    @TempDir
    Path tmp;

    @Test
    void builtInHasOpenAisNineReleasesAndLaion() {
        PretrainedRegistry r = PretrainedRegistry.builtIn();
        List<String> openai = r.list().stream().filter(m -> m.tag().equals("openai")).map(PretrainedModel::name).toList();
        assertEquals(List.of("RN50", "RN101", "RN50x4", "RN50x16", "RN50x64", "ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336"), openai);
        for (PretrainedModel m : r.list()) {
            if (!m.tag().equals("openai")) continue;
            // openai/CLIP's rule: the SHA-256 is the folder the file sits in
            String[] parts = m.url().getPath().split("/");
            assertEquals(parts[parts.length - 2], m.sha256(), m.id());
            assertTrue(m.config().quickGelu(), m.id() + " was trained with QuickGELU");
            assertEquals(ClipConfig.preset(m.name()), m.config(), m.id());
        }
        PretrainedModel laion = r.get("ViT-B-32", "laion2b_s34b_b79k");
        assertFalse(laion.config().quickGelu(), "open_clip's ViT-B-32 config uses nn.GELU");
        assertTrue(laion.pinnedOnFirstDownload());
        assertNull(laion.sha256());
        assertEquals("open_clip_pytorch_model.bin", laion.fileName());
        assertEquals(10, r.list().size());
    }

    @Test
    void fileExtendsOrReplacesTheBuiltInList() throws Exception {
        Path ext = tmp.resolve("reg.json");
        Files.writeString(ext, """
                {"models": [
                  {"name": "ViT-tiny", "tag": "mine", "url": "http://127.0.0.1:1/t.safetensors", "sha256": null, "config": "ViT-tiny"},
                  {"name": "ViT-B-32", "tag": "openai", "url": "http://mirror.local/b32.pt", "sha256": null, "config": "ViT-B-32"}
                ]}""");
        PretrainedRegistry r = PretrainedRegistry.withFile(ext);
        assertEquals(11, r.list().size());
        assertEquals("http://mirror.local/b32.pt", r.get("vit-b-32", "OPENAI").url().toString());
        assertEquals(ClipConfig.preset("ViT-tiny"), r.get("ViT-tiny", "mine").config());

        Files.writeString(ext, """
                {"replace": true, "models": [
                  {"name": "ViT-tiny", "tag": "mine", "url": "http://127.0.0.1:1/t.safetensors", "sha256": null,
                   "config": {"embed_dim": 64, "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "heads": 4},
                              "text_cfg": {"context_length": 16, "vocab_size": 1000, "width": 64, "heads": 4, "layers": 2}},
                   "quick_gelu": true}
                ]}""");
        r = PretrainedRegistry.withFile(ext);
        assertEquals(1, r.list().size());
        assertTrue(r.get("ViT-tiny", "mine").config().quickGelu());
        assertEquals(1000, r.get("ViT-tiny", "mine").config().text().vocabSize());
    }

    @Test
    void errorsNameTheEntry() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PretrainedRegistry.builtIn().get("ViT-B-32", "laion400m"));
        assertTrue(e.getMessage().contains("openai") && e.getMessage().contains("laion2b_s34b_b79k"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PretrainedRegistry.builtIn().get("ViT-H-99", "x"));
        assertTrue(e.getMessage().contains("ViT-H-99") && e.getMessage().contains(PretrainedRegistry.ENV), e.getMessage());

        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, """
                {"models": [{"name": "A", "tag": "b", "url": "http://h/a.pt", "sha256": "xyz", "config": "ViT-tiny"}]}""");
        e = assertThrows(IllegalArgumentException.class, () -> PretrainedRegistry.withFile(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("A:b") && e.getMessage().contains("sha256"), e.getMessage());

        Files.writeString(bad, """
                {"models": [{"name": "A", "tag": "b", "url": "http://h/a.pt", "sha256": null}]}""");
        e = assertThrows(IllegalArgumentException.class, () -> PretrainedRegistry.withFile(bad));
        assertTrue(e.getMessage().contains("models[0]") && e.getMessage().contains("config"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> PretrainedRegistry.withFile(tmp.resolve("absent.json")));
        assertTrue(e.getMessage().contains("absent.json") && e.getMessage().contains(PretrainedRegistry.ENV), e.getMessage());
    }
}
