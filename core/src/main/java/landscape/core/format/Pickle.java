package landscape.core.format;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import landscape.core.LandscapeException;

/**
 * A restricted interpreter for the pickle protocol (opcodes of protocols 2 to 5, the ones {@code torch.save} and
 * NumPy pickles use). It never imports or runs anything: a {@code GLOBAL} that is not in the caller's
 * {@link Vocabulary} is refused on the spot, and the accepted ones map to small Java factories that only build
 * data (records, lists, maps). Every length read from the stream is checked against the bytes that remain.
 *
 * <p>Values: None is {@code null}; bool {@link Boolean}; int {@link Long} (or {@link BigInteger} when wider);
 * float {@link Double}; str {@link String}; bytes and bytearray {@code byte[]}; tuple {@link Tuple}; list
 * {@link ArrayList}; dict {@link LinkedHashMap}; set {@link LinkedHashSet}; an accepted global {@link Global}.
 */
public final class Pickle {
    /** Pickles larger than this are refused before they are read. */
    public static final long MAX_BYTES = 1L << 30;
    private static final int MAX_GLOBAL_LINE = 512;
    private static final int MAX_LONG_BYTES = 64;
    private static final int HIGHEST_PROTOCOL = 5;

    private Pickle() {
    }

    /** A pickled tuple (immutable). */
    public record Tuple(List<Object> items) {
        public Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        public int size() {
            return items.size();
        }

        public Object get(int i) {
            return items.get(i);
        }
    }

    /** A global the vocabulary accepted, e.g. {@code torch.FloatStorage}, pushed as plain data. */
    public record Global(String module, String name) {
        public String qualified() {
            return module + "." + name;
        }
    }

    /** Builds the result of {@code REDUCE}/{@code NEWOBJ} on an accepted global from its arguments. */
    @FunctionalInterface
    public interface Factory {
        /** An accepted global that is data only (an argument, a storage type): calling it is an error. */
        Factory NOT_CALLABLE = args -> {
            throw new Invalid("this global is not callable here");
        };

        Object call(Tuple args);
    }

    /** An object built by a factory that takes its state from a {@code BUILD} opcode. */
    public interface Stateful {
        void setState(Object state);
    }

    /** Resolves a persistent id ({@code BINPERSID}) to an object, e.g. a torch storage reference. */
    @FunctionalInterface
    public interface PersistentLoader {
        Object load(Object pid);
    }

    /** Thrown by factories, state setters and loaders for malformed arguments; reported with the file's name. */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    /** The globals a kind of file may use (qualified name to factory), and its persistent-id loader (or null). */
    public record Vocabulary(Map<String, Factory> globals, PersistentLoader persistent) {
        public Vocabulary {
            globals = Map.copyOf(globals);
        }

        public Vocabulary plus(Vocabulary other) {
            Map<String, Factory> all = new HashMap<>(globals);
            all.putAll(other.globals);
            return new Vocabulary(all, persistent != null ? persistent : other.persistent);
        }
    }

    /**
     * Runs {@code bytes} to its STOP and returns the result. {@code source} names the file in error messages
     * ("file: problem").
     */
    public static Object load(byte[] bytes, Object source, Vocabulary vocabulary) {
        return new Machine(bytes, source, vocabulary).run();
    }

