package dev.jclip.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.data.LabelCaptionShards;
import dev.jclip.eval.data.LabelledImageDataset;
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
    @Mixin
    DatasetOptions dataset;

    @Mixin
    ShardOutputOptions shards;

    @Mixin
    SubsetOptions subset;

    @Mixin
    TemplatesOption templates;

    @Mixin
    ImageOptions images;

    @Override
    protected int run() throws Exception {
        shards.checked();
        int limit = subset.checked().limit;
        List<String> captions = templates.read(LabelCaptionShards.DEFAULT_TEMPLATES);
        LabelledImageDataset data = dataset.open();
        if (limit > data.size()) throw new UsageException("--limit " + limit + " exceeds the " + data.size() + " samples of " + dataset.spec);

        LabelCaptionShards.Result r = LabelCaptionShards.write(data, shards.output, captions, limit, subset.seed, shards.perShard, shards.prefix);
        Map<String, Integer> perClass = new LinkedHashMap<>();
        for (int c = 0; c < r.perClass().length; c++) perClass.put(data.classNames().get(c), r.perClass()[c]);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("samples", r.samples());
        summary.put("shards", r.shards().size());
        summary.put("per_class", perClass);
        summary.put("templates", captions);
        summary.put("seed", subset.seed);
        summary.put("output", shards.output.toString());
        System.out.println(new ObjectMapper().writeValueAsString(summary));
        return 0;
    }
}
