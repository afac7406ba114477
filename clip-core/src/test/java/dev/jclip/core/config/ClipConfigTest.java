package dev.jclip.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipConfigTest {
    @Test
    void everyListedPresetLoadsAndRoundTripsThroughJson() {
        for (String name : ClipConfig.presetNames()) {
            ClipConfig c = ClipConfig.preset(name);
            assertEquals(c, ClipConfig.parse(c.toJson(), name), name);
        }
        assertEquals(32, ClipConfig.preset("RN50").vision().resolvedHeads());
        assertEquals(12, ClipConfig.preset("ViT-B-32").vision().resolvedHeads());
    }

    @Test
    void errorsNameTheFieldOrThePreset() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> ClipConfig.load("ViT-Z-99"));
        assertTrue(unknown.getMessage().contains("ViT-Z-99") && unknown.getMessage().contains("ViT-B-32"), unknown.getMessage());
        ConfigException patch = assertThrows(ConfigException.class, () -> ClipConfig.parse(
                "{\"embed_dim\": 8, \"vision_cfg\": {\"image_size\": 30, \"layers\": 1, \"width\": 8, \"head_width\": 4,"
                        + " \"patch_size\": 8}, \"text_cfg\": {\"width\": 8, \"heads\": 2}}", "cfg.json"));
        assertTrue(patch.getMessage().contains("cfg.json") && patch.getMessage().contains("patch_size"), patch.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> ClipConfig.parse(
                "{\"embed_dim\": \"big\", \"vision_cfg\": {\"layers\": 1}, \"text_cfg\": {}}", "x.json"));
        assertTrue(type.getMessage().contains("embed_dim"), type.getMessage());
    }
}
