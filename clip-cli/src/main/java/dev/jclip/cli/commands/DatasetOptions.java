package dev.jclip.cli.commands;

import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.data.SynsetMap;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A labelled image set ({@code --dataset SPEC}) and, optionally, its class names and ImageNet synset map. */
public final class DatasetOptions {
    @Option(names = "--dataset", required = true, paramLabel = "SPEC",
            description = "image folder, CSV/TSV, idx:PREFIX, cifar10:DIR:train|test or cifar100:DIR:train|test") String spec;

    @Option(names = "--classnames", paramLabel = "FILE", description = "class names, one a line, in label order") Path classNames;

    @Option(names = "--synsets", paramLabel = "FILE",
            description = "ImageNet's synset map (LOC_synset_mapping.txt: WNID name per line, in label order) for a folder of WNID sub-folders")
    Path synsets;

    /** The {@code --dataset} set. */
    LabelledImageDataset open() throws IOException {
        return open(spec);
    }

    /** The {@code --dataset} set with the given class names (in label order) instead of {@code --classnames}. */
    LabelledImageDataset open(List<String> names) throws IOException {
        return DatasetSpec.open(spec, names, synsetMap());
    }

    /** Another set with the same class names and synset map. */
    LabelledImageDataset open(String otherSpec) throws IOException {
        return DatasetSpec.open(otherSpec, classNames == null ? null : ClassNames.read(classNames), synsetMap());
    }

    private SynsetMap synsetMap() throws IOException {
        return synsets == null ? null : SynsetMap.read(synsets);
    }
}
