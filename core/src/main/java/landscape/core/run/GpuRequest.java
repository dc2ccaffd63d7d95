package landscape.core.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import landscape.core.Json;
import landscape.core.LandscapeException;
import landscape.core.Sizes;

/**
 * The GPUs each EXTRACT job of the pipeline requests, and the checks of the parameters that decide them, made before
 * anything runs (the plugin's parameter check) and used by the workflow (the plugin's {@code extractGpus} and
 * {@code planGpus}):
 * <ul>
 *   <li>EXTRACT runs on GPUs when {@code --devices} names GPUs or is {@code auto}, or, without {@code --devices},
 *       with {@code --device gpu}. On the CPU it requests no GPU, whatever {@code --gpus_per_extract} says.</li>
 *   <li>{@code --gpus_per_extract N} (default 1): every EXTRACT job requests N GPUs (0: none through the scheduler,
 *       for a partition that hands out its GPUs without a request).</li>
 *   <li>{@code --gpus_per_extract auto}: each model's GPUs come from {@code landscape-extract plan --json} on one GPU
 *       of {@code --device_memory} ({@link #fromPlan}): the fewest GPUs that hold it resident ({@code --placement
 *       auto} or {@code resident}), or one with {@code --placement stream}.</li>
 * </ul>
 * Problems are one line naming the parameters ({@link LandscapeException}).
 */
public final class GpuRequest {
    public static final String AUTO = "auto";

    private GpuRequest() {
    }

    /** Whether EXTRACT runs on GPUs: {@code --devices} names GPUs (or is auto), else {@code --device gpu}. */
    public static boolean onGpus(Object device, Object devices) {
        String list = text(devices);
        if (list != null) {
            return list.equalsIgnoreCase(AUTO) || parseDevices(list).stream().anyMatch(Device::gpu);
        }
        String d = text(device);
        return d != null && (d.equalsIgnoreCase("gpu") || d.equalsIgnoreCase("cuda"));
    }

    /**
     * The GPUs each EXTRACT job requests: 0 on the CPU, {@code --gpus_per_extract} as a number, or null when each
     * model's plan decides ({@code auto} on GPUs).
     */
    public static Integer perExtract(Object gpusPerExtract, Object device, Object devices) {
        if (!onGpus(device, devices)) {
            return 0;
        }
        return isAuto(gpusPerExtract) ? null : count(gpusPerExtract);
    }

    /**
     * The GPUs one model needs, from {@code landscape-extract plan --json} made on one GPU with placement auto (so
     * that it lists the fewest devices for both placements): with {@code placement} {@code stream} the streamed
     * count (one GPU), with {@code resident} the resident count, with {@code auto} (or none) the resident count, or
     * the streamed one when no number of GPUs holds the model resident.
     */
    public static int fromPlan(Path planJson, Object placement) {
        JsonNode plan;
        try {
            plan = Json.MAPPER.readTree(planJson.toFile());
        } catch (IOException e) {
            throw LandscapeException.io(planJson, "cannot read the plan", e);
        }
        if (plan == null || !plan.path("fits").asBoolean(false) || !plan.path("fewest_devices").isObject()) {
            throw LandscapeException.of(planJson, "not a plan that fits (landscape-extract plan --json)");
        }
        String model = plan.path("model").path("path").asText(planJson.toString());
        JsonNode fewest = plan.get("fewest_devices");
        Integer resident = fewest.path("resident").isInt() ? fewest.get("resident").asInt() : null;
        Integer stream = fewest.path("stream").isInt() ? fewest.get("stream").asInt() : null;
        String gib = Sizes.format(fewest.path("memory_bytes").asLong());
        String mode = text(placement) == null ? AUTO : text(placement).toLowerCase(Locale.ROOT);
        switch (mode) {
            case "stream" -> {
                if (stream == null) {
                    throw LandscapeException.of(model, "does not fit streamed on GPUs of " + gib);
                }
                return stream;
            }
            case "resident" -> {
                if (resident == null) {
                    throw LandscapeException.of(model, "does not fit resident on any number of GPUs of " + gib
                            + "; use --placement stream (one GPU) or auto");
                }
                return resident;
            }
            case AUTO -> {
                if (resident == null && stream == null) {
                    throw LandscapeException.of(model, "does not fit on GPUs of " + gib + ", resident or streamed");
                }
                return resident != null ? resident : stream;
            }
            default -> throw new LandscapeException("--placement: expected auto, resident or stream, got '"
                    + placement + "'");
        }
    }

