package dev.jclip.api;

import dev.jclip.core.io.AtomicFile;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pretrained weights on disk: {@code CACHE/NAME/TAG/FILE}, downloaded on first use. A file is used only once its
 * SHA-256 matches the registry's (or, for entries without a published digest, the one pinned beside it in
 * {@code FILE.sha256} at the first download). A download goes to {@code FILE.part} and resumes from it with an
 * HTTP range request when interrupted, in this call or a later one; a file whose digest is wrong is deleted and
 * fetched again once. Offline, nothing is requested: a missing file is an {@link OfflineException}.
 */
public final class WeightsCache {
    private static final Logger LOG = LoggerFactory.getLogger(WeightsCache.class);
    /** Transfers that break off are resumed this many times within one call before the error is reported. */
    private static final int TRANSFER_ATTEMPTS = 3;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final ClipOptions options;
    private final HttpClient http;

    public WeightsCache(ClipOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
    }

    public Path folder() {
        return options.cacheFolder();
    }

    /** Where {@code model}'s weights are (or will be) cached. */
    public Path pathOf(PretrainedModel model) {
        return folder().resolve(model.name()).resolve(model.tag()).resolve(model.fileName());
    }

    /** The URL requested for {@code model}: the registered one, or the mirror's scheme and host with its path. */
    public URI sourceOf(PretrainedModel model) {
        return mirrored(model.url(), options.mirror());
    }

    /** The verified cached file of {@code model}, downloading it first when it is missing or corrupted. */
    public Path fetch(PretrainedModel model) throws IOException {
        Path target = pathOf(model);
        Path pin = target.resolveSibling(model.fileName() + ".sha256");
        String expected = model.sha256() != null ? model.sha256() : readPin(pin);
        if (Files.isRegularFile(target)) {
            String actual = sha256(target);
            if (expected == null) writePin(pin, actual);
            if (expected == null || actual.equals(expected)) {
                LOG.debug("{}: cached at {}", model.id(), target);
                return target;
            }
            LOG.warn("{}: cached file {} has SHA-256 {} instead of {}; downloading it again", model.id(), target, actual, expected);
            Files.delete(target);
        }
        if (options.offline()) {
            throw new OfflineException("offline mode (" + ClipOptions.ENV_OFFLINE + "=1 or --offline): the weights of "
                    + model.id() + " are not in the cache: " + target + " is missing (cache folder " + folder()
                    + "); fetch them once online, or copy the file there");
        }
        Files.createDirectories(target.getParent());
        Path part = target.resolveSibling(model.fileName() + ".part");
        URI url = sourceOf(model);
        for (int attempt = 1; ; attempt++) {
            download(url, part);
            String actual = sha256(part);
            if (expected == null || actual.equals(expected)) {
                if (expected == null) {
                    writePin(pin, actual);
                    LOG.info("{}: no published SHA-256; pinned the first download's, {}", model.id(), actual);
                }
                AtomicFile.commit(part, target); // the .part file is kept across runs so that a download resumes
                return target;
            }
            Files.delete(part);
            if (attempt == 2) {
                throw new IOException(url + ": SHA-256 of the download is " + actual + ", expected " + expected
                        + " (twice; the file was deleted)");
            }
            LOG.warn("{}: downloaded file has SHA-256 {} instead of {}; downloading it again", model.id(), actual, expected);
        }
    }

    /** Completes {@code part} from {@code url}, resuming from its current size; retries broken transfers. */
    private void download(URI url, Path part) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                transfer(url, part);
                return;
            } catch (HttpStatusException e) {
                throw e;
            } catch (IOException e) {
                if (attempt == TRANSFER_ATTEMPTS) throw new IOException(url + ": download failed after " + attempt
                        + " attempts (" + e.getMessage() + "); the partial file " + part + " is resumed next time", e);
                LOG.debug("{}: transfer broke off ({}); resuming", url, e.toString());
            }
        }
    }

    private void transfer(URI url, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder request = HttpRequest.newBuilder(url).GET();
        if (have > 0) request.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(url + ": interrupted", e);
        }
        int status = response.statusCode();
        long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        boolean append = false;
        if (status == 206) {
            Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                response.body().close();
                Files.deleteIfExists(part);   // a range we did not ask for: start the next attempt from zero
                throw new IOException("the server answered range '" + m + "' to a request from byte " + have);
            }
            append = true;
            total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        } else if (status == 416 && have > 0) {
            response.body().close();
            return;   // nothing left to send: the partial file is complete (its digest decides)
        } else if (status != 200) {
            response.body().close();
            throw new HttpStatusException(url + ": HTTP " + status);
        }
        if (!append) have = 0;   // the server sent the whole file (no range support): start over
        DownloadListener listener = options.listener();
        listener.onEvent(new DownloadListener.Event(DownloadListener.Kind.STARTED, url, part, have, total));
        try (InputStream in = response.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                have += n;
                listener.onEvent(new DownloadListener.Event(DownloadListener.Kind.PROGRESS, url, part, have, total));
            }
        }
        if (total >= 0 && have != total) throw new IOException("received " + have + " of " + total + " bytes");
        listener.onEvent(new DownloadListener.Event(DownloadListener.Kind.FINISHED, url, part, have, total));
    }

    /** An HTTP error status: retrying the same request will not help. */
    private static final class HttpStatusException extends IOException {
        HttpStatusException(String message) {
            super(message);
        }
    }

    /** {@code url} with the scheme, host and port (and any path prefix) of {@code mirror}; {@code url} when null. */
    static URI mirrored(URI url, String mirror) {
        if (mirror == null) return url;
        String base = mirror.endsWith("/") ? mirror.substring(0, mirror.length() - 1) : mirror;
        URI m = URI.create(base);
        if (m.getScheme() == null || m.getHost() == null) {
            throw new IllegalArgumentException(ClipOptions.ENV_MIRROR + " must look like http://host:port, got '" + mirror + "'");
        }
        return URI.create(base + url.getRawPath() + (url.getRawQuery() != null ? "?" + url.getRawQuery() : ""));
    }

    /** Lower-case hex SHA-256 of a file's content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) digest.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String readPin(Path pin) throws IOException {
        if (!Files.isRegularFile(pin)) return null;
        String s = Files.readString(pin).trim().toLowerCase(Locale.ROOT);
        if (!s.matches("[0-9a-f]{64}")) throw new IOException(pin + ": not a SHA-256 pin (64 hex digits): '" + s + "'");
        return s;
    }

    private static void writePin(Path pin, String sha) throws IOException {
        AtomicFile.writeString(pin, sha + "\n");
    }
}
