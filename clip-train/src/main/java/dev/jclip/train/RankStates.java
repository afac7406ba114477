package dev.jclip.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.core.config.ConfigException;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

/**
 * The loader positions of every rank in one checkpoint field: {@code {"ranks": [state of rank 0, ...]}}. A
 * one-process run stores its source's state as it is, as before.
 */
final class RankStates {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "ranks";

    private RankStates() {
    }

    static String join(List<String> states) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode a = o.putArray(KEY);
        states.forEach(a::add);
        return o.toString();
    }

    /**
     * Rank {@code rank}'s position. Positions saved by another world size restore only when they are all the same
     * (data-order global: one global position), else the resume is refused.
     */
    static String forRank(String saved, int rank, int world, String dataOrder, Path checkpoint) {
        List<String> states = split(saved);
        if (states == null) {   // saved by one process
            if (world == 1 || "global".equals(dataOrder)) return saved;
            throw new ConfigException("cannot resume " + checkpoint + " on " + world + " ranks: it holds the loader position of one"
                    + " process, and with data-order shards each rank reads its own shards; resume with one process or data-order global");
        }
        if (states.size() == world) return states.get(rank);
        if (new HashSet<>(states).size() == 1) return states.get(0);
        throw new ConfigException("cannot resume " + checkpoint + " on " + world + " rank(s): it holds the loader positions of "
                + states.size() + " ranks reading their own shards; resume on " + states.size() + " ranks");
    }

    /** The per-rank states, or null when {@code saved} is a single source's state. */
    private static List<String> split(String saved) {
        if (saved == null || !saved.startsWith("{\"" + KEY + "\"")) return null;
        try {
            JsonNode n = JSON.readTree(saved).get(KEY);
            if (n == null || !n.isArray()) return null;
            java.util.ArrayList<String> out = new java.util.ArrayList<>();
            n.forEach(e -> out.add(e.asText()));
            return out;
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
