package landscape.extract.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import landscape.core.Matrix;
import landscape.core.format.DType;
import landscape.core.run.Manifest;
import landscape.core.run.RepresentationDir;
import landscape.extract.ExtractOptions;
import landscape.extract.Extractor;
import landscape.extract.TinyModelWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowBlockLoadingTest {
    @TempDir
    Path tmp;

    @Test
    void tensorsReadInRowBlocksGiveTheSameResultsAsSingleMappings() {
        Path sample = Path.of(System.getProperty("landscape.root", ".."), "extract/src/test/resources/mmlu-sample");
        for (DType d : List.of(DType.F32, DType.BF16, DType.F16)) {
            Path model = tmp.resolve("m" + d);
            TinyModelWriter.write(model, new TinyModelWriter.Spec(2, 32, 4, 2, 64, 270, 10000.0, false, d), 9);
            Extractor.Result whole = Extractor.run(ExtractOptions.builder(model, tmp.resolve("a" + d)).dataset(sample, "test", 1).build());
            long saved = WeightLoader.maxSingleMapping;
            int savedChunk = WeightLoader.chunkBytes;
            WeightLoader.maxSingleMapping = 1000; // every matrix goes through row blocks
            WeightLoader.chunkBytes = 700;        // several blocks per tensor
            Extractor.Result rows;
            try {
                rows = Extractor.run(ExtractOptions.builder(model, tmp.resolve("b" + d)).dataset(sample, "test", 1).build());
            } finally {
                WeightLoader.maxSingleMapping = saved;
                WeightLoader.chunkBytes = savedChunk;
            }
            RepresentationDir a = RepresentationDir.open(whole.dir());
            RepresentationDir b = RepresentationDir.open(rows.dir());
            for (Manifest.Point p : a.points()) {
                Matrix x = a.readMatrix(p.index());
                Matrix y = b.readMatrix(p.index());
                for (int i = 0; i < x.data().length; i++) {
                    assertEquals(x.data()[i], y.data()[i], 0.0, d + " point " + p.index());
                }
            }
        }
    }
}
