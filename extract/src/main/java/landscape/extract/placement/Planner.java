package landscape.extract.placement;

import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.core.Sizes;
import landscape.core.cli.UsageError;
import landscape.extract.model.ModelConfig;
import landscape.extract.model.Placement;

/**
 * Decides a {@link Placement} from the model's sizes ({@link MemoryModel}), the devices and their memory, before any
 * weight is read: resident when the weights fit the devices, else streamed, else refused with one line that says
 * what would fit. Layer ranges are balanced on the memory each device has left for layers (resident) or split
 * evenly (streamed, where every device holds about the same), unless given.
 */
public final class Planner {
    /** A streamed pass holds at most this much residual stream per device unless {@code --pass-memory} says more. */
    static final long DEFAULT_PASS_CAP = 4L << 30;

    private Planner() {
    }

    /**
     * What is asked: the devices with the memory each may use, the mode (null: resident if it fits, else stream),
     * the layer ranges (null: chosen here; each {@code {from, to}} inclusive), and the budgets (null: defaults).
     */
    public record Request(List<DeviceSpec> devices, List<Long> capacities, Placement.Mode mode, List<int[]> ranges,
                          Long passBytes, Long attentionBytes) {
    }

    /**
     * The shape of the work: the most padded tokens of one batch, the longest and the shortest prompt.
     * {@code maxLength} sets the attention scores; {@code minLength} bounds the rows, hence the logits, of a pass.
     */
    public record Workload(long batchTokens, int maxLength, int minLength) {
        public Workload {
            if (batchTokens < 1 || maxLength < 1 || minLength < 1) {
                throw new IllegalArgumentException("empty workload");
            }
        }
    }

    /** One device's part and what it needs. {@code from..to} inclusive. */
    public record Use(DeviceSpec device, int from, int to, boolean embedding, boolean lmHead, long weights,
                      long activations, long residuals, long overhead, long capacity) {
        public long total() {
            return MemoryModel.sum(weights, activations, residuals, overhead);
        }

        public boolean fits() {
            return total() <= capacity;
        }
    }

    /** The default bound on one block of attention scores: 1/32 of the device's memory, 64 MiB to 1 GiB. */
    public static long defaultAttentionBytes(long capacity) {
        return Math.max(64L << 20, Math.min(1L << 30, capacity / 32));
    }

    /** The placement for {@code request}, or a {@link LandscapeException} saying why not and what would fit. */
    public static Plan plan(MemoryModel model, DataType type, Request request, Workload work) {
        ModelConfig c = model.config();
        List<DeviceSpec> devices = request.devices();
        List<Long> caps = request.capacities();
        if (caps.size() != devices.size()) {
            throw new UsageError("--device-memory: " + caps.size() + " sizes for " + devices.size() + " devices");
        }
        if (devices.size() > c.numLayers()) {
            throw new LandscapeException("--devices: " + devices.size() + " devices for " + c.numLayers()
                    + " layers; at most one device per layer");
        }
        long minCap = caps.stream().mapToLong(Long::longValue).min().orElse(0);
        long attention = request.attentionBytes() != null ? request.attentionBytes() : defaultAttentionBytes(minCap);
        List<int[]> ranges = request.ranges() == null ? null : checkRanges(request.ranges(), devices.size(),
                c.numLayers());
        Placement.Mode mode = request.mode();
        Plan resident = null;
        if (mode == null || mode == Placement.Mode.RESIDENT) {
            resident = build(model, type, Placement.Mode.RESIDENT, request, ranges, attention, work);
            if (resident.fits() || mode == Placement.Mode.RESIDENT) {
                if (!resident.fits()) {
                    refuse(model, type, request, ranges, attention, work, resident);
                }
                return resident;
            }
        }
        Plan stream = build(model, type, Placement.Mode.STREAM, request, ranges, attention, work);
        if (!stream.fits()) {
            refuse(model, type, request, ranges, attention, work, stream);
        }
        return stream;
    }

