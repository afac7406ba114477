package dev.jclip.api;

import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Downloads against a local HTTP server: digests, corruption, resumption, the cache, offline mode, mirrors. */
class WeightsCacheTest {
    @TempDir
    Path tmp;
    private LocalServer server;
    private byte[] content;
    private String sha;

    @BeforeEach
    void start() throws Exception {
        server = new LocalServer();
        content = Files.readAllBytes(Fixtures.fixture("vit-tiny").resolve("model.safetensors"));
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private PretrainedModel entry(URI url, String digest) throws IOException {
        return new PretrainedModel("tiny", "test", url, digest, dev.jclip.core.config.ClipConfig.parse(TinyModel.configJson(), "tiny"));
    }

    private ClipOptions options() {
        return ClipOptions.fromEnvironment(java.util.Map.of()).withCacheFolder(tmp.resolve("cache")).withListener(DownloadListener.NONE);
    }

    @Test
    void verifiedDownloadThenServedFromCacheWithoutRequest() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        List<DownloadListener.Event> events = new ArrayList<>();
        WeightsCache cache = new WeightsCache(options().withListener(events::add));
        Path file = cache.fetch(m);
        assertEquals(tmp.resolve("cache/tiny/test/model.safetensors"), file);
        assertArrayEquals(content, Files.readAllBytes(file));
        assertEquals(List.of("/w/model.safetensors none"), server.requests);
        assertEquals(DownloadListener.Kind.STARTED, events.get(0).kind());
        DownloadListener.Event last = events.get(events.size() - 1);
        assertEquals(DownloadListener.Kind.FINISHED, last.kind());
        assertEquals(content.length, last.bytes());
        assertEquals(content.length, last.total());

        assertEquals(file, cache.fetch(m));
        assertEquals(1, server.requests.size(), "the second call is served from the cache");
        assertFalse(Files.exists(file.resolveSibling("model.safetensors.part")));
    }

    /** The weights served with one fault set up by {@code fault}: the fetch still returns them exactly, in two requests. */
    private void fetchesDespite(Runnable fault) throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        fault.run();
        Path file = new WeightsCache(options()).fetch(m);
        assertArrayEquals(content, Files.readAllBytes(file));
        assertEquals(2, server.requests.size(), server.requests.toString());
    }

    @Test
    void corruptedDownloadIsRefusedAndFetchedAgain() throws Exception {
        fetchesDespite(() -> server.corruptNext = 1);
    }

    @Test
    void wrongDigestTwiceIsAnErrorAndNothingIsKept() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), "0".repeat(64));
        IOException e = assertThrows(IOException.class, () -> new WeightsCache(options()).fetch(m));
        assertTrue(e.getMessage().contains(sha) && e.getMessage().contains("0".repeat(64)), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache/tiny/test/model.safetensors")));
        assertFalse(Files.exists(tmp.resolve("cache/tiny/test/model.safetensors.part")));
    }

    @Test
    void corruptedCachedFileIsReplaced() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        Path target = tmp.resolve("cache/tiny/test/model.safetensors");
        Files.createDirectories(target.getParent());
        byte[] bad = content.clone();
        bad[100] ^= 1;
        Files.write(target, bad);
        assertArrayEquals(content, Files.readAllBytes(new WeightsCache(options()).fetch(m)));
        assertEquals(1, server.requests.size());
    }

    @Test
    void interruptedDownloadResumesWithARangeRequest() throws Exception {
        fetchesDespite(() -> server.breakAfterBytes = 300_000);
        assertEquals("/w/model.safetensors none", server.requests.get(0));
        assertTrue(server.requests.get(1).matches("/w/model.safetensors bytes=\\d+-"), server.requests.get(1));
        long from = Long.parseLong(server.requests.get(1).replaceAll(".*bytes=(\\d+)-", "$1"));
        assertTrue(from > 0 && from <= 300_000, "resumed from " + from);
    }

    @Test
    void partialFileFromAnEarlierRunIsResumed() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        Path part = tmp.resolve("cache/tiny/test/model.safetensors.part");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(content, 123_456));
        assertArrayEquals(content, Files.readAllBytes(new WeightsCache(options()).fetch(m)));
        assertEquals(List.of("/w/model.safetensors bytes=123456-"), server.requests);
    }

    @Test
    void offlineWithEmptyCacheNamesTheFileAndTheFolder() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        OfflineException e = assertThrows(OfflineException.class, () -> new WeightsCache(options().withOffline(true)).fetch(m));
        assertTrue(e.getMessage().contains(tmp.resolve("cache/tiny/test/model.safetensors").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("cache folder " + tmp.resolve("cache")), e.getMessage());
        assertTrue(server.requests.isEmpty(), "offline mode makes no request");
    }

    @Test
    void offlineServesACachedFile() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), sha);
        Path file = new WeightsCache(options()).fetch(m);
        assertEquals(file, new WeightsCache(options().withOffline(true)).fetch(m));
        assertEquals(1, server.requests.size());
    }

    @Test
    void mirrorReplacesSchemeAndHostAndKeepsThePath() throws Exception {
        server.serve("/laion/model.safetensors", content);
        PretrainedModel m = entry(URI.create("https://weights.example.invalid/laion/model.safetensors"), sha);
        Path file = new WeightsCache(options().withMirror(server.base())).fetch(m);
        assertArrayEquals(content, Files.readAllBytes(file));
        assertEquals(List.of("/laion/model.safetensors none"), server.requests);
        assertEquals(URI.create("http://h:1/a/b.pt?x=1"), WeightsCache.mirrored(URI.create("https://cdn.example/a/b.pt?x=1"), "http://h:1/"));
    }

    @Test
    void unpublishedDigestIsPinnedOnFirstDownload() throws Exception {
        PretrainedModel m = entry(server.serve("/w/model.safetensors", content), null);
        WeightsCache cache = new WeightsCache(options());
        Path file = cache.fetch(m);
        assertEquals(sha, Files.readString(file.resolveSibling("model.safetensors.sha256")).trim());
        // the pin now guards the file: a changed file is refused and fetched again
        byte[] bad = content.clone();
        bad[7] ^= 1;
        Files.write(file, bad);
        assertArrayEquals(content, Files.readAllBytes(cache.fetch(m)));
        assertEquals(2, server.requests.size());
    }

    @Test
    void httpErrorNamesTheUrl() throws Exception {
        PretrainedModel m = entry(URI.create(server.base() + "/missing.pt"), sha);
        IOException e = assertThrows(IOException.class, () -> new WeightsCache(options()).fetch(m));
        assertTrue(e.getMessage().contains("/missing.pt") && e.getMessage().contains("404"), e.getMessage());
        assertEquals(1, server.requests.size(), "an HTTP error is not retried");
    }
}
