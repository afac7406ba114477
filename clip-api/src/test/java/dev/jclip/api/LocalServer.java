package dev.jclip.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP file server for download tests (never the internet): serves byte arrays by path, honours
 * {@code Range: bytes=N-} with 206, records every request, and can misbehave on purpose: serve corrupted bytes
 * for the first requests, or break a response off after some bytes.
 */
final class LocalServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** One "PATH RANGE-OR-none" line per request. */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    volatile int corruptNext;
    volatile long breakAfterBytes = -1;

    LocalServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Serves {@code content} at {@code path}; returns its URL. */
    URI serve(String path, byte[] content) {
        files.put(path, content);
        return URI.create(base() + path);
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(path + " " + (range == null ? "none" : range));
        byte[] content = files.get(path);
        if (content == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        if (corruptNext > 0) {
            corruptNext--;
            content = content.clone();
            content[content.length / 2] ^= 0x5A;
        }
        int from = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches()) {
            from = Integer.parseInt(m.group(1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            ex.sendResponseHeaders(206, content.length - from);
        } else {
            ex.sendResponseHeaders(200, content.length);
        }
        try (OutputStream out = ex.getResponseBody()) {
            long stop = breakAfterBytes;
            if (stop >= 0) {
                breakAfterBytes = -1;
                out.write(content, from, (int) Math.min(stop, content.length - from));
                out.flush();
                // the handler fails: the server drops the connection and the client sees a short body
                throw new IOException("breaking the connection on purpose");
            }
            out.write(content, from, content.length - from);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
