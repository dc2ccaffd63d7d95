package landscape.extract.data;

import io.airlift.compress.Decompressor;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Page decompression for parquet-java without Hadoop's codecs and without native libraries: Snappy (what pyarrow
 * and {@code datasets} write by default), ZSTD and LZ4_RAW through aircompressor (pure Java), GZIP through
 * {@code java.util.zip}. Reading only.
 */
final class ParquetCodecs implements CompressionCodecFactory {
    static final ParquetCodecs INSTANCE = new ParquetCodecs();
    static final Set<CompressionCodecName> SUPPORTED = Set.of(CompressionCodecName.UNCOMPRESSED,
            CompressionCodecName.SNAPPY, CompressionCodecName.GZIP, CompressionCodecName.ZSTD, CompressionCodecName.LZ4_RAW);

    private ParquetCodecs() {
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        if (!SUPPORTED.contains(codec)) {
            throw new UnsupportedOperationException("compression " + codec + " is not supported (" + SUPPORTED + ")");
        }
        return new PageDecompressor(codec);
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("landscape reads parquet files; it does not write them");
    }

    @Override
    public void release() {
    }

    /** Decompresses a whole page into a new array of the page's recorded uncompressed size. */
    static byte[] decompress(CompressionCodecName codec, byte[] in, int size) throws IOException {
        if (codec == CompressionCodecName.UNCOMPRESSED) {
            if (in.length != size) {
                throw new IOException("uncompressed page holds " + in.length + " bytes, its header says " + size);
            }
            return in;
        }
        byte[] out = new byte[size];
        int n;
        if (codec == CompressionCodecName.GZIP) {
            try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(in))) {
                n = z.readNBytes(out, 0, size);
                if (z.read() != -1) {
                    throw new IOException("GZIP page is larger than its header says (" + size + " bytes)");
                }
            }
        } else {
            Decompressor d = switch (codec) {
                case SNAPPY -> new SnappyDecompressor();
                case ZSTD -> new ZstdDecompressor();
                case LZ4_RAW -> new Lz4Decompressor();
                default -> throw new IOException("compression " + codec + " is not supported");
            };
            try {
                n = d.decompress(in, 0, in.length, out, 0, size);
            } catch (MalformedInputException | IndexOutOfBoundsException e) {
                throw new IOException(codec + " page is corrupt: " + e.getMessage(), e);
            }
        }
        if (n != size) {
            throw new IOException(codec + " page decompressed to " + n + " bytes, its header says " + size);
        }
        return out;
    }

    private record PageDecompressor(CompressionCodecName codec) implements BytesInputDecompressor {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            return BytesInput.from(ParquetCodecs.decompress(codec, bytes.toByteArray(), uncompressedSize));
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int decompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.duplicate().get(in);
            output.put(ParquetCodecs.decompress(codec, in, decompressedSize));
        }

        @Override
        public void release() {
        }
    }
}
