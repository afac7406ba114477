package dev.jclip.data.shards;

import java.util.ArrayList;
import java.util.List;

/**
 * Expands a shard specification as open_clip accepts it: several sources joined with {@code ::}, each with
 * brace expressions: numeric ranges {@code {00000..00099}} (zero-padded to the wider end when either end has a
 * leading zero, as Python's braceexpand does), optionally descending, and comma lists {@code {a,b,c}}. Several
 * brace groups in one source multiply out left to right.
 */
public final class ShardSpec {
    private ShardSpec() {
    }

    /** The shard paths in order; throws {@link IllegalArgumentException} naming the spec when malformed. */
    public static List<String> expand(String spec) {
        List<String> out = new ArrayList<>();
        for (List<String> source : expandSources(spec)) out.addAll(source);
        return out;
    }

    /**
     * The shard paths of each {@code ::}-joined source separately, in order (what per-source upsampling factors
     * apply to); throws {@link IllegalArgumentException} naming the spec when malformed or when a source is empty.
     */
    public static List<List<String>> expandSources(String spec) {
        if (spec == null || spec.isBlank()) throw new IllegalArgumentException("empty shard spec");
        List<List<String>> out = new ArrayList<>();
        for (String source : spec.split("::", -1)) {
            String s = source.trim();
            if (s.isEmpty()) throw new IllegalArgumentException("shard spec '" + spec + "' has an empty source between '::'");
            List<String> shards = new ArrayList<>();
            expandInto(s, spec, shards);
            out.add(shards);
        }
        return out;
    }

    private static void expandInto(String s, String spec, List<String> out) {
        int open = s.indexOf('{');
        if (open < 0) {
            if (s.indexOf('}') >= 0) throw new IllegalArgumentException("unbalanced '}' in shard spec '" + spec + "'");
            out.add(s);
            return;
        }
        int close = s.indexOf('}', open);
        if (close < 0) throw new IllegalArgumentException("unbalanced '{' in shard spec '" + spec + "'");
        String head = s.substring(0, open);
        String body = s.substring(open + 1, close);
        String tail = s.substring(close + 1);
        for (String alt : alternatives(body, spec)) {
            expandInto(head + alt + tail, spec, out);
        }
    }

    private static List<String> alternatives(String body, String spec) {
        List<String> alts = new ArrayList<>();
        int dots = body.indexOf("..");
        if (dots >= 0 && body.indexOf(',') < 0) {
            String a = body.substring(0, dots);
            String b = body.substring(dots + 2);
            long from;
            long to;
            try {
                from = Long.parseLong(a);
                to = Long.parseLong(b);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad range {" + body + "} in shard spec '" + spec + "'");
            }
            boolean padded = (a.length() > 1 && a.startsWith("0")) || (b.length() > 1 && b.startsWith("0"));
            int width = padded ? Math.max(a.length(), b.length()) : 0;
            long step = from <= to ? 1 : -1;
            for (long v = from; ; v += step) {
                String num = Long.toString(v);
                StringBuilder sb = new StringBuilder();
                for (int i = num.length(); i < width; i++) sb.append('0');
                alts.add(sb.append(num).toString());
                if (v == to) break;
            }
        } else {
            for (String part : body.split(",", -1)) alts.add(part);
        }
        return alts;
    }
}
