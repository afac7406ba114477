package dev.jclip.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The start of a distributed run: every rank reports whether it could prepare and what it is about to train
 * (hashes of the model, seed, vocabulary and the rest of the config); a rank that failed, or one whose run differs
 * from rank 0's, makes every rank refuse to start with the same message, instead of training different models
 * that never meet (or waiting for a rank that is gone).
 */
final class RankAgreement {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Options that may differ per process: they do not change what is computed. */
    private static final Map<String, Object> NEUTRAL = Map.of("threads", 0);

    private RankAgreement() {
    }

    /** What this rank will train, compared field by field across ranks. */
    static String describe(TrainConfig cfg, ClipConfig model, BatchSource data) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", cfg.model().name() + " " + sha(model.toJson()));
        o.put("seed", cfg.runtime().seed());
        o.put("vocabulary", data.vocabulary() == null ? "OpenAI's built-in" : "sha256 " + sha(data.vocabulary()));
        o.put("config", sha(cfg.with(NEUTRAL, "rank agreement").toJson()));
        return o.toString();
    }

    /**
     * Collective: every rank calls it with its description (null when it failed) or its failure. Returns the
     * steps per epoch every rank can serve (the smallest; -1 when unknown anywhere) or throws on every rank.
     */
    static long check(Collective c, String description, Exception failure, long stepsPerEpoch) {
        String mine;
        ObjectNode o = JSON.createObjectNode();
        if (failure != null) o.put("error", String.valueOf(failure.getMessage()));
        else o.set("run", readTree(description));
        o.put("stepsPerEpoch", stepsPerEpoch);
        mine = o.toString();
        List<String> all = Collectives.allGather(c, mine);
        List<String> problems = new ArrayList<>();
        JsonNode first = null;
        long perEpoch = Long.MAX_VALUE;
        for (int r = 0; r < all.size(); r++) {
            JsonNode n = readTree(all.get(r));
            if (n.has("error")) {
                problems.add("rank " + r + ": " + n.get("error").asText());
                continue;
            }
            long s = n.get("stepsPerEpoch").asLong();
            perEpoch = s <= 0 || perEpoch <= 0 ? -1 : Math.min(perEpoch, s);
            JsonNode run = n.get("run");
            if (first == null) {
                first = run;
                continue;
            }
            for (Iterator<String> it = first.fieldNames(); it.hasNext(); ) {
                String field = it.next();
                if (!first.get(field).equals(run.get(field))) {
                    problems.add("rank " + r + "'s " + field + " differs from rank " + firstRank(all) + "'s (" + run.get(field).asText()
                            + " vs " + first.get(field).asText() + ")");
                }
            }
        }
        if (!problems.isEmpty()) {
            String msg = "the " + c.worldSize() + " ranks cannot start together: " + String.join("; ", problems);
            ConfigException e = new ConfigException(msg);
            if (failure != null) e.addSuppressed(failure);
            throw e;
        }
        return perEpoch == Long.MAX_VALUE ? -1 : perEpoch;
    }

    private static int firstRank(List<String> all) {
        for (int r = 0; r < all.size(); r++) if (!readTree(all.get(r)).has("error")) return r;
        return 0;
    }

    private static JsonNode readTree(String s) {
        try {
            return JSON.readTree(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable rank description: " + s, e);
        }
    }

    private static String sha(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