    /** The plan of one mode, fitting or not. */
    static Plan build(MemoryModel model, DataType type, Placement.Mode mode, Request request, List<int[]> ranges,
                      long attention, Workload work) {
        List<DeviceSpec> devices = request.devices();
        List<Long> caps = request.capacities();
        int n = devices.size();
        boolean multi = n > 1;
        long batchResidual = model.residualBytes(work.batchTokens());
        long activations = model.activations(work.batchTokens(), work.maxLength(), attention);
        int layers = model.config().numLayers();
        List<int[]> r = ranges;
        if (r == null) {
            r = mode == Placement.Mode.RESIDENT ? balanceResident(model, caps, activations, batchResidual, multi)
                    : evenSplit(layers, n);
        }
        long pass;
        if (mode == Placement.Mode.RESIDENT) {
            pass = batchResidual;
        } else if (request.passBytes() != null) {
            pass = request.passBytes();
        } else {
            long free = Long.MAX_VALUE;
            for (int k = 0; k < n; k++) {
                int[] rk = r.get(k);
                long used = MemoryModel.sum(model.weights(mode, rk[0], rk[1] + 1, k == 0, k == n - 1), activations,
                        logits(model, work, batchResidual), MemoryModel.OVERHEAD);
                free = Math.min(free, (caps.get(k) - used) / 2 / (multi ? 2 : 1));
            }
            pass = Math.max(batchResidual, Math.min(DEFAULT_PASS_CAP, free));
        }
        List<Use> uses = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int[] rk = r.get(k);
            boolean first = k == 0;
            boolean last = k == n - 1;
            long act = activations;
            if (mode == Placement.Mode.STREAM && first) {
                act = MemoryModel.sum(act, batchResidual); // the batch's embedding rows, gathered from the checkpoint
            }
            if (last) {
                act = MemoryModel.sum(act, logits(model, work, pass));
            }
            long residuals = MemoryModel.product(Math.max(pass, batchResidual), multi ? 2 : 1);
            uses.add(new Use(devices.get(k), rk[0], rk[1], first, last,
                    model.weights(mode, rk[0], rk[1] + 1, first, last), act, residuals, MemoryModel.OVERHEAD,
                    caps.get(k)));
        }
        List<Placement.Slot> slots = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            slots.add(new Placement.Slot(devices.get(k).label(), devices.get(k).device(), r.get(k)[0], r.get(k)[1] + 1));
        }
        return new Plan(new Placement(mode, slots, attention), pass, uses, work, type, model.totalWeights());
    }

    /** The logits of a pass (float32, and a soft-capped copy) for as many rows as it can hold. */
    private static long logits(MemoryModel model, Workload work, long passBytes) {
        long tokens = passBytes / ((long) model.config().hiddenSize() * model.dtypeBytes());
        long rows = Math.max(1, tokens / work.minLength());
        return MemoryModel.product(rows, model.config().vocabSize(), 4L, 2);
    }

    /** Layers split into {@code n} contiguous ranges of nearly equal counts (the first ranges take the remainder). */
    static List<int[]> evenSplit(int layers, int n) {
        List<int[]> out = new ArrayList<>();
        int from = 0;
        for (int k = 0; k < n; k++) {
            int count = layers / n + (k < layers % n ? 1 : 0);
            out.add(new int[] {from, from + count - 1});
            from += count;
        }
        return out;
    }

    /**
     * Resident layers split in proportion to the memory each device has left for layers (after the overhead, the
     * activations, the residual streams, the embedding on the first and the lm_head on the last), every device
     * keeping at least one layer.
     */
    static List<int[]> balanceResident(MemoryModel model, List<Long> caps, long activations, long residual,
                                       boolean multi) {
        int n = caps.size();
        int layers = model.config().numLayers();
        if (n == 1) {
            return List.of(new int[] {0, layers - 1});
        }
        double[] room = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            long fixed = MemoryModel.sum(MemoryModel.OVERHEAD, activations, MemoryModel.product(residual, 2),
                    model.weights(Placement.Mode.RESIDENT, 0, 0, k == 0, k == n - 1));
            room[k] = Math.max(1, caps.get(k) - fixed);
            sum += room[k];
        }
        long total = 0;
        for (int i = 0; i < layers; i++) {
            total += model.layerBytes(i);
        }
        List<int[]> out = new ArrayList<>();
        int from = 0;
        double bound = 0;
        double cumulative = 0;
        for (int k = 0; k < n; k++) {
            bound += room[k] / sum * total;
            int to = from;
            // at least one layer here, and leave at least one for every later device
            int maxTo = layers - (n - k);
            if (k == n - 1) {
                to = layers - 1;
            } else {
                cumulative += model.layerBytes(from);
                while (to < maxTo && cumulative + model.layerBytes(to + 1) / 2.0 <= bound) {
                    to++;
                    cumulative += model.layerBytes(to);
                }
            }
            out.add(new int[] {from, to});
            from = to + 1;
        }
        return out;
    }

    /** Ranges as given: one per device, in order, covering every layer exactly once. */
    static List<int[]> checkRanges(List<int[]> ranges, int devices, int layers) {
        if (ranges.size() != devices) {
            throw new UsageError("--layer-ranges: " + ranges.size() + " range(s) for " + devices + " device(s); give one"
                    + " range per device, e.g. " + example(layers, devices));
        }
        int next = 0;
        for (int[] r : ranges) {
            if (r[0] > r[1] || r[1] >= layers) {
                throw new UsageError("--layer-ranges: " + r[0] + "-" + r[1] + " is not a range of layers 0-"
                        + (layers - 1) + "; e.g. " + example(layers, devices));
            }
            if (r[0] > next) {
                throw new UsageError("--layer-ranges: " + missing(next, r[0] - 1) + "; the ranges must cover 0-"
                        + (layers - 1) + " in order, e.g. " + example(layers, devices));
            }
            if (r[0] < next) {
                throw new UsageError("--layer-ranges: layer " + r[0] + " is on two devices; the ranges must cover 0-"
                        + (layers - 1) + " in order, e.g. " + example(layers, devices));
            }
            next = r[1] + 1;
        }
        if (next < layers) {
            throw new UsageError("--layer-ranges: " + missing(next, layers - 1) + "; the ranges must cover 0-"
                    + (layers - 1) + " in order, e.g. " + example(layers, devices));
        }
        return ranges;
    }

    private static String missing(int from, int to) {
        return from == to ? "layer " + from + " is on no device" : "layers " + from + "-" + to + " are on no device";
    }

    private static String example(int layers, int devices) {
        StringBuilder sb = new StringBuilder();
        for (int[] r : evenSplit(layers, Math.max(1, Math.min(devices, layers)))) {
            sb.append(sb.length() == 0 ? "" : ",").append(r[0]).append('-').append(r[1]);
        }
        return sb.toString();
    }

    /** "0-15,16-31" into inclusive ranges. */
    public static List<int[]> parseRanges(String text) {
        List<int[]> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            try {
                int dash = p.indexOf('-');
                int a = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                int b = dash < 0 ? a : Integer.parseInt(p.substring(dash + 1).trim());
                if (a < 0 || b < 0) {
                    throw new NumberFormatException();
                }
                out.add(new int[] {a, b});
            } catch (NumberFormatException e) {
                throw new UsageError("--layer-ranges: expected ranges like 0-15,16-31 (one per device), got '" + text
                        + "'");
            }
        }
        return out;
    }

    /**
     * Refuses {@code failed}: names the first device that does not fit and what it needs, and what would fit
     * instead (streaming, more devices of the same size, a smaller batch budget), in one line.
     */
    private static void refuse(MemoryModel model, DataType type, Request request, List<int[]> ranges, long attention,
                               Workload work, Plan failed) {
        Use bad = failed.uses().stream().filter(u -> !u.fits()).findFirst().orElseThrow();
        StringBuilder sb = new StringBuilder("the model does not fit: ");
        sb.append(bad.device().label()).append(" (").append(failed.placement().mode().label()).append(", layers ")
                .append(bad.from()).append('-').append(bad.to()).append(") needs ").append(Sizes.format(bad.total()))
                .append(" (weights ").append(Sizes.format(bad.weights())).append(", activations ")
                .append(Sizes.format(bad.activations())).append(", residual streams ")
                .append(Sizes.format(bad.residuals())).append(", overhead ").append(Sizes.format(bad.overhead()))
                .append(") but has ").append(Sizes.format(bad.capacity()));
        List<String> fits = new ArrayList<>();
        if (failed.placement().mode() == Placement.Mode.RESIDENT && request.mode() == Placement.Mode.RESIDENT) {
            Plan stream = build(model, type, Placement.Mode.STREAM, request, ranges, attention, work);
            if (stream.fits()) {
                fits.add("--placement stream (" + Sizes.format(stream.maxTotal()) + " on the fullest device)");
            }
        }
        if (ranges != null) {
            Plan auto = build(model, type, failed.placement().mode(), request, null, attention, work);
            if (auto.fits()) {
                fits.add("the planner's layer ranges (" + auto.rangesText() + ")");
            }
        }
        if (request.passBytes() != null && failed.placement().mode() == Placement.Mode.STREAM) {
            Plan byDefault = build(model, type, Placement.Mode.STREAM, new Request(request.devices(),
                    request.capacities(), request.mode(), request.ranges(), null, request.attentionBytes()), ranges,
                    attention, work);
            if (byDefault.fits()) {
                fits.add("--pass-memory " + Sizes.option(byDefault.passBytes()) + " (the default)");
            }
        }
        long defaultAttention = defaultAttentionBytes(request.capacities().stream().mapToLong(Long::longValue).min()
                .orElse(0));
        if (request.attentionBytes() != null && defaultAttention < attention) {
            Plan byDefault = build(model, type, failed.placement().mode(), request, ranges, defaultAttention, work);
            if (!byDefault.fits() && request.mode() == null) {
                byDefault = build(model, type, Placement.Mode.STREAM, request, ranges, defaultAttention, work);
            }
            if (byDefault.fits()) {
                fits.add("--attention-memory " + Sizes.option(defaultAttention) + " (the default)");
            }
        }
        long cap = request.capacities().stream().mapToLong(Long::longValue).max().orElse(0);
        int more = fewestDevices(model, type, Placement.Mode.RESIDENT, cap, attention, work, request.devices());
        if (more > 0 && more != request.devices().size()) {
            fits.add(more + " device(s) of " + Sizes.format(cap) + " resident");
        }
        long budget = work.batchTokens();
        Workload smallest = work;
        while (budget > 256) {
            budget /= 2;
            Workload smaller = new Workload(budget, Math.min(work.maxLength(), (int) Math.min(Integer.MAX_VALUE, budget)),
                    Math.min(work.minLength(), (int) Math.min(Integer.MAX_VALUE, budget)));
            smallest = smaller;
            Plan p = build(model, type, failed.placement().mode(), request, ranges, attention, smaller);
            if (!p.fits() && request.mode() == null) {
                p = build(model, type, Placement.Mode.STREAM, request, ranges, attention, smaller);
            }
            if (p.fits()) {
                // a longer prompt runs alone, in a batch of its own length: below it, only shorter prompts fit
                fits.add("--batch-tokens " + budget + (budget < work.maxLength() ? " with prompts of at most " + budget
                        + " tokens (the longest has " + work.maxLength() + ")" : ""));
                break;
            }
        }
        sb.append("; would fit: ").append(fits.isEmpty() ? "nothing on these devices (even streamed, one layer at a time,"
                + " with --batch-tokens " + smallest.batchTokens() + "); devices of at least " + streamNeed(model, type,
                request, ranges, attention, smallest) + " each would" : String.join(", or ", fits));
        throw new LandscapeException(sb.toString());
    }

    /**
     * The memory each device needs to stream {@code work} (one batch per pass unless --pass-memory says more), as a
     * {@code --device-memory} value rounded up to 0.1G (or 1M below 1 GiB).
     */
    private static String streamNeed(MemoryModel model, DataType type, Request request, List<int[]> ranges,
                                     long attention, Workload work) {
        List<Long> unlimited = new ArrayList<>();
        for (int k = 0; k < request.devices().size(); k++) {
            unlimited.add(MemoryModel.MAX_BYTES);
        }
        long pass = request.passBytes() != null ? request.passBytes() : 1;
        long need = build(model, type, Placement.Mode.STREAM, new Request(request.devices(), unlimited,
                Placement.Mode.STREAM, ranges, pass, attention), ranges, attention, work).maxTotal();
        if (need >= 1L << 30) {
            long tenths = (long) Math.ceil(need * 10.0 / (1L << 30));
            return tenths / 10 + "." + tenths % 10 + "G";
        }
        return ((need + (1L << 20) - 1) >> 20) + "M";
    }

    /**
     * The fewest devices of {@code capacity} each on which the model fits in {@code mode} (0: none up to one per
     * layer). Devices are named after the kind of {@code like} (gpu:0, gpu:1, ... or cpu:0, cpu:1, ...).
     */
    public static int fewestDevices(MemoryModel model, DataType type, Placement.Mode mode, long capacity,
                                    long attention, Workload work, List<DeviceSpec> like) {
        boolean gpu = like.isEmpty() || like.get(0).gpu();
        int max = Math.min(model.config().numLayers(), 64);
        for (int n = 1; n <= max; n++) {
            List<DeviceSpec> ds = new ArrayList<>();
            List<Long> caps = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                ds.add(new DeviceSpec((gpu ? "gpu:" : "cpu:") + k, gpu, k));
                caps.add(capacity);
            }
            Request r = new Request(ds, caps, mode, null, null, attention);
            if (build(model, type, mode, r, null, attention, work).fits()) {
                return n;
            }
        }
        return 0;
    }
}
