package dev.jclip.core.io;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files made by PyTorch itself (src/test/python/make_torch_fixtures.py) against the tensors torch holds. */
class TorchFilesTest {
    static Path resource(String name) {
        try {
            return Path.of(TorchFilesTest.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource " + name, e);
        }
    }

    @Test
    void sharedStoragesViewsOffsetsAndEveryDtype() {
        Map<String, INDArray> pt = TorchZip.read(resource("torch_views.pt"));
        Map<String, INDArray> expected = SafeTensors.read(resource("torch_views.safetensors"));
        Fixtures.assertSameState(expected, pt);
        // independent check of the strided views against the base tensor
        INDArray base = pt.get("base");
        assertEquals(base.transpose(), pt.get("base_t"));
        assertEquals(base.getColumn(1), pt.get("column"));
        assertEquals(123456789012L, pt.get("count").getLong(0));
        assertEquals(DataType.BFLOAT16, pt.get("bf16").dataType());
        assertEquals(DataType.BOOL, pt.get("mask").dataType());
        // tensors sharing a storage must not share memory once loaded
        pt.get("base_t").putScalar(0, 0, 1000f);
        assertFalse(base.getDouble(0, 0) == 1000.0);
    }

    @Test
    void openClipTrainingCheckpointKeepsItsStateDict() {
        Map<String, INDArray> pt = TorchZip.read(resource("openclip_ddp.pt"));
        assertEquals("module.visual.proj,module.logit_scale,module.visual.bn1.num_batches_tracked", String.join(",", pt.keySet()));
        Map<String, INDArray> expected = SafeTensors.read(resource("openclip_ddp.safetensors"));
        for (String k : expected.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(Fixtures.bytes(expected.get(k)), Fixtures.bytes(pt.get("module." + k)), k);
        }
    }

    @Test
    void torchScriptArchiveLoadsToItsStateDict() {
        Map<String, INDArray> script = TorchScript.read(resource("tiny_clip_script.pt"));
        Map<String, INDArray> expected = SafeTensors.read(resource("tiny_clip_script.safetensors"));
        Fixtures.assertSameState(expected, script);
        assertEquals(DataType.HALF, script.get("visual.conv1.weight").dataType());
        assertEquals(DataType.FLOAT, script.get("visual.ln_pre.weight").dataType());
        assertTrue(script.containsKey("transformer.resblocks.1.attn.in_proj_weight"));
        assertEquals(16L, script.get("input_resolution").getLong(0)); // a buffer, as in OpenAI's JIT archives

        Map<String, INDArray> sd = Checkpoints.readStateDict(resource("tiny_clip_script.pt"));
        assertEquals(script.size() - 3, sd.size());
        for (String extra : new String[]{"input_resolution", "context_length", "vocab_size"}) assertFalse(sd.containsKey(extra));
    }

    @Test
    void plainTensorAttributesOfScriptedModulesAreNotState() {
        Map<String, INDArray> script = TorchScript.read(resource("scripted_mask.pt"));
        Fixtures.assertSameState(SafeTensors.read(resource("scripted_mask.safetensors")), script);
        assertFalse(script.containsKey("attn_mask"));
        assertEquals(11L, script.get("bn.num_batches_tracked").getLong(0));
    }
}
