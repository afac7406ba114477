package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ArchitectureInferenceTest {

    /** OpenAI's released architectures follow its head rule, so inference must give back the preset exactly. */
    @ParameterizedTest
    @ValueSource(strings = {"ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "RN50", "RN101", "RN50x4", "RN50x16", "RN50x64"})
    void openAiPresetsAreRecoveredFromTheirShapes(String preset) {
        ClipConfig config = ClipConfig.preset(preset);
        Map<String, long[]> shapes = OpenAiShapes.of(config);
        ClipConfig inferred = ArchitectureInference.infer(shapes);
        assertEquals(config.vision().resolvedHeads(), inferred.vision().resolvedHeads());
        assertEquals(config.toJson(), inferred.toJson());
        assertEquals(config, ArchitectureInference.infer(shapes, config));
    }

    /** The shape generator agrees with real OpenAI state dicts (the fixtures). */
    @ParameterizedTest
    @ValueSource(strings = {"vit-tiny", "rn-tiny"})
    void shapeGeneratorMatchesTheFixtures(String model) {
        ClipConfig config = Checkpoints.readConfig(Fixtures.fixture(model, "model.safetensors"));
        Map<String, long[]> expected = OpenAiShapes.of(config);
        Map<String, INDArray> actual = SafeTensors.read(Fixtures.fixture(model, "model.safetensors"));
        assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(actual.keySet()));
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k).shape(), k + " " + Arrays.toString(expected.get(k)));
    }

    /** A caption head's weights make the inferred model a bag-of-words or caption-LM one; a config saying otherwise is refused. */
    @org.junit.jupiter.api.Test
    void captionHeadsAreInferredFromTheirWeights() {
        ClipConfig base = ClipConfig.preset("ViT-tiny");
        for (dev.jclip.core.config.Objective o : dev.jclip.core.config.Objective.values()) {
            Map<String, long[]> shapes = new java.util.LinkedHashMap<>();
            try (dev.jclip.core.model.ClipModel m = dev.jclip.core.model.ClipModel.create(base.withObjective(o), 1)) {
                m.parameters().stateDict().forEach((k, v) -> shapes.put(k, v.shape()));
            }
            assertEquals(o, ArchitectureInference.infer(shapes).objective());
            if (o.predictsCaption()) {
                CheckpointException e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                        () -> ArchitectureInference.infer(shapes, base));
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("objective: config contrastive, weights have the " + o.id() + " head"),
                        e.getMessage());
            }
        }
    }
}
