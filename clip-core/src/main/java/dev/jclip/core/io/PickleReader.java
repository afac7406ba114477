package dev.jclip.core.io;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader for the pickles inside PyTorch checkpoints. It understands the binary opcodes of pickle
 * protocols 2 to 4 and exactly the globals a state dict uses: {@code collections.OrderedDict}, torch's tensor and
 * parameter rebuild functions, torch storage classes (through persistent ids) and TorchScript's list/type-tag
 * helpers. With {@code scriptObjects} on, classes under {@code __torch__.} (TorchScript modules) become
 * {@link ScriptObject}s whose BUILD state is recorded, never instantiated.
 * <p>
 * Nothing is ever called or imported: any other global (for example {@code os.system} or
 * {@code builtins.eval}) is an error naming it as soon as the GLOBAL opcode is read. Tensors come back as
 * {@link TensorRef}s describing a view of a storage; reading the bytes is the caller's business.
 * <p>
 * Values: dicts are {@link LinkedHashMap}, lists {@link ArrayList}, tuples {@link Tuple}, ints {@link Long}
 * (or {@link BigInteger} when larger), floats {@link Double}, strings {@link String}, bytes {@code byte[]},
 * booleans {@link Boolean}, None null.
 */
public final class PickleReader {

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Object get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }

        /** Not the items: a deep or self-referencing tuple would overflow the stack. */
        @Override
        public String toString() {
            return "tuple of " + items.size();
        }
    }

    /** One torch storage: the archive entry {@code data/<key>} holding {@code numel} elements of {@code type}. */
    public record StorageRef(String key, TensorType type, String location, long numel) {
    }

    /** A tensor: a strided view ({@code shape}, {@code stride} in elements, {@code offset}) of a storage. */
    public record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
        @Override
        public String toString() {
            return "Tensor(" + storage.type() + Arrays.toString(shape) + ", storage " + storage.key() + ")";
        }
    }

    /** A TorchScript object (a module): its class name and the attribute state from its BUILD opcode. */
    public static final class ScriptObject {
        private final String className;
        private Object state;

        ScriptObject(String className) {
            this.className = className;
        }

        public String className() {
            return className;
        }

        /** Usually a map from attribute name to value (submodules, tensors, ints...). */
        public Object state() {
            return state;
        }

        @Override
        public String toString() {
            return "ScriptObject(" + className + ")";
        }
    }

    /** A global the reader knows: a callable it imitates or a class it treats as data. */
    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Set<String> FUNCTIONS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch.jit._pickle.restore_type_tag",
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensorlist");

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final byte[] data;
    private final String source;
    private final boolean scriptObjects;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();
    private final long maxValues = Limits.PICKLE_VALUES.get();
    private long values;
    private int pos;

    /**
     * @param data          the pickle bytes
     * @param source        names the file (and entry) in error messages
     * @param scriptObjects whether {@code __torch__.} classes are accepted as opaque objects (TorchScript archives)
     */
    public PickleReader(byte[] data, String source, boolean scriptObjects) {
        this.data = data;
        this.source = source;
        this.scriptObjects = scriptObjects;
    }

    /** Reads the pickle up to STOP and returns its value. */
    public Object load() {
        while (true) {
            if (pos >= data.length) throw error("pickle ends without STOP");
            int at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) throw error("unsupported pickle protocol " + proto);
                }
                case 0x95 -> bytes(8); // FRAME: a length hint only
                case '.' -> {
                    if (stack.size() != 1) throw error("STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case '(' -> marks.push(stack.size());
                case '}' -> push(new LinkedHashMap<>());
                case ']' -> push(new ArrayList<>());
                case ')' -> push(new Tuple(List.of()));
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(new Tuple(Arrays.asList(pop()))); // not List.of: the item may be None (null)
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b)));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b, c)));
                }
                case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Set<Object> set = asSet(peek());
                    for (Object item : items) set.add(key(item));
                }
                case 'X' -> push(utf8(length(u32())));
                case 0x8c -> push(utf8(u8()));
                case 0x8d -> push(utf8(length(i64())));
                case 'T' -> push(latin1(length(u32())));
                case 'U' -> push(latin1(u8()));
                case 'B' -> push(bytes(length(u32())));
                case 'C' -> push(bytes(u8()));
                case 0x8e -> push(bytes(length(i64()))); // BINBYTES8
                case 'J' -> push((long) i32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | (u8() << 8)));
                case 0x8a -> push(longFrom(bytes(u8())));
                case 0x8b -> push(longFrom(bytes(length(u32()))));
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'N' -> push(null);
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put((long) u32(), peek());
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(u32()));
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(key(k), v);
                }
                case 'u' -> {
                    List<Object> kv = popMark();
                    if (kv.size() % 2 != 0) throw error("SETITEMS with an odd number of values");
                    Map<Object, Object> m = asMap(peek());
                    for (int i = 0; i < kv.size(); i += 2) m.put(key(kv.get(i)), kv.get(i + 1));
                }
                case 'a' -> {
                    Object v = pop();
                    asList(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'c' -> push(global(line(), line()));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw error("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 'R' -> {
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, args));
                }
                case 'b' -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case 'Q' -> push(persistent(pop()));
                default -> throw new CheckpointException(source + ": unsupported pickle opcode 0x"
                        + Integer.toHexString(op) + " at byte " + at);
            }
        }
    }

    /** Resolves a GLOBAL: only known torch/collections names; anything else is refused here, before any use. */
    private Object global(String module, String name) {
        String q = module + "." + name;
        if (FUNCTIONS.contains(q)) return new Global(module, name);
        if (module.equals("torch")) {
            TensorType t = TensorType.fromTorchStorage(name);
            if (t != null) return t;
        }
        if (scriptObjects && isScriptModule(module)) return new Global(module, name);
        throw error("refusing global '" + q + "': only PyTorch state-dict types are allowed, nothing is imported or called");
    }

    /** TorchScript's namespace for compiled classes: {@code __torch__} and its submodules. */
    private static boolean isScriptModule(String module) {
        return module.equals("__torch__") || module.startsWith("__torch__.");
    }

    private Object reduce(Object callable, Object argsObj) {
        if (!(callable instanceof Global g)) throw error("REDUCE on a non-callable " + describe(callable));
        Tuple args = asTuple(argsObj, g);
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof Tuple t) || t.size() != 2) throw error("OrderedDict item is not a pair");
                        m.put(key(t.get(0)), t.get(1));
                    }
                } else if (args.size() != 0) {
                    throw error("OrderedDict with unexpected arguments");
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                if (args.size() < 4) throw error(g.qualified() + " with " + args.size() + " arguments");
                if (!(args.get(0) instanceof StorageRef s)) throw error(g.qualified() + ": first argument is not a storage");
                long offset = asLong(args.get(1), "storage offset");
                long[] shape = longs(args.get(2), "size");
                long[] stride = longs(args.get(3), "stride");
                if (shape.length != stride.length) throw error("tensor with size " + Arrays.toString(shape)
                        + " but stride " + Arrays.toString(stride));
                return new TensorRef(s, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (args.size() < 1 || !(args.get(0) instanceof TensorRef t)) throw error(g.qualified() + " without a tensor");
                return t;
            }
            case "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist",
                    "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist",
                    "torch.jit._pickle.build_tensorlist" -> {
                if (args.size() < 1) throw error(g.qualified() + " without arguments");
                return args.get(0);
            }
            default -> {
                if (scriptObjects && isScriptModule(g.module())) return new ScriptObject(g.qualified());
                throw error("refusing to call '" + g.qualified() + "'");
            }
        }
    }

    private Object newObject(Object cls, Object args) {
        if (cls instanceof Global g && scriptObjects && isScriptModule(g.module())) {
            return new ScriptObject(g.qualified());
        }
        throw error("refusing to instantiate " + describe(cls));
    }

    private void build(Object target, Object state) {
        if (target instanceof ScriptObject o) {
            o.state = state;
        } else if (target instanceof Map<?, ?> || target instanceof TensorRef) {
            // OrderedDict's instance dict (torch's _metadata versions) or tensor extras: not needed for weights.
        } else {
            throw error("BUILD on unsupported object " + describe(target));
        }
    }

    /** A persistent id: torch's ('storage', StorageClass, key, location, numel). Same key, same storage. */
    private Object persistent(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw error("unsupported persistent id " + describe(pid));
        }
        if (!(t.get(1) instanceof TensorType type)) throw error("persistent id without a storage class: " + describe(t.get(1)));
        if (!(t.get(2) instanceof String key)) throw error("persistent id with a non-string key");
        String location = String.valueOf(t.get(3));
        long numel = asLong(t.get(4), "storage size");
        if (numel < 0) throw error("storage '" + key + "' with negative size " + numel);
        StorageRef existing = storages.get(key);
        if (existing != null) {
            if (existing.type() != type || existing.numel() != numel) {
                throw error("storage '" + key + "' declared as both " + existing.type() + "[" + existing.numel()
                        + "] and " + type + "[" + numel + "]");
            }
            return existing;
        }
        StorageRef s = new StorageRef(key, type, location, numel);
        storages.put(key, s);
        return s;
    }

    // ---- stack and input helpers ----

    /** Counts every value against {@link Limits#PICKLE_VALUES}: the tree's heap stays bounded, whatever the bytes. */
    private void push(Object o) {
        if (++values > maxValues) throw error("reading it: " + Limits.PICKLE_VALUES.explain(values));
        stack.add(o);
    }

    /**
     * A dict key or set item: a string, number, boolean or None. Hashing anything else would recurse through
     * the value (a deep or self-referencing tuple or list: exponential time, or a stack overflow); state
     * dicts and TorchScript modules only use strings and ints.
     */
    private Object key(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double
                || k instanceof BigInteger) {
            return k;
        }
        throw error("a dict key or set item of type " + describe(k) + ": only strings, numbers, booleans and None are accepted");
    }

    private Object pop() {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.peek() == stack.size())) throw error("stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) throw error("stack underflow");
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw error("no MARK on the stack");
        int m = marks.pop();
        List<Object> sub = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(sub);
        sub.clear();
        return items;
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw error("memo entry " + key + " read before written");
        return memo.get(key);
    }

    private int u8() {
        if (pos >= data.length) throw error("unexpected end of pickle");
        return data[pos++] & 0xff;
    }

    private int i32() {
        byte[] b = bytes(4);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long i64() {
        return ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** A declared length, refused when the pickle is shorter (a lying length never allocates). */
    private int length(long n) {
        if (n < 0 || n > data.length - pos) throw error("length " + n + " runs past the end of the pickle");
        return (int) n;
    }

    private byte[] bytes(int n) {
        if (n > data.length - pos) throw error("unexpected end of pickle");
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) {
        return new String(bytes(n), StandardCharsets.ISO_8859_1);
    }

    private String line() {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') pos++;
        if (pos >= data.length) throw error("unterminated GLOBAL name");
        String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    /** Pickle's LONG1/LONG4: little-endian two's complement. */
    private static Object longFrom(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private long asLong(Object o, String what) {
        if (o instanceof Long l) return l;
        throw error(what + " is not an integer: " + describe(o));
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t)) throw error(what + " is not a tuple: " + describe(o));
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(t.get(i), what);
        return out;
    }

    private Tuple asTuple(Object o, Global g) {
        if (o instanceof Tuple t) return t;
        throw error("arguments of " + g.qualified() + " are not a tuple");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) {
        if (o instanceof Map<?, ?> m) return (Map<Object, Object>) m;
        throw error("SETITEM on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw error("APPEND on " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> asSet(Object o) {
        if (o instanceof Set<?> s) return (Set<Object>) s;
        throw error("ADDITEMS on " + describe(o));
    }

    private static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof Global g) return g.qualified();
        return o.getClass().getSimpleName();
    }

    private CheckpointException error(String message) {
        return new CheckpointException(source + ": " + message + " (pickle byte " + pos + ")");
    }
}
