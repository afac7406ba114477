package dev.jclip.train.checkpoint;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A file format holding named tensors plus string metadata ({@link SafeTensorsFile} by default). The
 * checkpoint code depends on this interface only, so tests can substitute a failing writer.
 */
public interface TensorFile {

    /** What a file holds: tensors in file order, and the {@code __metadata__} strings. */
    record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
    }

    /** Writes {@code tensors} (in iteration order) and {@code metadata} to {@code path}, replacing it. */
    void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException;

    /** Reads every tensor and the metadata; errors name the file and the offending key. */
    Contents read(Path path) throws IOException;
}
