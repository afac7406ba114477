package dev.jclip.cli.commands;

import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.cli.UsageException;
import dev.jclip.core.io.Limits;
import dev.jclip.data.text.BoundedLineReader;
import dev.jclip.data.text.ClipTokenizer;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code clip tokenize --vocab PATH [--context-length N] [--truncate]}: JSON lines in ({"text": ...}), JSON
 * lines out ({"ids": [...]}), one for each non-blank input line, in order. A line that cannot be tokenized
 * (bad JSON, no string "text", too long without --truncate) is answered with {"error": "line N: ..."} and
 * reported on stderr; the other lines are still answered and the exit code is 1. A line over
 * {@code jclip.limit.lineChars} characters is answered with an error without being held in memory; each answer
 * is flushed as it is written, so those already given survive whatever a later line does.
 */
@Command(name = "tokenize", description = "CLIP token ids for JSON lines {\"text\": ...} on stdin, JSON lines {\"ids\": [...]} out")
public final class TokenizeCommand extends ClipCommand {
    @Option(names = "--vocab", required = true, paramLabel = "PATH", description = "BPE merges file") Path vocab;

    @Option(names = "--context-length", paramLabel = "N", description = "ids per row (default: ${DEFAULT-VALUE})")
    int context = ClipTokenizer.DEFAULT_CONTEXT_LENGTH;

    @Option(names = "--truncate", description = "cut long captions (still ending with the end token) instead of refusing them") boolean truncate;

    private final InputStream in;
    private final OutputStream out;
    private final PrintStream err;

    public TokenizeCommand() {
        this(System.in, System.out, System.err);
    }

    public TokenizeCommand(InputStream in, OutputStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    @Override
    protected int run() throws Exception {
        if (context < 2) throw new UsageException("--context-length must be at least 2, got " + context);
        if (!Files.isRegularFile(vocab)) throw new UsageException("--vocab " + vocab + ": no such file");
        ClipTokenizer tokenizer = ClipTokenizer.load(vocab);

        ObjectMapper json = new ObjectMapper();
        int failed = 0;
        BoundedLineReader reader = new BoundedLineReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        BoundedLineReader.Line next;
        while ((next = reader.next()) != null) {
            long lineNo = next.number();
            String line = next.text();
            if (line != null && line.isBlank()) continue;
            ObjectNode answer = json.createObjectNode();
            try {
                if (next.tooLong()) throw new IllegalArgumentException("reading it: " + Limits.LINE_CHARS.explain(next.length()));
                String text = textOf(json, line);
                int[] ids = tokenizer.tokenize(text, context, truncate);
                answer.putArray("ids").addAll(java.util.Arrays.stream(ids).mapToObj(json.getNodeFactory()::numberNode).toList());
            } catch (IllegalArgumentException e) {
                failed++;
                String message = "line " + lineNo + ": " + e.getMessage();
                answer.put("error", message);
                err.println("clip tokenize: " + message);
            }
            writer.write(json.writeValueAsString(answer));
            writer.write('\n');
            writer.flush(); // an answer given is kept, whatever a later line does
        }
        writer.flush();
        return failed == 0 ? 0 : 1;
    }

    private static String textOf(ObjectMapper json, String line) {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (Exception e) {
            throw new IllegalArgumentException("not valid JSON (" + firstLine(e.getMessage()) + ")");
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException("expected a JSON object with a \"text\" field");
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) throw new IllegalArgumentException("missing string field \"text\"");
        return text.asText();
    }

    private static String firstLine(String s) {
        if (s == null) return "parse error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