    /**
     * Checks the parameters that decide the GPU requests ({@code device}, {@code devices}, {@code gpus_per_extract},
     * {@code device_memory}, {@code gpu_cluster_options}); the first problem is one line naming them.
     */
    public static void check(Map<String, ?> params) {
        Object gpus = params.get("gpus_per_extract");
        if (!isAuto(gpus)) {
            count(gpus);
        }
        String devices = text(params.get("devices"));
        String device = text(params.get("device"));
        List<Device> list = devices == null || devices.equalsIgnoreCase(AUTO) ? List.of() : parseDevices(devices);
        if (device != null && device.equalsIgnoreCase("gpu") && !list.isEmpty() && !list.get(0).gpu()) {
            throw new LandscapeException("--device gpu and --devices " + devices + " disagree; give one of them");
        }
        boolean onGpus = onGpus(device, devices);
        if (onGpus && isAuto(gpus)) {
            String memory = text(params.get("device_memory"));
            if (memory == null) {
                throw new LandscapeException("--gpus_per_extract auto plans each model on GPUs of --device_memory: give"
                        + " the memory of one GPU of the GPU partition, e.g. --device_memory 80G");
            }
            if (memory.contains(",")) {
                throw new LandscapeException("--gpus_per_extract auto needs one --device_memory for every GPU, got '"
                        + memory + "'");
            }
            if (!list.isEmpty()) {
                throw new LandscapeException("--gpus_per_extract auto gives each EXTRACT every GPU of its job (--devices"
                        + " auto): leave --devices " + devices + " out, or give --gpus_per_extract a number");
            }
        }
        if (onGpus && !isAuto(gpus) && count(gpus) > 0) {
            int need = list.stream().filter(Device::gpu).mapToInt(d -> d.index() + 1).max().orElse(0);
            if (need > count(gpus)) {
                throw new LandscapeException("--devices " + devices + " needs " + need + " GPUs in each EXTRACT job,"
                        + " but --gpus_per_extract is " + count(gpus));
            }
        }
        checkClusterOptions(params.get("gpu_cluster_options"));
    }

    /**
     * {@code --gpu_cluster_options} holds the site's sbatch options (account, QoS, constraint, a GPU type as
     * {@code --gres=gpu:TYPE:1}); the partition comes from {@code --gpu_queue} and the number of GPUs from
     * {@code --gpus_per_extract}, so -p/--partition and the other ways to ask for GPUs are refused.
     */
    static void checkClusterOptions(Object value) {
        String options = value instanceof CharSequence s ? s.toString() : "";
        for (String word : options.trim().split("\\s+")) {
            String w = word.toLowerCase(Locale.ROOT);
            if ((w.startsWith("-p") && !w.startsWith("--")) || w.equals("--partition")
                    || w.startsWith("--partition=")) {
                throw new LandscapeException("--gpu_cluster_options: choose the partition with --gpu_queue, not '" + word
                        + "' (Nextflow polls squeue per queue and would lose track of the jobs)");
            }
            if ((w.startsWith("-g") && !w.startsWith("--")) || w.equals("--gres") || w.equals("--gpus")
                    || w.startsWith("--gpus=") || w.startsWith("--gpus-per-")) {
                throw new LandscapeException("--gpu_cluster_options: the number of GPUs comes from --gpus_per_extract;"
                        + " give a GPU type as --gres=gpu:TYPE:1 (its count is replaced), not '" + word + "'");
            }
        }
    }

    private static boolean isAuto(Object gpus) {
        return gpus != null && gpus.toString().trim().equalsIgnoreCase(AUTO);
    }

    private static int count(Object gpus) {
        String t = gpus == null ? "" : gpus.toString().trim();
        if (t.matches("[0-9]{1,4}")) {
            return Integer.parseInt(t);
        }
        throw new LandscapeException("--gpus_per_extract: a number of GPUs (0 or more) or auto, got '" + gpus + "'");
    }

    /** One device of {@code --devices}, as landscape-extract reads it (cpu, cpu:N, gpu, gpu:N, cuda:N). */
    record Device(boolean gpu, int index) {
    }

    private static final Pattern DEVICE = Pattern.compile("(cpu|gpu|cuda)(?::([0-9]{1,4}))?");

    static List<Device> parseDevices(String list) {
        List<Device> out = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String p = part.trim().toLowerCase(Locale.ROOT);
            Matcher m = DEVICE.matcher(p);
            if (!m.matches()) {
                throw new LandscapeException("--devices: expected cpu, cpu:N, gpu:N (comma-separated) or auto, got '"
                        + list + "'");
            }
            out.add(new Device(!m.group(1).equals("cpu"), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))));
        }
        if (out.stream().anyMatch(Device::gpu) && out.stream().anyMatch(d -> !d.gpu())) {
            throw new LandscapeException("--devices: mixing cpu and gpu devices is not supported (got " + list + ")");
        }
        return out;
    }

    /** A parameter's text, or null when it is not given (null, blank, or the true Nextflow makes of a bare flag). */
    private static String text(Object value) {
        if (value == null || value instanceof Boolean) {
            return null;
        }
        String t = value.toString().trim();
        return t.isEmpty() ? null : t;
    }
}
