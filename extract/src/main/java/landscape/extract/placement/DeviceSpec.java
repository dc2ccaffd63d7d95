package landscape.extract.placement;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import landscape.core.cli.UsageError;

/**
 * A device named on the command line: {@code cpu} or {@code cpu:N} (the host; several CPU "devices" are the same
 * processor and memory, each with its own layer range and thread, which is how a multi-device placement is tested
 * without GPUs), {@code gpu:N} (also {@code gpu} = {@code gpu:0}, {@code cuda:N}).
 */
public record DeviceSpec(String label, boolean gpu, int index) {

    public Device device() {
        return gpu ? Device.gpu(index) : Device.cpu();
    }

    /** {@code --devices} as written: a comma-separated list ({@code auto} is resolved by {@link Devices}). */
    public static List<DeviceSpec> parseList(String option, String list) {
        List<DeviceSpec> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String part : list.split(",", -1)) {
            DeviceSpec d = parse(option, part.trim());
            if (!seen.add(d.label())) {
                throw new UsageError(option + ": " + d.label() + " is named twice");
            }
            out.add(d);
        }
        boolean anyGpu = out.stream().anyMatch(DeviceSpec::gpu);
        boolean anyCpu = out.stream().anyMatch(d -> !d.gpu());
        if (anyGpu && anyCpu) {
            throw new UsageError(option + ": mixing cpu and gpu devices is not supported (got " + list + ")");
        }
        return out;
    }

    public static DeviceSpec parse(String option, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        String kind = t;
        int index = 0;
        boolean explicit = false;
        int colon = t.indexOf(':');
        if (colon >= 0) {
            kind = t.substring(0, colon);
            explicit = true;
            try {
                index = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                index = -1;
            }
        }
        if (index < 0) {
            throw new UsageError(option + ": expected cpu, cpu:N, gpu:N or auto, got '" + text + "'");
        }
        return switch (kind) {
            case "cpu" -> new DeviceSpec(explicit ? "cpu:" + index : "cpu", false, index);
            case "gpu", "cuda" -> new DeviceSpec("gpu:" + index, true, index);
            default -> throw new UsageError(option + ": expected cpu, cpu:N, gpu:N or auto, got '" + text + "'");
        };
    }
}
