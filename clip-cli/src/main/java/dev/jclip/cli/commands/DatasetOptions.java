package dev.jclip.cli.commands;

import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.LabelledImageDataset;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** A labelled image set ({@code --dataset SPEC}) and, optionally, its class names. */
public final class DatasetOptions {
    @Option(names = "--dataset", required = true, paramLabel = "SPEC", description = "image folder, CSV/TSV or idx:PREFIX") String spec;

    @Option(names = "--classnames", paramLabel = "FILE", description = "class names, one a line, in label order") Path classNames;

    /** The {@code --dataset} set. */
    LabelledImageDataset open() throws IOException {
        return open(spec);
    }

    /** The {@code --dataset} set with the given class names (in label order) instead of {@code --classnames}. */
    LabelledImageDataset open(java.util.List<String> names) throws IOException {
        return DatasetSpec.open(spec, names);
    }

    /** Another set with the same class names. */
    LabelledImageDataset open(String otherSpec) throws IOException {
        return DatasetSpec.open(otherSpec, classNames == null ? null : ClassNames.read(classNames));
    }
}
