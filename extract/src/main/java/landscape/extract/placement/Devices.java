package landscape.extract.placement;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeException;

/**
 * What the machine has: the GPUs PyTorch sees and the free memory of each device. The planner takes capacities as
 * plain numbers, so everything but this class runs (and is tested) without a GPU; {@code --device-memory} replaces
 * what this class would measure (for planning a cluster job on a login node, or to leave room on a shared GPU).
 */
public final class Devices {
    private Devices() {
    }

    /** Number of GPUs PyTorch sees (0 with the CPU natives). */
    public static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    /** {@code --devices}: the list, or {@code auto} = every visible GPU. */
    public static List<DeviceSpec> resolve(String option, String list) {
        if (list.trim().equalsIgnoreCase("auto")) {
            int n = gpuCount();
            if (n == 0) {
                // the machine lacks the devices asked for (as for a gpu:N it does not see): bad input, not usage
                throw new LandscapeException(option + " auto: PyTorch sees no GPU (build with -Pcuda to get the CUDA natives, and"
                        + " run on a node with a GPU; see docs/EXTRACT.md)");
            }
            List<DeviceSpec> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(new DeviceSpec("gpu:" + i, true, i));
            }
            return out;
        }
        return DeviceSpec.parseList(option, list);
    }

    /** Refuses a GPU that PyTorch does not see, naming the ones it does. */
    public static void checkExist(List<DeviceSpec> devices) {
        int n = -1;
        for (DeviceSpec d : devices) {
            if (!d.gpu()) {
                continue;
            }
            if (n < 0) {
                n = gpuCount();
            }
            if (d.index() >= n) {
                StringBuilder seen = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    seen.append(i == 0 ? ": " : ", ").append("gpu:").append(i);
                }
                throw new LandscapeException("device " + d.label() + " does not exist (PyTorch sees " + n + " GPU"
                        + (n == 1 ? "" : "s") + seen + (n == 0 ? "; the CPU natives have no CUDA, build with -Pcuda" : "")
                        + ")");
            }
        }
    }

    /**
     * Memory each device can use: a GPU's free memory now, and for the CPU devices the host's available memory
     * ({@code MemAvailable}) shared equally between them.
     */
    public static List<Long> measure(List<DeviceSpec> devices) {
        long cpus = devices.stream().filter(d -> !d.gpu()).count();
        long host = cpus == 0 ? 0 : hostAvailable();
        List<Long> out = new ArrayList<>();
        for (DeviceSpec d : devices) {
            out.add(d.gpu() ? gpuFree(d) : host / cpus);
        }
        return out;
    }

    private static long gpuFree(DeviceSpec d) {
        try {
            MemoryUsage m = CudaUtils.getGpuMemory(Device.gpu(d.index()));
            return m.getMax() - m.getCommitted();
        } catch (RuntimeException | LinkageError e) {
            throw new LandscapeException("--devices: cannot read the free memory of " + d.label() + " ("
                    + e.getMessage() + "); give it with --device-memory");
        }
    }

    /** The host's MemAvailable (Linux), or what the JVM reports as free physical memory. */
    public static long hostAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall through
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getFreeMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
