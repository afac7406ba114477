package dev.jclip.data.text;

import dev.jclip.core.io.Limits;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads text line by line, keeping at most {@link Limits#LINE_CHARS} characters of a line: a longer line is
 * read to its end without being kept, and reported as too long, so one huge line (or a file without newlines)
 * costs bounded memory and the lines after it are still read. Line ends are {@code \n}, {@code \r\n} or
 * {@code \r}, as {@link java.io.BufferedReader#readLine()}.
 */
public final class BoundedLineReader {
    /**
     * One line: its 1-based number, and its text, or null when it was longer than the limit.
     *
     * @param length the line's length in characters (also when the text was not kept)
     */
    public record Line(long number, String text, long length) {
        public boolean tooLong() {
            return text == null;
        }
    }

    private final Reader in;
    private final long limit;
    private final char[] buf = new char[8192];
    private final StringBuilder line = new StringBuilder();
    private int pos;
    private int end;
    private long number;
    private boolean skipLf;

    public BoundedLineReader(Reader in) {
        this.in = in;
        this.limit = Limits.LINE_CHARS.get();
    }

    /** The next line, or null at the end of the input. */
    public Line next() throws IOException {
        line.setLength(0);
        long length = 0;
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (!any) return null;
                    return finish(length);
                }
            }
            char c = buf[pos++];
            if (skipLf) {
                skipLf = false;
                if (c == '\n') continue;
            }
            any = true;
            if (c == '\n' || c == '\r') {
                skipLf = c == '\r';
                return finish(length);
            }
            length++;
            if (length <= limit) line.append(c);
        }
    }

    private Line finish(long length) {
        number++;
        if (length > limit) {
            line.setLength(0);
            line.trimToSize();
            return new Line(number, null, length);
        }
        return new Line(number, line.toString(), length);
    }
}
