package landscape.core.format;

import java.nio.ByteBuffer;
import java.util.Locale;

/** Element types of the layer and checkpoint formats, with their names in safetensors, NumPy and PyTorch. */
public enum DType {
    F64(8, "F64", "<f8"),
    F32(4, "F32", "<f4"),
    F16(2, "F16", "<f2"),
    BF16(2, "BF16", null),
    I64(8, "I64", "<i8"),
    I32(4, "I32", "<i4"),
    U8(1, "U8", "|u1"),
    BOOL(1, "BOOL", "|b1");

    private final int size;
    private final String safetensorsName;
    private final String npyDescr;

    DType(int size, String safetensorsName, String npyDescr) {
        this.size = size;
        this.safetensorsName = safetensorsName;
        this.npyDescr = npyDescr;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    public String safetensorsName() {
        return safetensorsName;
    }

    /** NumPy descr string, little-endian; null where NumPy has no such type (BF16). */
    public String npyDescr() {
        return npyDescr;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The safetensors name ("F32"), or null if unknown. */
    public static DType fromSafetensors(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** A NumPy descr ("<f4", "|b1"), or null if unsupported. "=" and "|" prefixes count as little-endian here. */
    public static DType fromNpy(String descr) {
        String d = descr;
        if (d.length() == 3 && (d.charAt(0) == '=' || d.charAt(0) == '|' || d.charAt(0) == '<')) {
            d = d.substring(1);
        }
        for (DType t : values()) {
            if (t.npyDescr != null && t.npyDescr.substring(1).equals(d)) {
                return t;
            }
        }
        return null;
    }

    /** Lower-case name for JSON and logs ("f32"). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DType fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }

    /** Element {@code index} of a little-endian buffer as a double (absolute read, buffer position untouched). */
    public double getDouble(ByteBuffer b, long index) {
        int at = Math.toIntExact(index * size);
        return switch (this) {
            case F64 -> b.getDouble(at);
            case F32 -> b.getFloat(at);
            case F16 -> halfToFloat(b.getShort(at));
            case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            case I64 -> b.getLong(at);
            case I32 -> b.getInt(at);
            case U8 -> b.get(at) & 0xff;
            case BOOL -> b.get(at) != 0 ? 1 : 0;
        };
    }

    /** Element {@code index} as a float (F64 is rounded). */
    public float getFloat(ByteBuffer b, long index) {
        int at = Math.toIntExact(index * size);
        return switch (this) {
            case F32 -> b.getFloat(at);
            case F16 -> halfToFloat(b.getShort(at));
            case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            default -> (float) getDouble(b, index);
        };
    }

    /** Writes {@code v} as element {@code index} (absolute). F16/BF16 round to nearest even. */
    public void putDouble(ByteBuffer b, long index, double v) {
        int at = Math.toIntExact(index * size);
        switch (this) {
            case F64 -> b.putDouble(at, v);
            case F32 -> b.putFloat(at, (float) v);
            case F16 -> b.putShort(at, floatToHalf((float) v));
            case BF16 -> b.putShort(at, floatToBf16((float) v));
            case I64 -> b.putLong(at, (long) v);
            case I32 -> b.putInt(at, (int) v);
            case U8 -> b.put(at, (byte) (int) v);
            case BOOL -> b.put(at, (byte) (v != 0 ? 1 : 0));
            default -> throw new IllegalStateException("no writer for " + this);
        }
    }

    /** float32 to bfloat16 bits, round to nearest even; NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE 754 binary16 bits to float (exact). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to IEEE 754 binary16 bits, round to nearest even, overflow to infinity. */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        if (Float.isNaN(f)) {
            return (short) (sign | 0x7e00);
        }
        float a = Math.abs(f);
        if (a >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14f) {
            // subnormal (or zero): value / 2^-24, rounded to nearest even
            int m = Math.round(a * 0x1p24f);
            float exact = a * 0x1p24f;
            if (Math.abs(exact - Math.floor(exact) - 0.5f) == 0f && (m & 1) == 1) {
                m -= 1;
            }
            return (short) (sign | m);
        }
        int e = ((bits >>> 23) & 0xff) - 112;
        int mant = bits & 0x7fffff;
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half += 1;
        }
        return (short) (sign | half);
    }
}
