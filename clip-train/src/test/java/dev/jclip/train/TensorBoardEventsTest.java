package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * report-to tensorboard: the event file is read back with protobuf-java's DynamicMessage over descriptors built
 * here from TensorFlow's published event.proto, summary.proto and histogram.proto (the fields jclip writes, same
 * numbers and types), and every record's two CRCs are checked with a bitwise CRC32C written here.
 */
class TensorBoardEventsTest {
    private static final ClipConfig TINY = ClipConfig.preset("ViT-tiny");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static FieldDescriptorProto field(String name, int number, Type type, Label label, String typeName, boolean packed) {
        FieldDescriptorProto.Builder f = FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).setLabel(label);
        if (typeName != null) f.setTypeName(typeName);
        if (packed) f.setOptions(FieldOptions.newBuilder().setPacked(true));
        return f.build();
    }

    private static FieldDescriptorProto optional(String name, int number, Type type) {
        return field(name, number, type, Label.LABEL_OPTIONAL, null, false);
    }

    /**
     * tensorflow/core/framework/histogram.proto: HistogramProto {double min = 1; double max = 2; double num = 3;
     * double sum = 4; double sum_squares = 5; repeated double bucket_limit = 6 [packed]; repeated double bucket = 7
     * [packed];} summary.proto: Summary {repeated Value value = 1;} Value {string node_name = 7; string tag = 1;
     * oneof {float simple_value = 2; bytes obsolete_old_style_histogram = 3; Image image = 4; HistogramProto histo
     * = 5; Audio audio = 6; TensorProto tensor = 8;}} (image, audio, tensor left out: jclip writes none).
     * tensorflow/core/util/event.proto: Event {double wall_time = 1; int64 step = 2; oneof what {string
     * file_version = 3; bytes graph_def = 4; Summary summary = 5; ...}}.
     */
    private static Descriptor eventDescriptor() throws Exception {
        DescriptorProto histogram = DescriptorProto.newBuilder().setName("HistogramProto")
                .addField(optional("min", 1, Type.TYPE_DOUBLE)).addField(optional("max", 2, Type.TYPE_DOUBLE))
                .addField(optional("num", 3, Type.TYPE_DOUBLE)).addField(optional("sum", 4, Type.TYPE_DOUBLE))
                .addField(optional("sum_squares", 5, Type.TYPE_DOUBLE))
                .addField(field("bucket_limit", 6, Type.TYPE_DOUBLE, Label.LABEL_REPEATED, null, true))
                .addField(field("bucket", 7, Type.TYPE_DOUBLE, Label.LABEL_REPEATED, null, true)).build();
        DescriptorProto value = DescriptorProto.newBuilder().setName("Value")
                .addField(optional("node_name", 7, Type.TYPE_STRING)).addField(optional("tag", 1, Type.TYPE_STRING))
                .addField(optional("simple_value", 2, Type.TYPE_FLOAT))
                .addField(optional("obsolete_old_style_histogram", 3, Type.TYPE_BYTES))
                .addField(field("histo", 5, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL, ".tensorflow.HistogramProto", false)).build();
        DescriptorProto summary = DescriptorProto.newBuilder().setName("Summary").addNestedType(value)
                .addField(field("value", 1, Type.TYPE_MESSAGE, Label.LABEL_REPEATED, ".tensorflow.Summary.Value", false)).build();
        DescriptorProto event = DescriptorProto.newBuilder().setName("Event")
                .addField(optional("wall_time", 1, Type.TYPE_DOUBLE)).addField(optional("step", 2, Type.TYPE_INT64))
                .addField(optional("file_version", 3, Type.TYPE_STRING)).addField(optional("graph_def", 4, Type.TYPE_BYTES))
                .addField(field("summary", 5, Type.TYPE_MESSAGE, Label.LABEL_OPTIONAL, ".tensorflow.Summary", false)).build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("tensorflow/event_subset.proto").setPackage("tensorflow")
                .setSyntax("proto3").addMessageType(histogram).addMessageType(summary).addMessageType(event).build();
        return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Event");
    }

    /** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit. */
    private static int crc32c(byte[] data) {
        int crc = 0xFFFFFFFF;
        for (byte b : data) {
            crc ^= b & 0xFF;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
        }
        return ~crc;
    }

    private static int masked(byte[] data) {
        int c = crc32c(data);
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }

    /** Every record of a TFRecord file, each CRC checked. */
    private static List<byte[]> records(Path file) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> out = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] len = new byte[8];
            in.get(len);
            assertEquals(masked(len), in.getInt(), "length CRC of record " + out.size());
            byte[] data = new byte[(int) ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong()];
            in.get(data);
            assertEquals(masked(data), in.getInt(), "data CRC of record " + out.size());
            out.add(data);
        }
        return out;
    }

    @Test
    void crc32cMatchesTheStandardCheckValue() {
        assertEquals(0xE3069283, crc32c("123456789".getBytes()), "the CRC-32C check value");
    }

    @Test
    void scalarsAndHistogramsReadBackEqualToMetricsJsonl() throws Exception {
        Path run = tmp.resolve("run");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 4, "lr", 1e-3, "warmup", 1,
                "output", run.toString(), "checkpoint-every", 0, "log-every", 2, "eval-every", 2, "report-to", "jsonl,tensorboard");
        SyntheticBatches data = new SyntheticBatches(32, TINY.vision().imageSize(), TINY.text().contextLength(), TINY.text().vocabSize(), 8, 7);
        Trainer.builder().config(cfg).data(data).interactive(false).evalHook((m, step) -> Map.of("val_loss", 10.0 + step)).build().fit();

        List<Path> files;
        try (Stream<Path> s = Files.list(run)) {
            files = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
        }
        assertEquals(1, files.size(), "one event file beside metrics.jsonl");
        Descriptor event = eventDescriptor();
        Descriptor summary = event.findFieldByName("summary").getMessageType();
        Descriptor value = summary.findFieldByName("value").getMessageType();
        Descriptor histo = value.findFieldByName("histo").getMessageType();
        List<byte[]> records = records(files.get(0));
        DynamicMessage first = DynamicMessage.parseFrom(event, records.get(0));
        assertEquals("brain.Event:2", first.getField(event.findFieldByName("file_version")));

        Map<Long, Map<String, Double>> scalars = new TreeMap<>();
        Map<Long, DynamicMessage> histograms = new TreeMap<>();
        for (byte[] r : records.subList(1, records.size())) {
            DynamicMessage e = DynamicMessage.parseFrom(event, r);
            assertTrue(e.getUnknownFields().asMap().isEmpty(), "no field outside the published protos");
            long step = (Long) e.getField(event.findFieldByName("step"));
            assertTrue((Double) e.getField(event.findFieldByName("wall_time")) > 1.7e9, "wall time in seconds");
            DynamicMessage s = (DynamicMessage) e.getField(event.findFieldByName("summary"));
            for (Object o : (List<?>) s.getField(summary.findFieldByName("value"))) {
                DynamicMessage v = (DynamicMessage) o;
                String tag = (String) v.getField(value.findFieldByName("tag"));
                if (v.hasField(value.findFieldByName("histo"))) histograms.put(step, (DynamicMessage) v.getField(value.findFieldByName("histo")));
                else scalars.computeIfAbsent(step, k -> new LinkedHashMap<>()).put(tag, ((Float) v.getField(value.findFieldByName("simple_value"))).doubleValue());
            }
        }
        // every number of every metrics.jsonl line, as a float scalar at its step
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(4, lines.size());
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            long step = n.get("step").asLong();
            Map<String, Double> got = scalars.get(step);
            for (String k : List.of("loss", "lr", "logit_scale", "grad_norm", "samples_per_s", "data_wait", "epoch", "samples_seen")) {
                assertEquals((float) n.get(k).asDouble(), got.get("train/" + k).floatValue(), "train/" + k + " at step " + step);
            }
            if (step % 2 == 0) assertEquals((float) n.get("val_loss").asDouble(), got.get("eval/val_loss").floatValue(), 0f);
            else assertTrue(!got.containsKey("eval/val_loss"));
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), new ArrayList<>(scalars.keySet()));
        // weight norms every log-every steps: one value per parameter, the buckets hold them all
        assertEquals(List.of(2L, 4L), new ArrayList<>(histograms.keySet()));
        DynamicMessage h = histograms.get(4L);
        double num = (Double) h.getField(histo.findFieldByName("num"));
        int parameters = 0;
        try (var model = dev.jclip.core.model.ClipModel.create(TINY, 0)) {
            for (var p : model.parameters()) parameters++;
        }
        assertEquals(parameters, num);
        double counted = ((List<?>) h.getField(histo.findFieldByName("bucket"))).stream().mapToDouble(o -> (Double) o).sum();
        assertEquals(num, counted);
        List<?> limits = (List<?>) h.getField(histo.findFieldByName("bucket_limit"));
        assertEquals(h.getField(histo.findFieldByName("max")), limits.get(limits.size() - 1));
        assertTrue((Double) h.getField(histo.findFieldByName("min")) > 0);
    }

    @Test
    void jsonlAloneWritesNoEventFileAndUnknownTargetsAreRefused() throws Exception {
        Path run = tmp.resolve("plain");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3, "warmup", 1,
                "output", run.toString(), "checkpoint-every", 0);
        Trainer.builder().config(cfg).data(new SyntheticBatches(32, TINY.vision().imageSize(), TINY.text().contextLength(),
                TINY.text().vocabSize(), 8, 7)).interactive(false).build().fit();
        try (Stream<Path> s = Files.list(run)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("tfevents")));
        }
        ConfigException e = assertThrows(ConfigException.class, () -> cfg.with(Map.of("report-to", "wandb"), "t").validate());
        assertTrue(e.getMessage().contains("report-to takes jsonl and/or tensorboard"), e.getMessage());
    }
}
