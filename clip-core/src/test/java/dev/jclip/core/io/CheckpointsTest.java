package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {
    @TempDir
    Path dir;

    @Test
    void formatComesFromContentNotName() throws IOException {
        Path st = dir.resolve("weights.pt");
        Files.copy(Fixtures.fixture("vit-tiny", "model.safetensors"), st);
        assertEquals(Checkpoints.Format.SAFETENSORS, Checkpoints.detect(st));
        Path pt = dir.resolve("weights.safetensors");
        Files.copy(Fixtures.fixture("vit-tiny", "model.pt"), pt);
        assertEquals(Checkpoints.Format.TORCH_ZIP, Checkpoints.detect(pt));
        assertEquals(Checkpoints.Format.TORCHSCRIPT, Checkpoints.detect(TorchFilesTest.resource("tiny_clip_script.pt")));
        Path junk = dir.resolve("junk.pt");
        Files.writeString(junk, "hello world");
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.detect(junk)).getMessage().contains(junk.toString()));
        Path legacy = dir.resolve("legacy.pt");
        Files.write(legacy, new byte[]{(byte) 0x80, 2, (byte) 0x8a, 10});
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoints.detect(legacy)).getMessage().contains("legacy"));
    }

    @Test
    void bothFixtureFormatsGiveIdenticalStateDicts() {
        for (String model : new String[]{"vit-tiny", "rn-tiny"}) {
            Fixtures.assertSameState(Checkpoints.readStateDict(Fixtures.fixture(model, "model.safetensors")),
                    Checkpoints.readStateDict(Fixtures.fixture(model, "model.pt")));
        }
    }

    @Test
    void openClipWrapperAndModulePrefixAreRemoved() {
        Map<String, INDArray> sd = Checkpoints.readStateDict(TorchFilesTest.resource("openclip_ddp.pt"));
        Fixtures.assertSameState(SafeTensors.read(TorchFilesTest.resource("openclip_ddp.safetensors")), sd);
    }

    @Test
    void trainingCheckpointOptimiserTensorsAreNotModelWeights() throws IOException {
        Path fixture = Fixtures.fixture("vit-tiny", "model.safetensors");
        Map<String, INDArray> weights = SafeTensors.read(fixture);
        Map<String, INDArray> withMoments = new java.util.LinkedHashMap<>(weights);
        weights.forEach((k, v) -> {
            withMoments.put("optimizer.exp_avg." + k, v.mul(0.5));
            withMoments.put("optimizer.exp_avg_sq." + k, v.mul(v));
        });
        ClipConfig config = Checkpoints.readConfig(fixture);
        Path ckpt = dir.resolve("step-00000010.safetensors");
        SafeTensors.write(withMoments, Map.of(SafeTensors.CONFIG_KEY, config.toJson(), "jclip.format", "jclip-train-checkpoint-1"), ckpt);

        Fixtures.assertSameState(weights, Checkpoints.readStateDict(ckpt));
        assertEquals(weights.keySet(), Checkpoints.inspect(ckpt).keySet());
        assertEquals(config, Checkpoints.readConfig(ckpt));
        // loads strictly as a model (it used to fail with "unexpected keys: [optimizer.exp_avg....]")
        Map<String, INDArray> loaded = dev.jclip.core.model.ClipModels.load(ckpt).parameters().stateDict();
        assertEquals(weights.keySet(), loaded.keySet());
        weights.forEach((k, v) -> assertEquals(v.castTo(DataType.FLOAT).reshape(loaded.get(k).shape()), loaded.get(k), k));
    }

    @Test
    void metadataConfigGivesHeadsTheWeightsCannot() {
        ClipConfig vit = Checkpoints.readConfig(Fixtures.fixture("vit-tiny", "model.safetensors"));
        assertEquals(4, vit.vision().resolvedHeads());
        assertEquals(4, vit.text().heads());
        ClipConfig preset = ClipConfig.preset("ViT-tiny");
        assertEquals(preset.embedDim(), vit.embedDim());
        assertEquals(preset.vision().imageSize(), vit.vision().imageSize());
        assertEquals(preset.vision().patchSize(), vit.vision().patchSize());
        assertEquals(preset.vision().width(), vit.vision().width());
        assertArrayEquals(preset.vision().layers(), vit.vision().layers());
        assertEquals(preset.text(), vit.text());

        ClipConfig rn = Checkpoints.readConfig(Fixtures.fixture("rn-tiny", "model.safetensors"));
        assertTrue(rn.vision().isResNet());
        assertEquals(2, rn.vision().resolvedHeads());
        assertArrayEquals(new int[]{1, 1, 1, 1}, rn.vision().layers());
        assertEquals(8, rn.vision().width());
        assertEquals(64, rn.vision().imageSize());
    }

    @Test
    void withoutMetadataTheArchitectureIsInferredWithOpenAisHeadRule() {
        ClipConfig vit = Checkpoints.readConfig(Fixtures.fixture("vit-tiny", "model.pt"));
        ClipConfig fromMeta = Checkpoints.readConfig(Fixtures.fixture("vit-tiny", "model.safetensors"));
        assertEquals(1, vit.vision().resolvedHeads()); // 64 / 64
        assertEquals(1, vit.text().heads());
        assertEquals(fromMeta.embedDim(), vit.embedDim());
        assertEquals(fromMeta.vision().imageSize(), vit.vision().imageSize());
        assertEquals(fromMeta.vision().patchSize(), vit.vision().patchSize());
        assertEquals(fromMeta.text().vocabSize(), vit.text().vocabSize());
        assertEquals(fromMeta.text().contextLength(), vit.text().contextLength());
        assertEquals(4.0, vit.vision().mlpRatio());

        ClipConfig rn = Checkpoints.readConfig(Fixtures.fixture("rn-tiny", "model.pt"));
        assertEquals(4, rn.vision().resolvedHeads()); // 8 * 32 / 64 (the config says 2)
        assertArrayEquals(new int[]{1, 1, 1, 1}, rn.vision().layers());
        assertEquals(64, rn.vision().imageSize());
    }

    @Test
    void torchScriptArchitectureMatchesItsGeneratorConfig() {
        ClipConfig inferred = Checkpoints.readConfig(TorchFilesTest.resource("tiny_clip_script.pt"));
        ClipConfig meta = Checkpoints.readConfig(TorchFilesTest.resource("tiny_clip_script.safetensors"));
        assertEquals(meta.vision().imageSize(), inferred.vision().imageSize());
        assertEquals(16, inferred.vision().imageSize());
        assertEquals(8, inferred.vision().patchSize());
        assertEquals(32, inferred.vision().width());
        assertArrayEquals(new int[]{1}, inferred.vision().layers());
        assertEquals(2, inferred.text().layers());
        assertEquals(50, inferred.text().vocabSize());
        assertEquals(16, inferred.embedDim());
        assertEquals(2, meta.vision().resolvedHeads());
    }

    @Test
    void mismatchingConfigNamesKeyAndShapes() {
        Map<String, long[]> shapes = Checkpoints.readShapes(Fixtures.fixture("vit-tiny", "model.pt"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ArchitectureInference.infer(shapes, ClipConfig.preset("ViT-B-32")));
        assertTrue(e.getMessage().contains("vision_cfg.width: config 768, weights 64 (visual.conv1.weight has shape [64, 3, 8, 8])"), e.getMessage());
        assertTrue(e.getMessage().contains("token_embedding.weight has shape [1000, 64]"), e.getMessage());
        CheckpointException r = assertThrows(CheckpointException.class,
                () -> ArchitectureInference.infer(shapes, ClipConfig.preset("RN-tiny")));
        assertTrue(r.getMessage().contains("config says ResNet"), r.getMessage());
    }

    @Test
    void everyWriterRoundTripsBitExactWithConfig() {
        Map<String, INDArray> state = Checkpoints.readStateDict(Fixtures.fixture("rn-tiny", "model.pt"));
        ClipConfig config = Checkpoints.readConfig(Fixtures.fixture("rn-tiny", "model.safetensors"));
        for (Checkpoints.Format f : new Checkpoints.Format[]{Checkpoints.Format.SAFETENSORS, Checkpoints.Format.TORCH_ZIP}) {
            Path out = dir.resolve("rn." + (f == Checkpoints.Format.SAFETENSORS ? "safetensors" : "pt"));
            Checkpoints.write(state, config, out, f);
            assertEquals(f, Checkpoints.detect(out));
            Fixtures.assertSameState(state, Checkpoints.readStateDict(out));
        }
        assertEquals(config, Checkpoints.readConfig(dir.resolve("rn.safetensors")));
        assertThrows(CheckpointException.class, () -> Checkpoints.write(state, config, dir.resolve("x.pt"), Checkpoints.Format.TORCHSCRIPT));
    }

    @Test
    void huggingFaceNamesRoundTripAndConvertOnRead() {
        Map<String, INDArray> openai = SafeTensors.read(Fixtures.fixture("vit-tiny", "model.safetensors"));
        Map<String, INDArray> hf = HuggingFaceNames.fromOpenAi(openai);
        INDArray inProj = openai.get("visual.transformer.resblocks.1.attn.in_proj_weight");
        assertEquals(inProj.get(NDArrayIndex.interval(64, 128), NDArrayIndex.all()), hf.get("vision_model.encoder.layers.1.self_attn.k_proj.weight"));
        assertEquals(openai.get("transformer.resblocks.0.attn.in_proj_bias").get(NDArrayIndex.interval(128, 192)),
                hf.get("text_model.encoder.layers.0.self_attn.v_proj.bias"));
        assertEquals(openai.get("visual.proj").transpose(), hf.get("visual_projection.weight"));
        assertEquals(openai.get("text_projection").transpose(), hf.get("text_projection.weight"));
        assertEquals(openai.get("visual.ln_pre.weight"), hf.get("vision_model.pre_layrnorm.weight"));
        assertEquals(openai.get("visual.ln_post.bias"), hf.get("vision_model.post_layernorm.bias"));
        assertEquals(openai.get("visual.class_embedding"), hf.get("vision_model.embeddings.class_embedding"));
        assertEquals(openai.get("positional_embedding"), hf.get("text_model.embeddings.position_embedding.weight"));
        assertEquals(openai.get("transformer.resblocks.1.mlp.c_proj.weight"), hf.get("text_model.encoder.layers.1.mlp.fc2.weight"));
        assertEquals(openai.size() + 2 * 8, hf.size()); // each of 4 layers: in_proj weight+bias become 3+3

        Fixtures.assertSameState(new TreeMap<>(openai), new TreeMap<>(HuggingFaceNames.toOpenAi(hf)));

        Path file = dir.resolve("hf.safetensors");
        SafeTensors.write(hf, null, file);
        Fixtures.assertSameState(new TreeMap<>(openai), new TreeMap<>(Checkpoints.readStateDict(file)));
        Map<String, long[]> shapes = Checkpoints.readShapes(file);
        for (String k : openai.keySet()) assertArrayEquals(openai.get(k).shape(), shapes.get(k), k);
        assertEquals(Checkpoints.readConfig(Fixtures.fixture("vit-tiny", "model.pt")), Checkpoints.readConfig(file));
    }

    @Test
    void resNetsHaveNoHuggingFaceNames() {
        Map<String, INDArray> rn = SafeTensors.read(Fixtures.fixture("rn-tiny", "model.safetensors"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> HuggingFaceNames.fromOpenAi(rn));
        assertTrue(e.getMessage().contains("ResNet"), e.getMessage());
        assertTrue(assertThrows(CheckpointException.class, () -> HuggingFaceNames.toOpenAi(Map.of("vision_model.foo", rn.get("logit_scale"))))
                .getMessage().contains("'vision_model.foo'"));
    }

    @Test
    void floatTensorsCastOnRequestIntegersKeepTheirType() {
        Map<String, INDArray> half = Checkpoints.readStateDict(TorchFilesTest.resource("tiny_clip_script.pt"));
        Map<String, INDArray> f32 = Checkpoints.readStateDict(TorchFilesTest.resource("tiny_clip_script.pt"), DataType.FLOAT);
        assertEquals(DataType.HALF, half.get("visual.conv1.weight").dataType());
        assertEquals(DataType.FLOAT, f32.get("visual.conv1.weight").dataType());
        // every fp16 value is exactly representable in fp32
        assertArrayEquals(half.get("visual.conv1.weight").castTo(DataType.DOUBLE).data().asDouble(),
                f32.get("visual.conv1.weight").castTo(DataType.DOUBLE).data().asDouble());
        Map<String, INDArray> rn = Checkpoints.readStateDict(Fixtures.fixture("rn-tiny", "model.pt"), DataType.DOUBLE);
        assertEquals(DataType.LONG, rn.get("visual.bn1.num_batches_tracked").dataType());
        assertEquals(DataType.DOUBLE, rn.get("visual.bn1.running_var").dataType());
    }
}
