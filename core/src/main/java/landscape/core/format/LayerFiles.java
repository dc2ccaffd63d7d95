package landscape.core.format;

import java.nio.file.Path;
import java.util.Arrays;
import landscape.core.LandscapeException;
import landscape.core.Matrix;

/** Reads a layer tensor [rows, dim] from any supported format, chosen by the file's extension. */
public final class LayerFiles {
    private LayerFiles() {
    }

    /** The layer as a float64 row-major matrix. A tensor that is not 2-D is an error naming the file. */
    public static Matrix readMatrix(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".npy")) {
            return Npy.readMatrix(file);
        }
        if (name.endsWith(".safetensors")) {
            return Safetensors.readMatrix(file);
        }
        if (name.endsWith(".pt")) {
            return TorchPt.readMatrix(file);
        }
        throw LandscapeException.of(file, "unsupported layer file type (expected .safetensors, .npy or .pt)");
    }

    /** Rows, dim, dtype and bytes from the header alone (never reads the data). */
    public static LayerInfo info(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".npy")) {
            Npy.Header h = Npy.readHeader(file);
            long[] s = h.shape();
            if (s.length != 2) {
                throw LandscapeException.of(file, "expected a 2-D array [rows, dim], got shape " + Arrays.toString(s));
            }
            return new LayerInfo(s[0], s[1], h.dtype(), h.dataBytes());
        }
        if (name.endsWith(".safetensors")) {
            return Safetensors.info(file);
        }
        if (name.endsWith(".pt")) {
            return TorchPt.info(file);
        }
        throw LandscapeException.of(file, "unsupported layer file type (expected .safetensors, .npy or .pt)");
    }
}
