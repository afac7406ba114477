package dev.jclip.eval.data;

import java.util.List;

/** A labelled image set whose labels and class names are held in memory once opened: what they have in common. */
abstract class LabelledImageList implements LabelledImageDataset {
    private final int[] labels;
    private final List<String> classNames;

    LabelledImageList(int[] labels, List<String> classNames) {
        this.labels = labels.clone();
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }

    @Override
    public final int size() {
        return labels.length;
    }

    @Override
    public final int label(int i) {
        return labels[i];
    }
}
