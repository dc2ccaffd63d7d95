package landscape.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import landscape.core.cli.UsageError;
import org.junit.jupiter.api.Test;

class SizesTest {

    @Test
    void binaryUnitsWithOrWithoutBAndIb() {
        assertEquals(80L << 30, Sizes.parse("--x", "80G"));
        assertEquals(80L << 30, Sizes.parse("--x", "80gb"));
        assertEquals(80L << 30, Sizes.parse("--x", " 80GiB "));
        assertEquals(512L << 20, Sizes.parse("--x", "512M"));
        assertEquals(3L << 29, Sizes.parse("--x", "1.5G"));
        assertEquals(64L << 10, Sizes.parse("--x", "64k"));
        assertEquals(1073741824L, Sizes.parse("--x", "1073741824"));
    }

    @Test
    void anythingElseIsAUsageErrorNamingTheOption() {
        for (String bad : new String[] {"lots", "", "G", "-1G", "0", "1e400"}) {
            UsageError e = assertThrows(UsageError.class, () -> Sizes.parse("--memory-budget", bad), bad);
            assertEquals("--memory-budget: expected a positive size like 80G, 512M or 1.5G, got '" + bad + "'",
                    e.getMessage());
        }
    }

    /**
     * Only a decimal number and a unit, as the pipeline's schema takes them: Java's number syntax ("1e1", "80d",
     * "0x1p3") read as a few bytes, and a fraction of a byte ("0.5") as a budget of 0 bytes, which "0" is refused for.
     */
    @Test
    void javaNumberSyntaxAndSizesBelowOneByteAreRefused() {
        for (String bad : new String[] {"0.5", "0.0001K", "1e1", "1e1G", "80d", "80f", "0x1p3", "1.5.GB", "10XB", "80iB",
                ".5G", "NaN", "Infinity"}) {
            UsageError e = assertThrows(UsageError.class, () -> Sizes.parse("--pass-memory", bad), bad);
            assertEquals("--pass-memory: expected a positive size like 80G, 512M or 1.5G, got '" + bad + "'",
                    e.getMessage());
        }
        assertEquals(1, Sizes.parse("--x", "1"));
        assertEquals(80L << 30, Sizes.parse("--x", "80 G"));
        assertEquals(80L, Sizes.parse("--x", "80B"));
    }

    @Test
    void formattedForReportsAndAsAnOptionValue() {
        assertEquals("70.6 GiB", Sizes.format((long) (70.6 * (1L << 30))));
        assertEquals("512 MiB", Sizes.format(512L << 20));
        assertEquals("12 KiB", Sizes.format(12L << 10));
        assertEquals("80G", Sizes.option(80L << 30));
        assertEquals("1.5G", Sizes.option(3L << 29));
        assertEquals("768M", Sizes.option(768L << 20));
        assertEquals(Sizes.parse("--x", Sizes.option(5L << 30)), 5L << 30);
    }
}
