package dev.jclip.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.data.loader.Batch;
import dev.jclip.data.loader.DataLoader;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.LoaderPosition;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.text.CaptionTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code clip data stats --data SPEC | --csv PATH [--image-col C --caption-col C --sep S] [--vocab PATH]
 * [--image-size 224] [--workers N] [--batch-size 64] [--context-length 77]}: reads one epoch through the same
 * loader training uses (evaluation transform, every sample, given order) and prints one JSON object:
 * {@code samples} (good samples delivered), {@code skipped} (by reason), {@code shards} (opened),
 * {@code image_sizes} (min/max/mean of the decoded width and height) and {@code caption_tokens} (min/max/mean of
 * the tokenized length: ids up to and including the end token, after truncation to the context length).
 */
@Command(name = "stats", description = "read a dataset through the loader and print sample, skip, image-size and caption-length statistics")
public final class DataStatsCommand extends ClipCommand {
    @Mixin
    SampleSourceOptions data;

    @Option(names = "--vocab", paramLabel = "PATH", description = "BPE merges file for caption lengths (default: whitespace-separated words)")
    Path vocab;

    @Option(names = "--image-size", paramLabel = "S", description = "(default: ${DEFAULT-VALUE})") int imageSize = 224;

    @Option(names = "--workers", paramLabel = "N", description = "decoding threads (default: all cores)")
    int workers = Math.max(1, java.lang.Runtime.getRuntime().availableProcessors());

    @Option(names = "--batch-size", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})") int batchSize = 64;

    @Option(names = "--context-length", paramLabel = "N", description = "(default: ${DEFAULT-VALUE})") int context = 77;

    @Mixin
    ImageOptions images;

    @Override
    protected int run() throws Exception {
        SampleSource source = data.open();
        CaptionTokenizer tokenizer = tokenizer(vocab);
        LoaderConfig cfg = LoaderConfig.builder(batchSize).imageSize(imageSize).contextLength(context).workers(workers)
                .train(false).dropLast(false).build();
        Summary width = new Summary();
        Summary height = new Summary();
        Summary tokens = new Summary();
        Map<String, Object> out = new LinkedHashMap<>();
        try (DataLoader loader = DataLoader.open(source, tokenizer, cfg, LoaderPosition.start(0))) {
            for (Batch b = loader.next(); b != null; b = loader.next()) {
                int[] ids = b.tokens().data().asInt();
                for (int i = 0; i < b.size(); i++) {
                    width.add(b.widths()[i]);
                    height.add(b.heights()[i]);
                    tokens.add(tokenCount(ids, i * context, context));
                }
            }
            out.put("samples", loader.samplesDelivered());
            out.put("skipped", loader.skips().snapshot());
            out.put("shards", loader.shardsOpened());
        }
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("width", width.toMap());
        sizes.put("height", height.toMap());
        out.put("image_sizes", sizes);
        out.put("caption_tokens", tokens.toMap());
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }

    /** The caption tokenizer: CLIP's BPE with --vocab, else whitespace-separated words (start/end tokens included). */
    private static CaptionTokenizer tokenizer(Path vocab) {
        if (vocab != null) return dev.jclip.data.text.ClipTokenizer.load(vocab);
        return new WhitespaceTokenizer();
    }

    /** Row length up to and including the last non-zero id (the end token); padding is zero. */
    static int tokenCount(int[] ids, int offset, int context) {
        for (int j = context - 1; j >= 0; j--) if (ids[offset + j] != 0) return j + 1;
        return 0;
    }

    /** Running min / max / mean. */
    static final class Summary {
        private long n;
        private long min = Long.MAX_VALUE;
        private long max = Long.MIN_VALUE;
        private double sum;

        void add(long v) {
            n++;
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("min", n == 0 ? null : min);
            m.put("max", n == 0 ? null : max);
            m.put("mean", n == 0 ? null : Math.round(sum / n * 1000) / 1000.0);
            return m;
        }
    }
}
