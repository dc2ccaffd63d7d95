package landscape.extract.placement;

import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import landscape.core.Sizes;
import landscape.core.cli.UsageError;
import landscape.extract.model.Placement;

/**
 * The placement options of {@code run} and {@code plan}, as written ({@code null} = not given): {@code --devices},
 * {@code --placement auto|resident|stream}, {@code --layer-ranges}, {@code --device-memory}, {@code --pass-memory},
 * {@code --attention-memory}. {@link #validate()} checks the values without looking at the machine;
 * {@link #plan} measures what is not given and asks the {@link Planner}.
 */
public record PlacementOptions(String devices, String placement, String layerRanges, String deviceMemory,
                               String passMemory, String attentionMemory) {
    public static final PlacementOptions DEFAULT = new PlacementOptions(null, null, null, null, null, null);

    /** Usage errors for values that cannot be right whatever the machine. */
    public void validate() {
        if (devices != null && !devices.trim().equalsIgnoreCase("auto")) {
            DeviceSpec.parseList("--devices", devices);
        }
        mode();
        if (layerRanges != null) {
            Planner.parseRanges(layerRanges);
        }
        if (deviceMemory != null) {
            sizes();
        }
        passBytes();
        attentionBytes();
    }

    /** {@code --devices} (resolved; {@code auto} = every visible GPU), else the one device of {@code --device}. */
    public List<DeviceSpec> resolveDevices(String device) {
        if (devices == null) {
            String d = device == null ? "cpu" : device.trim().toLowerCase(Locale.ROOT);
            return switch (d) {
                case "cpu" -> List.of(new DeviceSpec("cpu", false, 0));
                case "gpu", "cuda" -> List.of(new DeviceSpec("gpu:0", true, 0));
                default -> throw new UsageError("--device: expected cpu or gpu, got '" + device + "'");
            };
        }
        List<DeviceSpec> list = Devices.resolve("--devices", devices);
        if (device != null && device.trim().equalsIgnoreCase("gpu") && !list.get(0).gpu()) {
            throw new UsageError("--device gpu and --devices " + devices + " disagree; give one of them");
        }
        return list;
    }

    /** {@code --placement}: null for auto (resident if it fits, else stream). */
    public Placement.Mode mode() {
        if (placement == null) {
            return null;
        }
        return switch (placement.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "resident" -> Placement.Mode.RESIDENT;
            case "stream" -> Placement.Mode.STREAM;
            default -> throw new UsageError("--placement: expected auto, resident or stream, got '" + placement + "'");
        };
    }

    public List<int[]> ranges() {
        return layerRanges == null ? null : Planner.parseRanges(layerRanges);
    }

    public Long passBytes() {
        return passMemory == null ? null : Sizes.parse("--pass-memory", passMemory);
    }

    public Long attentionBytes() {
        return attentionMemory == null ? null : Sizes.parse("--attention-memory", attentionMemory);
    }

    private List<Long> sizes() {
        List<Long> out = new ArrayList<>();
        for (String s : deviceMemory.split(",", -1)) {
            out.add(Sizes.parse("--device-memory", s));
        }
        return out;
    }

    /** {@code --device-memory} for {@code n} devices (one size for all, or one per device); null when not given. */
    public List<Long> capacities(int n) {
        if (deviceMemory == null) {
            return null;
        }
        List<Long> s = sizes();
        if (s.size() == 1) {
            List<Long> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(s.get(0));
            }
            return all;
        }
        if (s.size() != n) {
            throw new UsageError("--device-memory: " + s.size() + " sizes for " + n + " devices (give one for all, or one"
                    + " per device)");
        }
        return s;
    }

    /**
     * The plan for these options on {@code devices}. Capacities are {@code --device-memory} when given, else measured
     * ({@link Devices#measure}). GPUs are checked to exist unless {@code --device-memory} is given and
     * {@code requireDevices} is false (planning a job for another machine).
     */
    public Plan plan(MemoryModel model, DataType type, List<DeviceSpec> devices, Planner.Workload work,
                     boolean requireDevices) {
        List<Long> caps = capacities(devices.size());
        if (requireDevices || caps == null) {
            Devices.checkExist(devices);
        }
        if (caps == null) {
            caps = Devices.measure(devices);
        }
        return Planner.plan(model, type, new Planner.Request(devices, caps, mode(), ranges(), passBytes(),
                attentionBytes()), work);
    }
}
