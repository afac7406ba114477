package dev.jclip.train.checkpoint;

import dev.jclip.core.io.CheckpointException;
import dev.jclip.core.io.SafeTensors;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@link TensorFile} as safetensors, through the project's reader and writer. */
public final class SafeTensorsFile implements TensorFile {

    @Override
    public void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        try {
            SafeTensors.write(tensors, metadata, path);
        } catch (CheckpointException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public Contents read(Path path) throws IOException {
        try (SafeTensors.Reader r = SafeTensors.open(path)) {
            return new Contents(new LinkedHashMap<>(r.readAll(null)), new LinkedHashMap<>(r.metadata()));
        } catch (CheckpointException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
