package landscape.extract;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;
import landscape.core.format.DType;

/**
 * The device and dtype of the forward pass. {@code auto} is f32 on the CPU and f16 on a GPU. bf16 is refused:
 * with DJL 0.36 / PyTorch 2.7.1 a BFLOAT16 NDArray aborts the JVM, so bf16 checkpoints are decoded exactly to f32
 * (or converted to f16 on a GPU) instead.
 */
public record ComputeTarget(Device device, DataType type, DType fileType, String label) {

    /** The dtype for {@code devices} (all CPUs or all GPUs); the first device stands for them all. */
    public static ComputeTarget of(List<landscape.extract.placement.DeviceSpec> devices, String dtype) {
        return withDtype(devices.get(0).device(), dtype);
    }

    public static ComputeTarget resolve(String device, String dtype) {
        String d = device == null ? "cpu" : device.toLowerCase();
        Device dev;
        switch (d) {
            case "cpu" -> dev = Device.cpu();
            case "gpu", "cuda" -> {
                int n = Engine.getEngine("PyTorch").getGpuCount();
                if (n == 0) {
                    throw new LandscapeException("--device gpu: PyTorch sees no GPU (CUDA natives come from the -Pcuda "
                            + "build or from a CUDA libtorch given with --libtorch DIR; run on a node with a GPU; see "
                            + "docs/EXTRACT.md, GPU set-ups)");
                }
                dev = Device.gpu();
            }
            default -> throw new UsageError("--device: expected cpu or gpu, got '" + device + "'");
        }
        return withDtype(dev, dtype);
    }

    private static ComputeTarget withDtype(Device dev, String dtype) {
        boolean gpu = !dev.equals(Device.cpu());
        String t = dtype == null ? "auto" : dtype.toLowerCase();
        return switch (t) {
            case "auto" -> gpu ? new ComputeTarget(dev, DataType.FLOAT16, DType.F16, "f16")
                    : new ComputeTarget(dev, DataType.FLOAT32, DType.F32, "f32");
            case "f32", "float32" -> new ComputeTarget(dev, DataType.FLOAT32, DType.F32, "f32");
            case "f16", "float16" -> new ComputeTarget(dev, DataType.FLOAT16, DType.F16, "f16");
            case "bf16", "bfloat16" -> throw new UsageError("--dtype bf16: refused, because BFLOAT16 NDArrays abort "
                    + "the JVM with DJL 0.36 / PyTorch 2.7.1; bf16 weights are decoded exactly to f32 instead "
                    + "(use --dtype f32, or f16 on a GPU)");
            default -> throw new UsageError("--dtype: expected auto, f32, f16 or bf16, got '" + dtype + "'");
        };
    }
}
