package landscape.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes {@code .pt} files as torch.save does, for tests outside this package. */
public final class TorchPtFixtures {
    private TorchPtFixtures() {
    }

    /** A float32 {@code rows x cols} tensor whose element (i, j) is {@code i + j / 1000}, saved to {@code file}. */
    public static Path writeF32(Path file, int rows, int cols) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                b.putFloat(i + j / 1000f);
            }
        }
        byte[] pkl = PickleWriter.torchTensor("FloatStorage", (long) rows * cols, 0, new long[] {rows, cols},
                new long[] {cols, 1});
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pkl);
            z.putNextEntry(new ZipEntry("archive/data/0"));
            z.write(b.array());
            z.putNextEntry(new ZipEntry("archive/version"));
            z.write("3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return file;
    }
}
