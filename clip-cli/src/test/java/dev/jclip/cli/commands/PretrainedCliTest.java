package dev.jclip.cli.commands;

import dev.jclip.cli.CliRun;
import com.sun.net.httpserver.HttpServer;
import dev.jclip.api.ClipOptions;
import dev.jclip.api.OfflineException;
import dev.jclip.api.PretrainedRegistry;
import dev.jclip.cli.UsageException;
import picocli.CommandLine;
import dev.jclip.core.io.Npy;
import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code clip pretrained list|fetch} and {@code --pretrained NAME:TAG}, against a local HTTP server. */
class PretrainedCliTest {
    @TempDir
    Path tmp;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private byte[] weights;
    private ClipOptions options;

    @BeforeEach
    void start() throws Exception {
        Path fx = Fixtures.fixture("vit-tiny");
        weights = Files.readAllBytes(fx.resolve("model.safetensors"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/tiny.safetensors", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, weights.length);
            try (var out = ex.getResponseBody()) {
                out.write(weights);
            }
        });
        server.start();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
        Path registry = tmp.resolve("registry.json");
        Files.writeString(registry, "{\"models\": [{\"name\": \"ViT-tiny\", \"tag\": \"fixture\", \"url\": \"http://127.0.0.1:"
                + server.getAddress().getPort() + "/tiny.safetensors\", \"sha256\": \"" + sha + "\", \"config\": "
                + Fixtures.metadataConfig(fx.resolve("model.safetensors")) + ", \"quick_gelu\": true}]}");
        options = ClipOptions.fromEnvironment(Map.of(PretrainedRegistry.ENV, registry.toString(),
                ClipOptions.ENV_CACHE, tmp.resolve("cache").toString()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Parses {@code argv} into {@code command}, points its downloads at the test registry and cache, runs it. */
    private <C extends dev.jclip.cli.ClipCommand> int run(C command, java.util.function.Function<C, Downloads> downloads,
                                                          ClipOptions settings, String... argv) throws Exception {
        new CommandLine(command).parseArgs(argv);   // picocli creates the mixins here
        downloads.apply(command).settings = settings;
        return command.call();
    }

    @Test
    void listPrintsNameTagDigestAndUrl() throws Exception {
        PretrainedListCommand list = new PretrainedListCommand();
        CliRun run = CliRun.capture(() -> run(list, c -> c.downloads, options));
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        List<String> lines = out.lines().toList();
        assertEquals(11, lines.size(), out);
        assertTrue(lines.contains("ViT-B-32\topenai\t40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af\t"
                + "https://openaipublic.azureedge.net/clip/models/40d365715913c9da98579312b702a82c18be219cc2a73407c4526f58eba950af/ViT-B-32.pt"), out);
        assertTrue(out.contains("ViT-B-32\tlaion2b_s34b_b79k\t(pinned-on-first-download)\thttps://huggingface.co/"), out);
        assertTrue(out.contains("ViT-tiny\tfixture\t"), out);
    }

    @Test
    void fetchDownloadsIntoTheCacheAndPrintsThePath() throws Exception {
        PretrainedFetchCommand fetch = new PretrainedFetchCommand();
        CliRun run = CliRun.capture(() -> run(fetch, c -> c.downloads, options, "ViT-tiny", "fixture"));
        assertEquals(0, run.code(), run.err());
        String out = run.out();
        Path file = tmp.resolve("cache/ViT-tiny/fixture/tiny.safetensors");
        assertEquals(file.toString(), out.trim());
        assertArrayEquals(weights, Files.readAllBytes(file));
        PretrainedFetchCommand unknown = new PretrainedFetchCommand();
        assertThrows(UsageException.class, () -> run(unknown, c -> c.downloads, options, "ViT-tiny", "nope"));
    }

    @Test
    void pretrainedReplacesCheckpointInFeatures() throws Exception {
        Path fx = Fixtures.fixture("vit-tiny");
        Path out = tmp.resolve("out");
        FeaturesCommand features = new FeaturesCommand();
        assertEquals(0, run(features, c -> c.model.checkpoint.downloads, options, "--pretrained", "ViT-tiny:fixture",
                "--images", fx.resolve("images.npy").toString(), "--tokens", fx.resolve("tokens.npy").toString(), "--out", out.toString()));
        assertTrue(Fixtures.maxAbsDiff(Npy.read(out.resolve("image_features.npy")), Npy.read(fx.resolve("image_features.npy"))) < 1e-4);
        assertEquals(1, requests.get());

        // offline: the cached file is used; with an empty cache the error names the file and the folder
        CheckpointOption cached = parsedCheckpoint(options, "--pretrained", "ViT-tiny:fixture", "--offline");
        assertEquals(tmp.resolve("cache/ViT-tiny/fixture/tiny.safetensors"), cached.required());
        assertEquals(1, requests.get());
        CheckpointOption empty = parsedCheckpoint(options.withCacheFolder(tmp.resolve("empty")), "--pretrained", "ViT-tiny:fixture", "--offline");
        OfflineException e = assertThrows(OfflineException.class, empty::required);
        assertTrue(e.getMessage().contains(tmp.resolve("empty").toString()), e.getMessage());
        // a name without its tag is refused while the command line is parsed, naming the option and the form
        CommandLine.ParameterException noTag = assertThrows(CommandLine.ParameterException.class,
                () -> parsedCheckpoint(options, "--pretrained", "ViT-tiny"));
        assertTrue(noTag.getMessage().contains("--pretrained takes NAME:TAG"), noTag.getMessage());
        assertThrows(UsageException.class, () -> parsedCheckpoint(options, "--pretrained", "ViT-tiny:fixture",
                "--checkpoint", fx.resolve("model.safetensors").toString()).required());
    }

    @CommandLine.Command
    static final class CheckpointOnly {
        @CommandLine.Mixin
        CheckpointOption checkpoint;
    }

    private static CheckpointOption parsedCheckpoint(ClipOptions settings, String... argv) {
        CheckpointOption c = CommandLine.populateCommand(new CheckpointOnly(), argv).checkpoint;
        c.downloads.settings = settings;
        return c;
    }
}
