package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointCommandsTest {
    @TempDir
    Path dir;

    static Path fixture(String model, String file) {
        return dev.jclip.core.testing.Fixtures.fixture(model).resolve(file);
    }

    @Test
    void infoCountsParametersWithoutBuffersAsTorchDoes() throws Exception {
        String out = DataCommandsTest.run(new InfoCommand(), fixture("rn-tiny", "model.pt").toString());
        JsonNode summary = new ObjectMapper().readTree(fixture("rn-tiny", "summary.json").toFile());
        assertTrue(out.contains("format: torch_zip"), out);
        assertTrue(out.contains("parameters: " + summary.get("n_params").asLong() + "\n"), out);
        assertTrue(out.contains("tensors: " + summary.get("n_state_dict_entries").asInt() + " (57 buffers)"), out);
        // 19 BatchNorms (3 stem + 4 blocks x (3 + downsample)), each with running_mean, running_var, num_batches_tracked
        assertTrue(out.contains("I64: 19 tensors, 19 elements"), out);
        assertTrue(out.contains("inferred from the weights"), out);
        String json = out.substring(out.indexOf('{'));
        ClipConfig printed = ClipConfig.parse(json, "info output");
        assertEquals(Checkpoints.readConfig(fixture("rn-tiny", "model.pt")), printed);

        String vit = DataCommandsTest.run(new InfoCommand(), fixture("vit-tiny", "model.safetensors").toString());
        JsonNode vs = new ObjectMapper().readTree(fixture("vit-tiny", "summary.json").toFile());
        assertTrue(vit.contains("format: safetensors") && vit.contains("from metadata"), vit);
        assertTrue(vit.contains("parameters: " + vs.get("n_params").asLong() + "\n"), vit);
        assertEquals(4, ClipConfig.parse(vit.substring(vit.indexOf('{')), "info").vision().resolvedHeads());
    }

    @Test
    void convertPtToSafetensorsWithAGivenConfigIsExact() throws Exception {
        ClipConfig config = Checkpoints.readConfig(fixture("vit-tiny", "model.safetensors"));
        Path json = dir.resolve("vit.json");
        Files.writeString(json, config.toJson());
        Path st = dir.resolve("vit.safetensors");
        String out = DataCommandsTest.run(new ConvertCommand(), fixture("vit-tiny", "model.pt").toString(), st.toString(), "--config", json.toString());
        assertTrue(out.contains("with config"), out);
        assertSame(Checkpoints.readStateDict(fixture("vit-tiny", "model.pt")), Checkpoints.readStateDict(st));
        assertEquals(config, Checkpoints.readMetadataConfig(st));
    }

    @Test
    void convertKeepsMetadataConfigAndFollowsTheExtension() throws Exception {
        Path pt = dir.resolve("rn.pt");
        DataCommandsTest.run(new ConvertCommand(), fixture("rn-tiny", "model.safetensors").toString(), pt.toString());
        assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(pt));
        Path st = dir.resolve("rn.bin");
        DataCommandsTest.run(new ConvertCommand(), pt.toString(), st.toString(), "--format", "safetensors");
        assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(st));
        assertSame(Checkpoints.readStateDict(fixture("rn-tiny", "model.safetensors")), Checkpoints.readStateDict(st));
        // the .pt carried the config on (issue 20), so the safetensors file made from it has it too
        assertEquals(Checkpoints.readConfig(fixture("rn-tiny", "model.safetensors")), Checkpoints.readMetadataConfig(st));

        Path withConfig = dir.resolve("rn2.safetensors");
        DataCommandsTest.run(new ConvertCommand(), fixture("rn-tiny", "model.safetensors").toString(), withConfig.toString());
        assertEquals(Checkpoints.readConfig(fixture("rn-tiny", "model.safetensors")), Checkpoints.readMetadataConfig(withConfig));
    }

    @Test
    void convertRejectsBadUsageAndMismatchedConfig() throws IOException {
        assertThrows(UsageException.class, () -> Main.invoke(new ConvertCommand(), List.of("a.pt")));
        assertThrows(UsageException.class, () -> Main.invoke(new ConvertCommand(), List.of("a.pt", "b.txt")));
        assertThrows(UsageException.class, () -> Main.invoke(new ConvertCommand(), List.of("a.pt", "b.pt", "--fromat", "pt")));
        Exception e = assertThrows(Exception.class, () -> Main.invoke(new ConvertCommand(), List.of(
                fixture("vit-tiny", "model.pt").toString(), dir.resolve("x.safetensors").toString(), "--config", "ViT-B-32")));
        assertTrue(e.getMessage().contains("visual.conv1.weight"), e.getMessage());
    }

    private static void assertSame(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertEquals(a.keySet().toString(), b.keySet().toString());
        for (String k : a.keySet()) {
            assertEquals(a.get(k).dataType(), b.get(k).dataType(), k);
            assertArrayEquals(a.get(k).castTo(DataType.DOUBLE).data().asDouble(), b.get(k).castTo(DataType.DOUBLE).data().asDouble(), k);
            assertArrayEquals(a.get(k).shape(), b.get(k).shape(), k);
        }
    }
}
