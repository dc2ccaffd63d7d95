package landscape.core.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Emits pickle opcodes by hand, so tests can build exactly the streams (good and hostile) they need. */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    PickleWriter proto(int p) {
        return op(0x80).op(p);
    }

    PickleWriter mark() {
        return op('(');
    }

    PickleWriter stop() {
        return op('.');
    }

    PickleWriter global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    /** BININT1 / BININT2 / BININT, or LONG1 for anything wider. */
    PickleWriter integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K').op((int) v);
        }
        if (v >= 0 && v < 65536) {
            return op('M').raw(le(2, v));
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return op('J').raw(le(4, v));
        }
        return op(0x8a).op(8).raw(le(8, v));
    }

    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length < 256) {
            return op(0x8c).op(b.length).raw(b);
        }
        return op('X').raw(le(4, b.length)).raw(b);
    }

    PickleWriter bytes(byte[] b) {
        return op('B').raw(le(4, b.length)).raw(b);
    }

    PickleWriter binfloat(double d) {
        return op('G').raw(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(d).array());
    }

    PickleWriter bool(boolean v) {
        return op(v ? 0x88 : 0x89);
    }

    PickleWriter none() {
        return op('N');
    }

    PickleWriter tuple() {
        return op('t');
    }

    PickleWriter tupleOf(long... values) {
        mark();
        for (long v : values) {
            integer(v);
        }
        return tuple();
    }

    PickleWriter emptyDict() {
        return op('}');
    }

    PickleWriter emptyList() {
        return op(']');
    }

    PickleWriter emptyTuple() {
        return op(')');
    }

    PickleWriter reduce() {
        return op('R');
    }

    PickleWriter build() {
        return op('b');
    }

    PickleWriter setitem() {
        return op('s');
    }

    PickleWriter setitems() {
        return op('u');
    }

    PickleWriter appends() {
        return op('e');
    }

    PickleWriter memoize() {
        return op(0x94);
    }

    PickleWriter binget(int i) {
        return op('h').op(i);
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    static byte[] le(int n, long v) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** The pickle torch.save writes for one tensor: a view (offset, size, stride) on storage "0" of a type. */
    static byte[] torchTensor(String storageType, long numel, long offset, long[] size, long[] stride) {
        return new PickleWriter().proto(2)
                .global("torch._utils", "_rebuild_tensor_v2")
                .mark()
                .mark().str("storage").global("torch", storageType).str("0").str("cpu").integer(numel).tuple()
                .op('Q')
                .integer(offset).tupleOf(size).tupleOf(stride).bool(false)
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .tuple().reduce().stop().toBytes();
    }

    /** A NumPy array as ndarray.__reduce__ pickles it, with the numpy >= 2 ({@code _core}) or numpy < 2 module name. */
    PickleWriter numpyArray(String multiarray, String descr, int elsize, long[] shape, byte[] raw) {
        stackGlobal(multiarray, "_reconstruct").stackGlobal("numpy", "ndarray").integer(0).op(0x85)
                .op('C').op(1).raw((byte) 'b').op(0x87).reduce();
        mark().integer(1).tupleOf(shape);
        stackGlobal("numpy", "dtype").str(descr).bool(false).bool(true).op(0x87).reduce();
        String order = descr.startsWith("S") || descr.startsWith("u1") || descr.startsWith("b1") ? "|" : "<";
        mark().integer(3).str(order).none().none().none().integer(elsize).integer(descr.startsWith("U") ? 4 : 1)
                .integer(8).tuple().build();
        bool(false).bytes(raw).tuple().build();
        return this;
    }
}
