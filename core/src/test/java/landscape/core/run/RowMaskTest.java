package landscape.core.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import landscape.core.LandscapeException;
import landscape.core.format.Npy;
import landscape.core.format.Tensor;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowMaskTest {
    @TempDir
    Path tmp;

    private RowMask mask(long... rows) {
        Path f = tmp.resolve("m.npy");
        Npy.write(f, Tensor.ofLongs(rows));
        return new RowMask(f);
    }

    @Test
    void rowsAreAscendingWhateverTheFileOrder() {
        assertArrayEquals(new int[] {2, 7, 9}, mask(7, 2, 9).rows(10));
        assertArrayEquals(new int[] {0, 9}, mask(0, 9).rows(10));
        assertArrayEquals(new int[0], mask().rows(10));
    }

    @Test
    void outOfRangeAndRepeatedIndicesAreErrorsNamingTheFile() {
        RowMask m = mask(0, 5, 10);
        LandscapeException e = assertThrows(LandscapeException.class, () -> m.rows(10));
        assertEquals(m.file() + ": index 10 (position 2) is out of range for 10 rows (0..9)", e.getMessage());
        RowMask r = mask(3, 4, 3);
        e = assertThrows(LandscapeException.class, () -> r.rows(10));
        assertEquals(r.file() + ": index 3 is repeated (positions 0 and 2)", e.getMessage());
        RowMask n = mask(-1);
        e = assertThrows(LandscapeException.class, () -> n.rows(10));
        assertEquals(n.file() + ": index -1 (position 0) is out of range for 10 rows (0..9)", e.getMessage());
    }

    @Test
    void missingFileSaysSo() {
        Path f = tmp.resolve("nope.npy");
        LandscapeException e = assertThrows(LandscapeException.class, () -> new RowMask(f).rows(3));
        assertEquals(f + ": no such file (--mask)", e.getMessage());
    }

    @Test
    void theGoldenInt64MaskIsRead() {
        int[] rows = new RowMask(Golden.file("formats", "mask_i8.npy")).rows(1 << 20);
        assertEquals(200, rows.length);
    }

    @Test
    void recordedPathIsTheRealPathOfALink() throws Exception {
        RowMask real = mask(1);
        Path link = Files.createSymbolicLink(Files.createDirectories(tmp.resolve("task")).resolve("m.npy"), real.file());
        assertEquals(real.file().toRealPath().toString(), new RowMask(link).recordedPath());
    }
}
