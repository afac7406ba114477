package dev.jclip.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.data.ClassNames;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.LabelCaptionShards;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.zeroshot.PromptTemplates;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code clip data label-shards --dataset SPEC --output DIR [--limit N] [--seed S] [--templates FILE]
 * [--classnames FILE] [--samples-per-shard 1000] [--prefix shard]}: turns a labelled image set (any
 * {@link DatasetSpec}, e.g. {@code idx:/usr/share/datasets/fashion-mnist/train}) into WebDataset shards of PNG
 * images with captions made from the class names by templates ({@link LabelCaptionShards}). Prints a JSON summary.
 */
@Command(name = "label-shards", description = "turn a labelled image set (idx:PREFIX, folder, CSV) into WebDataset shards with captions from class-name templates")
public final class LabelShardsCommand extends ClipCommand {
    @Option(names = "--dataset", required = true, paramLabel = "SPEC", description = "image folder, CSV/TSV or idx:PREFIX")
    String spec;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "shard folder")
    Path output;

    @Option(names = "--limit", paramLabel = "N", description = "a random subset of N images; 0 = all")
    int limit;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the subset and the template choice")
    long seed;

    @Option(names = "--templates", paramLabel = "FILE", description = "caption templates with {} (default: a few of CLIP's)")
    Path templatesFile;

    @Option(names = "--classnames", paramLabel = "FILE", description = "class names, one a line, in label order")
    Path classNamesFile;

    @Option(names = "--samples-per-shard", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})")
    int perShard = 1000;

    @Option(names = "--prefix", paramLabel = "NAME", description = "shard file name prefix (default: ${DEFAULT-VALUE})")
    String prefix = "shard";

    @Mixin
    ImageOptions images;

    @Override
    protected int run() throws Exception {
        if (perShard <= 0) throw new UsageException("--samples-per-shard must be positive, got " + perShard);
        if (limit < 0) throw new UsageException("--limit must be 0 (all) or positive, got " + limit);
        List<String> templates = templatesFile == null ? LabelCaptionShards.DEFAULT_TEMPLATES : PromptTemplates.read(templatesFile);
        LabelledImageDataset data = DatasetSpec.open(spec, classNamesFile == null ? null : ClassNames.read(classNamesFile));
        if (limit > data.size()) throw new UsageException("--limit " + limit + " exceeds the " + data.size() + " samples of " + spec);

        LabelCaptionShards.Result r = LabelCaptionShards.write(data, output, templates, limit, seed, perShard, prefix);
        Map<String, Integer> perClass = new LinkedHashMap<>();
        for (int c = 0; c < r.perClass().length; c++) perClass.put(data.classNames().get(c), r.perClass()[c]);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("samples", r.samples());
        summary.put("shards", r.shards().size());
        summary.put("per_class", perClass);
        summary.put("templates", templates);
        summary.put("seed", seed);
        summary.put("output", output.toString());
        System.out.println(new ObjectMapper().writeValueAsString(summary));
        return 0;
    }
}
