package landscape.core.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class DTypeTest {
    private static short bf16(int bits) {
        return DType.floatToBf16(Float.intBitsToFloat(bits));
    }

    private static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    @Test
    void everyNonNanHalfRoundTripsExactly() {
        int checked = 0;
        for (int h = 0; h < 0x10000; h++) {
            float f = DType.halfToFloat((short) h);
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            assertEquals(nan, Float.isNaN(f), "half " + Integer.toHexString(h));
            if (!nan) {
                assertEquals(h, DType.floatToHalf(f) & 0xffff, "half " + Integer.toHexString(h) + " -> " + f);
                checked++;
            }
        }
        assertEquals(65536 - 2 * 1023, checked);
    }

    @Test
    void halfRoundsToNearestEven() {
        assertEquals(0x3c00, DType.floatToHalf(1f + 0x1p-11f) & 0xffff); // tie, down to even
        assertEquals(0x3c02, DType.floatToHalf(1f + 3 * 0x1p-11f) & 0xffff); // tie, up to even
        assertEquals(0x3c01, DType.floatToHalf(1f + 0x1p-11f + 0x1p-20f) & 0xffff); // above the tie
        assertEquals(0x7bff, DType.floatToHalf(65504f) & 0xffff); // largest finite
        assertEquals(0x7bff, DType.floatToHalf(65519.996f) & 0xffff);
        assertEquals(0x7c00, DType.floatToHalf(65520f) & 0xffff); // rounds to infinity
        assertEquals(0xfc00, DType.floatToHalf(Float.NEGATIVE_INFINITY) & 0xffff);
        assertEquals(0x0001, DType.floatToHalf(0x1p-24f) & 0xffff); // smallest subnormal
        assertEquals(0x0000, DType.floatToHalf(0x1p-25f) & 0xffff); // tie with zero: even
        assertEquals(0x0002, DType.floatToHalf(3 * 0x1p-25f) & 0xffff); // tie: up to even
        assertEquals(0x0400, DType.floatToHalf(0x1p-14f - 0x1p-26f) & 0xffff); // subnormal rounds up to the smallest normal
        assertEquals(0x8000, DType.floatToHalf(-0f) & 0xffff);
        assertTrue(Float.isNaN(DType.halfToFloat(DType.floatToHalf(Float.NaN))));
    }

    @Test
    void everyNonNanBf16RoundTripsExactly() {
        for (int b = 0; b < 0x10000; b++) {
            float f = fromBf16((short) b);
            if (!Float.isNaN(f)) {
                assertEquals(b, DType.floatToBf16(f) & 0xffff, Integer.toHexString(b));
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals(0x3f80, bf16(0x3f800000) & 0xffff); // 1.0 exact
        assertEquals(0x3f80, bf16(0x3f808000) & 0xffff); // tie, lower is even: down
        assertEquals(0x3f82, bf16(0x3f818000) & 0xffff); // tie, lower is odd: up
        assertEquals(0x3f81, bf16(0x3f808001) & 0xffff); // just above the tie: up
        assertEquals(0x3f80, bf16(0x3f807fff) & 0xffff); // just below the tie: down
        assertEquals(0xbf82, bf16(0xbf818000) & 0xffff); // sign does not change the rule
        assertEquals(0x7f80, bf16(0x7f7fffff) & 0xffff); // float max rounds to infinity
        assertEquals(0x7f80, DType.floatToBf16(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0x8000, DType.floatToBf16(-0f) & 0xffff);
        assertEquals(0x0001, bf16(0x00010000) & 0xffff); // subnormals keep their top bits
        assertTrue(Float.isNaN(fromBf16(DType.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(fromBf16(bf16(0x7f800001)))); // a NaN whose payload is only in the low bits stays NaN
        // golden bf16 values: 3.703125 is exactly representable
        assertEquals(3.703125f, fromBf16(DType.floatToBf16(3.703125f)));
        assertEquals(-3.109375f, fromBf16(DType.floatToBf16(-3.1059038639068604f)));
    }

    @Test
    void dtypeGettersDecodeHalfFormats() {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        DType.F16.putDouble(b, 0, 1.5);
        DType.BF16.putDouble(b, 1, -2.25);
        assertEquals(1.5, DType.F16.getDouble(b, 0));
        assertEquals(-2.25f, DType.BF16.getFloat(b, 1));
    }
}
