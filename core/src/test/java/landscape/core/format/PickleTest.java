package landscape.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipFile;
import landscape.core.LandscapeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PickleTest {
    private static final Pickle.Vocabulary NOTHING = new Pickle.Vocabulary(Map.of(), null);

    private static Object load(byte[] b) {
        return Pickle.load(b, "test.pkl", NOTHING);
    }

    private static String error(byte[] b, Pickle.Vocabulary v) {
        return assertThrows(LandscapeException.class, () -> Pickle.load(b, "test.pkl", v)).getMessage();
    }

    @Test
    void scalarsDecode() {
        PickleWriter w = new PickleWriter().proto(4).op(0x95).raw(PickleWriter.le(8, 0)).mark()
                .none().bool(true).bool(false).integer(200).integer(60000).op('J').raw(PickleWriter.le(4, -5))
                .op(0x8a).op(0).op(0x8a).op(1).op(0xff).op(0x8a).op(9).raw(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 1})
                .binfloat(0.745).str("héllo 😀").op('C').op(2).raw((byte) 1, (byte) 2)
                .tuple().stop();
        Pickle.Tuple t = (Pickle.Tuple) load(w.toBytes());
        assertNull(t.get(0));
        assertEquals(Boolean.TRUE, t.get(1));
        assertEquals(Boolean.FALSE, t.get(2));
        assertEquals(200L, t.get(3));
        assertEquals(60000L, t.get(4));
        assertEquals(-5L, t.get(5));
        assertEquals(0L, t.get(6));
        assertEquals(-1L, t.get(7));
        assertEquals(BigInteger.ONE.shiftLeft(64), t.get(8));
        assertEquals(0.745, t.get(9));
        assertEquals("héllo 😀", t.get(10));
        assertArrayEquals(new byte[] {1, 2}, (byte[]) t.get(11));
    }

    @Test
    void containersAndMemoDecode() {
        // {'a': [1, 2, 'x'], 'b': (x, x)} where x is the same list via the memo
        byte[] b = new PickleWriter().proto(2).emptyDict().memoize()
                .mark().str("a").emptyList().memoize().mark().integer(1).integer(2).str("x").appends()
                .str("b").binget(1).binget(1).op(0x86).setitems().stop().toBytes();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) load(b);
        assertEquals(List.of(1L, 2L, "x"), m.get("a"));
        Pickle.Tuple pair = (Pickle.Tuple) m.get("b");
        assertSame(m.get("a"), pair.get(0));
        assertSame(pair.get(0), pair.get(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"os.system", "posix.system", "builtins.eval", "subprocess.Popen", "torch.load"})
    void unlistedGlobalIsRefusedByNameBeforeAnythingElse(String global) {
        String module = global.substring(0, global.lastIndexOf('.'));
        String name = global.substring(global.lastIndexOf('.') + 1);
        // the refused global is followed by garbage: the refusal comes first, and names the global
        byte[] viaGlobal = new PickleWriter().proto(2).global(module, name).op(0xff).toBytes();
        byte[] viaStack = new PickleWriter().proto(4).stackGlobal(module, name).op(0xff).toBytes();
        assertEquals("test.pkl: refused pickle global '" + global + "'", error(viaGlobal, PickledNumpy.VOCABULARY));
        assertEquals("test.pkl: refused pickle global '" + global + "'", error(viaStack, TorchPt.VOCABULARY));
    }

    @Test
    void lengthsAreCheckedAgainstTheRemainingBytes() {
        byte[] hugeString = new PickleWriter().proto(2).op('X').raw(PickleWriter.le(4, 0x7fffffff)).raw("abc".getBytes()).toBytes();
        assertTrue(error(hugeString, NOTHING).contains("pickle length 2147483647 runs past the end (3 bytes remain)"));
        byte[] hugeBytes8 = new PickleWriter().proto(4).op(0x8e).raw(PickleWriter.le(8, -1)).toBytes();
        assertTrue(error(hugeBytes8, NOTHING).contains("runs past the end"));
        byte[] hugeFrame = new PickleWriter().proto(4).op(0x95).raw(PickleWriter.le(8, 1L << 40)).stop().toBytes();
        assertTrue(error(hugeFrame, NOTHING).contains("frame of 1099511627776 bytes runs past the end"));
        byte[] shortInt = new PickleWriter().proto(2).op('J').raw((byte) 1, (byte) 2).toBytes();
        assertTrue(error(shortInt, NOTHING).contains("runs past the end"));
        byte[] hugeLong = new PickleWriter().proto(2).op(0x8b).raw(PickleWriter.le(4, 1 << 30)).toBytes();
        assertTrue(error(hugeLong, NOTHING).contains("runs past the end"));
    }

    @Test
    void malformedStreamsGiveOneLineErrors() {
        assertTrue(error(new PickleWriter().proto(2).integer(1).toBytes(), NOTHING).contains("ends without STOP"));
        assertTrue(error(new PickleWriter().proto(2).op('i').toBytes(), NOTHING).contains("unsupported pickle opcode 0x69"));
        assertTrue(error(new PickleWriter().proto(9).stop().toBytes(), NOTHING).contains("unsupported pickle protocol 9"));
        assertTrue(error(new PickleWriter().proto(2).binget(7).stop().toBytes(), NOTHING).contains("memo key 7 was never stored"));
        assertTrue(error(new PickleWriter().proto(2).stop().toBytes(), NOTHING).contains("stack underflow"));
        assertTrue(error(new PickleWriter().proto(2).integer(1).integer(2).stop().toBytes(), NOTHING).contains("values left"));
        assertTrue(error(new PickleWriter().proto(2).str("print").emptyTuple().reduce().stop().toBytes(), NOTHING)
                .contains("cannot call a str"));
        assertTrue(error(new PickleWriter().proto(2).integer(1).str("k").integer(2).setitem().stop().toBytes(), NOTHING)
                .contains("SETITEM on a int"));
        assertTrue(error(new PickleWriter().proto(2).op('Q').stop().toBytes(), NOTHING).contains("stack underflow"));
        assertTrue(error(new PickleWriter().proto(2).str("pid").op('Q').stop().toBytes(), NOTHING).contains("persistent id"));
        for (byte[] b : List.of(new PickleWriter().proto(2).op('e').stop().toBytes(), new byte[0])) {
            String msg = error(b, NOTHING);
            assertTrue(msg.startsWith("test.pkl: ") && !msg.contains("\n"), msg);
        }
    }

    @Test
    void selfReferenceAsDictKeyIsRefusedWithoutRecursing() {
        // l = []; l.append(l); {(l,): 1}
        byte[] keyed = new PickleWriter().proto(2).emptyDict().emptyList().memoize().binget(0).op('a').op(0x85)
                .integer(1).setitem().stop().toBytes();
        assertTrue(error(keyed, NOTHING).contains("unhashable dict key of type tuple"));
    }

    @Test
    void dataOnlyGlobalCannotBeCalled() {
        byte[] b = new PickleWriter().proto(2).global("numpy", "ndarray").emptyTuple().reduce().stop().toBytes();
        assertTrue(error(b, PickledNumpy.VOCABULARY).contains("numpy.ndarray: this global is not callable here"));
    }

    @Test
    void numpyArraysOfBothModuleNamesDecode() {
        for (String multiarray : List.of("numpy.core.multiarray", "numpy._core.multiarray")) {
            byte[] raw = new byte[8 * 3];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putDouble(1.5).putDouble(-2).putDouble(1e300);
            byte[] b = new PickleWriter().proto(4).numpyArray(multiarray, "f8", 8, new long[] {3}, raw).stop().toBytes();
            PickledNumpy.Array a = (PickledNumpy.Array) Pickle.load(b, "x", PickledNumpy.VOCABULARY);
            assertArrayEquals(new long[] {3}, a.shape());
            assertArrayEquals(new double[] {1.5, -2, 1e300}, a.tensor().toDoubleArray());
        }
    }

    @Test
    void numpyArrayWhoseBytesDoNotMatchItsShapeIsRefused() {
        byte[] b = new PickleWriter().proto(4).numpyArray("numpy._core.multiarray", "f8", 8, new long[] {3}, new byte[16])
                .stop().toBytes();
        assertTrue(error(b, PickledNumpy.VOCABULARY).contains("needs 24 bytes, the pickle holds 16"));
        byte[] obj = new PickleWriter().proto(4).stackGlobal("numpy._core.multiarray", "_reconstruct")
                .stackGlobal("numpy", "ndarray").integer(0).op(0x85).op('C').op(1).raw((byte) 'b').op(0x87).reduce()
                .stackGlobal("numpy", "dtype").str("O8").bool(false).bool(true).op(0x87).reduce().stop().toBytes();
        assertTrue(error(obj, PickledNumpy.VOCABULARY).contains("unsupported NumPy dtype 'O8'"));
    }

    /** Loads a mutated stream: it either parses or fails with a LandscapeException, never with anything else. */
    private static void loadOrRefuse(byte[] b, Pickle.Vocabulary v) {
        try {
            Object o = Pickle.load(b, "fuzz.pkl", v);
            if (o instanceof Map<?, ?>) {
                ReferenceStatistics.of("fuzz.pkl", o);
            }
            if (o instanceof TorchPt.TensorRef ref) {
                long bytes = Math.multiplyExact(ref.storage().numel(), (long) ref.dtype().size());
                if (bytes < 1 << 20) {
                    TorchPt.materialise(Path.of("fuzz.pt"), ref, new byte[(int) bytes]);
                }
            }
        } catch (LandscapeException e) {
            assertTrue(e.getMessage().startsWith("fuzz.pkl: ") && !e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void truncatedOrMutatedGoldenPicklesFailCleanly() throws Exception {
        Path formats = TorchPtTest.formats();
        byte[] stats = Files.readAllBytes(formats.resolve("statistics_target.pkl"));
        byte[] tensor;
        try (ZipFile z = new ZipFile(formats.resolve("l7_target.pt").toFile())) {
            tensor = z.getInputStream(z.getEntry("l7_target/data.pkl")).readAllBytes();
        }
        Random r = new Random(42);
        for (Object[] c : new Object[][] {{stats, PickledNumpy.VOCABULARY}, {tensor, TorchPt.VOCABULARY}}) {
            byte[] good = (byte[]) c[0];
            Pickle.Vocabulary v = (Pickle.Vocabulary) c[1];
            for (int cut = 0; cut < good.length; cut += good.length > 1000 ? 13 : 1) {
                byte[] b = Arrays.copyOf(good, cut);
                assertThrows(LandscapeException.class, () -> Pickle.load(b, "fuzz.pkl", v));
            }
            for (int i = 0; i < 2000; i++) {
                byte[] b = good.clone();
                int flips = 1 + r.nextInt(3);
                for (int k = 0; k < flips; k++) {
                    // mutate the structure (opcodes and small arguments), not the bulk data: in the statistics
                    // pickle that is its head, the two array headers and its tail
                    int[][] regions = good == stats
                            ? new int[][] {{0, 400}, {7829, 7970}, {10372, 10430}, {12832, good.length}}
                            : new int[][] {{0, good.length}};
                    int[] reg = regions[r.nextInt(regions.length)];
                    int at = reg[0] + r.nextInt(reg[1] - reg[0]);
                    b[at] = (byte) r.nextInt(256);
                }
                loadOrRefuse(b, v);
            }
        }
    }
}