    /** A human name for a value's pickle type, for error messages. */
    public static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof Set) {
            return "set";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        return o.getClass().getSimpleName();
    }

    private static final class Machine {
        private final byte[] b;
        private final Object source;
        private final Vocabulary vocabulary;
        private final ArrayList<Object> stack = new ArrayList<>();
        private final ArrayList<Integer> marks = new ArrayList<>();
        private final HashMap<Long, Object> memo = new HashMap<>();
        private int pos;
        private int opAt;
        private int op;

        Machine(byte[] bytes, Object source, Vocabulary vocabulary) {
            if (bytes.length > MAX_BYTES) {
                throw LandscapeException.of(source, "pickle of " + bytes.length + " bytes exceeds the limit of " + MAX_BYTES);
            }
            this.b = bytes;
            this.source = source;
            this.vocabulary = vocabulary;
        }

        Object run() {
            try {
                while (true) {
                    opAt = pos;
                    op = u8();
                    if (op == '.') {
                        Object result = pop();
                        if (!stack.isEmpty() || !marks.isEmpty()) {
                            throw fail("pickle STOP with " + stack.size() + " values left on the stack");
                        }
                        return result;
                    }
                    step();
                }
            } catch (Invalid e) {
                throw fail(e.getMessage());
            } catch (ArithmeticException | ClassCastException | IllegalArgumentException e) {
                throw fail("malformed pickle (" + e.getMessage() + ")");
            }
        }

        private void step() {
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > HIGHEST_PROTOCOL) {
                        throw fail("unsupported pickle protocol " + p);
                    }
                }
                case 0x95 -> { // FRAME: a length hint only; checked, then ignored
                    long n = u64();
                    if (n > remaining()) {
                        throw fail("pickle frame of " + n + " bytes runs past the end (" + remaining() + " bytes remain)");
                    }
                }
                case '(' -> marks.add(stack.size());
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) s32());
                case 'K' -> push((long) u8());
                case 'M' -> push((long) u16());
                case 0x8a -> push(longBytes(u8())); // LONG1
                case 0x8b -> push(longBytes(length(s32()))); // LONG4
                case 'G' -> push(ByteBuffer.wrap(take(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'X' -> push(utf8(take(length(u32())))); // BINUNICODE
                case 0x8c -> push(utf8(take(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(take(length(u64())))); // BINUNICODE8
                case 'T' -> push(new String(take(length(s32())), StandardCharsets.ISO_8859_1)); // BINSTRING
                case 'U' -> push(new String(take(u8()), StandardCharsets.ISO_8859_1)); // SHORT_BINSTRING
                case 'B' -> push(take(length(u32()))); // BINBYTES
                case 'C' -> push(take(u8())); // SHORT_BINBYTES
                case 0x8e, 0x96 -> push(take(length(u64()))); // BINBYTES8, BYTEARRAY8
                case '}' -> push(new LinkedHashMap<Object, Object>());
                case ']' -> push(new ArrayList<Object>());
                case ')' -> push(new Tuple(List.of()));
                case 0x8f -> push(new LinkedHashSet<Object>()); // EMPTY_SET
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    push(putPairs(new LinkedHashMap<>(), items));
                }
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case 't' -> push(new Tuple(popMark()));
                case 0x85 -> push(new Tuple(popN(1)));
                case 0x86 -> push(new Tuple(popN(2)));
                case 0x87 -> push(new Tuple(popN(3)));
                case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark()))); // FROZENSET
                case 'a' -> { // APPEND
                    Object v = pop();
                    asList(peek(), "APPEND").add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    asList(peek(), "APPENDS").addAll(items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    Object top = peek();
                    if (!(top instanceof LinkedHashSet)) {
                        throw fail("ADDITEMS on a " + typeName(top));
                    }
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) top;
                    set.addAll(items);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    asMap(peek(), "SETITEM").put(key(k), v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    putPairs(asMap(peek(), "SETITEMS"), items);
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(u8()); // BINGET
                case 'j' -> memoGet(u32()); // LONG_BINGET
                case 'c' -> { // GLOBAL
                    String module = line();
                    String name = line();
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL needs two str, got " + typeName(module) + " and " + typeName(name));
                    }
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) {
                        throw fail("NEWOBJ_EX with keyword arguments is not supported");
                    }
                    push(call(cls, args));
                }
                case 'b' -> build(pop(), peek()); // BUILD
                case 'Q' -> { // BINPERSID
                    Object pid = pop();
                    if (vocabulary.persistent() == null) {
                        throw fail("pickle uses a persistent id, which this file type does not allow");
                    }
                    push(vocabulary.persistent().load(pid));
                }
                default -> throw fail(String.format("unsupported pickle opcode 0x%02x", op));
            }
        }

        private Global global(String module, String name) {
            String qualified = module + "." + name;
            if (!vocabulary.globals().containsKey(qualified)) {
                throw LandscapeException.of(source, "refused pickle global '" + printable(qualified) + "'");
            }
            return new Global(module, name);
        }

        private Object call(Object callable, Object args) {
            if (!(callable instanceof Global g)) {
                throw fail("cannot call a " + typeName(callable));
            }
            if (!(args instanceof Tuple t)) {
                throw fail("arguments to " + g.qualified() + " must be a tuple, got " + typeName(args));
            }
            try {
                return vocabulary.globals().get(g.qualified()).call(t);
            } catch (Invalid e) {
                throw fail(g.qualified() + ": " + e.getMessage());
            }
        }

        private void build(Object state, Object target) {
            if (target instanceof Stateful s) {
                s.setState(state);
            } else if (target instanceof Map<?, ?> && state instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<Object, Object> t = (Map<Object, Object>) target;
                t.putAll(m);
            } else {
                throw fail("BUILD on a " + typeName(target) + " is not supported");
            }
        }

        private Map<Object, Object> putPairs(Map<Object, Object> map, List<Object> items) {
            if (items.size() % 2 != 0) {
                throw fail("odd number of items for a dict");
            }
            for (int i = 0; i < items.size(); i += 2) {
                map.put(key(items.get(i)), items.get(i + 1));
            }
            return map;
        }

        private Object key(Object k) {
            if (!hashable(k)) {
                throw fail("unhashable dict key of type " + typeName(k));
            }
            return k;
        }

        /** Python's rule: lists, dicts and sets are unhashable, and so is a tuple holding one. */
        private static boolean hashable(Object k) {
            if (k instanceof List || k instanceof Map || k instanceof LinkedHashSet || k instanceof Stateful) {
                return false;
            }
            if (k instanceof Tuple t) {
                for (Object item : t.items()) {
                    if (!hashable(item)) {
                        return false;
                    }
                }
            }
            return true;
        }

        @SuppressWarnings("unchecked")
        private List<Object> asList(Object o, String what) {
            if (!(o instanceof ArrayList)) {
                throw fail(what + " on a " + typeName(o));
            }
            return (List<Object>) o;
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> asMap(Object o, String what) {
            if (!(o instanceof LinkedHashMap)) {
                throw fail(what + " on a " + typeName(o));
            }
            return (Map<Object, Object>) o;
        }

        private void memoPut(long index) {
            if (stack.isEmpty() || stack.size() == topMark()) {
                throw fail("memo put with an empty stack");
            }
            memo.put(index, peek());
        }

        private void memoGet(long index) {
            if (!memo.containsKey(index)) {
                throw fail("memo key " + index + " was never stored");
            }
            push(memo.get(index));
        }

        private void push(Object o) {
            stack.add(o);
        }

        private int topMark() {
            return marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        }

        private Object pop() {
            if (stack.size() <= topMark()) {
                throw fail("pickle stack underflow");
            }
            return stack.remove(stack.size() - 1);
        }

        private Object peek() {
            if (stack.size() <= topMark()) {
                throw fail("pickle stack underflow");
            }
            return stack.get(stack.size() - 1);
        }

        private List<Object> popN(int n) {
            if (stack.size() - topMark() < n) {
                throw fail("pickle stack underflow");
            }
            List<Object> sub = stack.subList(stack.size() - n, stack.size());
            List<Object> items = new ArrayList<>(sub);
            sub.clear();
            return items;
        }

        private List<Object> popMark() {
            if (marks.isEmpty()) {
                throw fail("pickle has no MARK to pop to");
            }
            int at = marks.remove(marks.size() - 1);
            List<Object> sub = stack.subList(at, stack.size());
            List<Object> items = new ArrayList<>(sub);
            sub.clear();
            return items;
        }

        private int remaining() {
            return b.length - pos;
        }

        private byte[] take(long n) {
            if (n < 0 || n > remaining()) {
                throw fail("pickle length " + n + " runs past the end (" + remaining() + " bytes remain)");
            }
            byte[] out = Arrays.copyOfRange(b, pos, pos + (int) n);
            pos += (int) n;
            return out;
        }

        private int u8() {
            if (remaining() < 1) {
                throw LandscapeException.of(source, "pickle ends without STOP (truncated?)");
            }
            return b[pos++] & 0xff;
        }

        private int u16() {
            byte[] x = take(2);
            return (x[0] & 0xff) | (x[1] & 0xff) << 8;
        }

        private int s32() {
            return ByteBuffer.wrap(take(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }

        private long u32() {
            return s32() & 0xffffffffL;
        }

        private long u64() {
            long v = ByteBuffer.wrap(take(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return v < 0 ? Long.MAX_VALUE : v;
        }

        private long length(long n) {
            if (n < 0 || n > remaining()) {
                throw fail("pickle length " + n + " runs past the end (" + remaining() + " bytes remain)");
            }
            return n;
        }

        private Object longBytes(long n) {
            if (n > MAX_LONG_BYTES) {
                throw fail("pickled int of " + n + " bytes is too large");
            }
            byte[] le = take(n);
            if (le.length == 0) {
                return 0L;
            }
            byte[] be = new byte[le.length];
            for (int i = 0; i < le.length; i++) {
                be[i] = le[le.length - 1 - i];
            }
            BigInteger v = new BigInteger(be);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }

        private String line() {
            int end = pos;
            while (end < b.length && b[end] != '\n') {
                if (end - pos > MAX_GLOBAL_LINE) {
                    throw fail("GLOBAL name longer than " + MAX_GLOBAL_LINE + " bytes");
                }
                end++;
            }
            if (end >= b.length) {
                throw fail("GLOBAL name runs past the end");
            }
            String s = utf8(Arrays.copyOfRange(b, pos, end));
            pos = end + 1;
            return s;
        }

        private String utf8(byte[] bytes) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // Python writes lone surrogates with 'surrogatepass'; keep going with replacement characters
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        private LandscapeException fail(String problem) {
            return LandscapeException.of(source, problem + String.format(" (pickle opcode 0x%02x at offset %d)", op, opAt));
        }

        private static String printable(String s) {
            StringBuilder out = new StringBuilder();
            s.codePoints().limit(200).forEach(c -> {
                if (c < 0x20 || c == 0x7f) {
                    out.append(String.format("\\x%02x", c));
                } else {
                    out.appendCodePoint(c);
                }
            });
            return out.toString();
        }
    }
}
