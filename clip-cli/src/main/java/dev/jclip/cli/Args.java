package dev.jclip.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GNU-style options: {@code --name value}, {@code --name=value}, repeated options collect every value, and a
 * bare {@code --flag} (followed by another option or nothing) is a boolean. Everything else is positional.
 * Options that a command never reads are reported by {@link #checkAllUsed()}.
 */
public final class Args {
    private final Map<String, List<String>> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> used = new HashSet<>();

    public Args(List<String> argv) {
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.startsWith("--") && a.length() > 2) {
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < argv.size() && !(argv.get(i + 1).startsWith("--") && argv.get(i + 1).length() > 2)) {
                    value = argv.get(++i);
                } else {
                    value = null;
                }
                options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                positional.add(a);
            }
        }
    }

    public boolean has(String name) {
        used.add(name);
        return options.containsKey(name);
    }

    /** True when the flag is present (a following value of "false" or "0" turns it off). */
    public boolean flag(String name) {
        used.add(name);
        List<String> v = options.get(name);
        if (v == null) return false;
        String last = v.get(v.size() - 1);
        return last == null || !(last.equalsIgnoreCase("false") || last.equals("0"));
    }

    public String get(String name, String dflt) {
        used.add(name);
        List<String> v = options.get(name);
        if (v == null) return dflt;
        String last = v.get(v.size() - 1);
        if (last == null) throw new UsageException("--" + name + " needs a value");
        return last;
    }

    public String require(String name) {
        String v = get(name, null);
        if (v == null) throw new UsageException("missing required option --" + name);
        return v;
    }

    public List<String> all(String name) {
        used.add(name);
        List<String> out = new ArrayList<>();
        for (String v : options.getOrDefault(name, List.of())) {
            if (v == null) throw new UsageException("--" + name + " needs a value");
            out.add(v);
        }
        return out;
    }

    public int getInt(String name, int dflt) {
        String v = get(name, null);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public long getLong(String name, long dflt) {
        String v = get(name, null);
        if (v == null) return dflt;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
        }
    }

    public double getDouble(String name, double dflt) {
        String v = get(name, null);
        if (v == null) return dflt;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    public Path path(String name) {
        String v = get(name, null);
        return v == null ? null : Path.of(v);
    }

    public Path requirePath(String name) {
        return Path.of(require(name));
    }

    public List<String> positional() {
        return positional;
    }

    /** Throws naming the first option the command did not read (catches typos such as --bach-size). */
    public void checkAllUsed() {
        for (String k : options.keySet()) {
            if (!used.contains(k)) throw new UsageException("unknown option --" + k);
        }
    }
}
