package landscape.nf;

import groovy.lang.Closure;
import groovyx.gpars.dataflow.DataflowReadChannel;
import groovyx.gpars.dataflow.DataflowWriteChannel;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import landscape.core.LandscapeException;
import landscape.core.format.LayerInfo;
import landscape.core.run.GpuRequest;
import landscape.core.run.ModelSheet;
import landscape.core.run.RepresentationScanner;
import landscape.core.run.SafeName;
import nextflow.Channel;
import nextflow.Session;
import nextflow.exception.AbortOperationException;
import nextflow.extension.CH;
import nextflow.extension.DataflowHelper;
import nextflow.plugin.extension.Factory;
import nextflow.plugin.extension.Function;
import nextflow.plugin.extension.PluginExtensionPoint;
import org.pf4j.Extension;

/**
 * Nextflow glue over landscape-core. Scripts use it with
 * {@code include { fromRepresentations; layerInfo; modelsToList; shellQuote; shellArgs } from 'plugin/nf-landscape'}:
 * <ul>
 *   <li>{@code channel.fromRepresentations(pathOrGlob)}: one {@code [meta, layerFile]} item per extraction point
 *       (meta: model, shots, split, layer, module, rows, dim, dtype, run, type, points). The argument may also be a
 *       channel of directories (for example a process output); then items follow as directories arrive. Options:
 *       {@code layers: [i, ...]} and {@code min_layer: i} keep only those points; {@code run: true} appends the run
 *       directory to every item ({@code [meta, layerFile, runDir]}).</li>
 *   <li>{@code layerInfo(path)}: {@code [rows, dim, dtype, bytes]} from the file header only.</li>
 *   <li>{@code modelsToList(models, schema)}: {@code [meta, modelDir, adapterDir or []]} per model of
 *       {@code --models}, read by core's {@link ModelSheet} against the sheet schema.</li>
 *   <li>{@code shellQuote(value)}, {@code shellArgs(list)}: values as shell words for task scripts ({@link Shell}).</li>
 *   <li>{@code extractGpus(device, devices, gpusPerExtract)}, {@code planGpus(planJson, placement)}: the GPUs each
 *       EXTRACT job requests, from the parameters or from a model's plan (core's {@link GpuRequest}).</li>
 * </ul>
 * Parameters are checked before the run starts by {@link ParamsCheck}. Every user error ends the run with the core's
 * one-line message (as an {@link AbortOperationException}).
 */
@Extension
public class LandscapeExtension extends PluginExtensionPoint {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("nextflow.plugin.landscape");
    private Session session;

    @Override
    protected void init(Session session) {
        this.session = session;
    }

    /** One item per extraction point of the representation directories at {@code source}. */
    @Factory
    public DataflowWriteChannel<Object> fromRepresentations(Object source) {
        return fromRepresentations(Map.of(), source);
    }

    /**
     * Named-argument form: {@code layers: [1, 5]} (a list of indices) and {@code min_layer: 1} keep only those
     * points; {@code run: true} adds the run directory as the item's third element.
     */
    @Factory
    public DataflowWriteChannel<Object> fromRepresentations(Map<String, Object> opts, Object source) {
        PointFilter filter = PointFilter.of(opts);
        @SuppressWarnings("unchecked")
        DataflowWriteChannel<Object> out = CH.create();
        if (CH.isChannel(source)) {
            DataflowReadChannel<?> upstream = CH.getReadChannel(source);
            session.addIgniter(new Call(this, () -> subscribe(upstream, out, filter)));
            return out;
        }
        List<List<Object>> items = items(source, filter); // scan now: a bad path stops the run before it starts
        session.addIgniter(new Call(this, () -> {
            for (List<Object> item : items) {
                out.bind(item);
            }
            out.bind(Channel.STOP);
        }));
        return out;
    }

    /** {@code [rows, dim, dtype, bytes]} of a layer file, from its header. */
    @Function
    public List<Object> layerInfo(Object path) {
        Path file = toPath(path);
        try {
            LayerInfo info = RepresentationScanner.info(file);
            return new ArrayList<>(List.of(info.rows(), info.dim(), info.dtype().label(), info.bytes()));
        } catch (LandscapeException e) {
            throw new AbortOperationException("layerInfo: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new AbortOperationException("layerInfo: " + file + ": " + e);
        }
    }

    /**
     * {@code [meta, modelDir, adapterDir]} per model of {@code models} (a model directory, a comma-separated list, a
     * list, or a CSV sheet {@code name,path[,adapter]}), read against the sheet schema {@code schema}: meta is
     * {@code [model: name, type: pretrained|finetuned, adapter: the adapter folder's name or null]}, and a model
     * without an adapter has {@code []} (no file) in its place.
     */
    @Function
    public List<Object> modelsToList(Object models, Object schema) {
        if (models == null || Boolean.TRUE.equals(models) || models.toString().isBlank()) {
            throw new AbortOperationException("Give --models (a model directory, a comma-separated list, or a CSV sheet"
                    + " name,path[,adapter]), --tiny_model, or --representations");
        }
        List<Object> out = new ArrayList<>();
        try {
            for (ModelSheet.Row row : new ModelSheet(toPath(schema)).read(models, Path.of("").toAbsolutePath())) {
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("model", row.name());
                meta.put("type", row.type());
                meta.put("adapter", row.adapter() == null ? null : row.adapter().getFileName().toString());
                List<Object> item = new ArrayList<>(3);
                item.add(meta);
                item.add(row.model());
                item.add(row.adapter() == null ? new ArrayList<>() : row.adapter());
                out.add(item);
            }
        } catch (LandscapeException e) {
            throw new AbortOperationException(e.getMessage());
        }
        return out;
    }

    /**
     * The GPUs each EXTRACT job requests ({@link GpuRequest#perExtract}): 0 when EXTRACT runs on the CPU, the number
     * of {@code --gpus_per_extract}, or null when each model's plan decides ({@code auto} on GPUs).
     */
    @Function
    public Integer extractGpus(Object device, Object devices, Object gpusPerExtract) {
        try {
            return GpuRequest.perExtract(gpusPerExtract, device, devices);
        } catch (LandscapeException e) {
            throw new AbortOperationException(e.getMessage());
        }
    }

    /** The GPUs one model needs, from its {@code landscape-extract plan --json} ({@link GpuRequest#fromPlan}). */
    @Function
    public int planGpus(Object planJson, Object placement) {
        try {
            return GpuRequest.fromPlan(toPath(planJson), placement);
        } catch (LandscapeException e) {
            throw new AbortOperationException(e.getMessage());
        }
    }

    /** {@code value} as one shell word for a task script ({@link Shell#quote}). */
    @Function
    public String shellQuote(Object value) {
        return Shell.quote(value);
    }

    /** Tool arguments for a task script: a list quoted word by word, a string as written ({@link Shell#args}). */
    @Function
    public String shellArgs(Object args) {
        return Shell.args(args);
    }

    private void subscribe(DataflowReadChannel<?> upstream, DataflowWriteChannel<Object> out, PointFilter filter) {
        Map<String, Closure> events = new LinkedHashMap<>();
        events.put("onNext", new Call1(this, value -> {
            try {
                for (List<Object> item : items(value, filter)) {
                    out.bind(item);
                }
            } catch (AbortOperationException e) {
                // shown once on the console (nextflow.* loggers reach it), then the run stops
                LOG.error(e.getMessage());
                session.abort(e);
            }
        }));
        events.put("onComplete", new Call1(this, ignored -> out.bind(Channel.STOP)));
        DataflowHelper.subscribeImpl(upstream, events);
    }

    static List<List<Object>> items(Object source, PointFilter filter) {
        List<List<Object>> items = new ArrayList<>();
        // type, model and shots name a run's results (statistics/<type>/<model>/<k>shot, its summary): two runs alike in
        // them, e.g. two splits of one model, would overwrite each other's
        Map<List<Object>, RepresentationScanner.Point> named = new LinkedHashMap<>();
        try {
            for (Object s : sources(source)) {
                String where = s instanceof Path p ? localPath(p).toString() : s.toString();
                Map<Path, List<RepresentationScanner.Point>> runs = new LinkedHashMap<>();
                for (RepresentationScanner.Point p : RepresentationScanner.scan(where)) {
                    runs.computeIfAbsent(p.run(), r -> new ArrayList<>()).add(p);
                }
                for (var run : runs.entrySet()) {
                    RepresentationScanner.Point first = run.getValue().get(0);
                    RepresentationScanner.Point other = named.putIfAbsent(List.of(first.type(), first.model(), first.shots()), first);
                    if (other != null && !other.run().equals(first.run())) {
                        throw LandscapeException.of(first.run(), "the same model, shots and type as " + other.run() + " ("
                                + first.type() + " " + first.model() + " " + first.shots() + "-shot, splits " + other.split() + " and "
                                + first.split() + "): their statistics and summaries would overwrite each other's; analyse"
                                + " them in separate runs");
                    }
                    List<RepresentationScanner.Point> kept = run.getValue().stream().filter(filter::accepts).toList();
                    if (kept.isEmpty()) {
                        throw LandscapeException.of(run.getKey(), "nothing to analyse: " + filter.describe()
                                + " (the run has points " + indices(run.getValue()) + "; check --layers and --first_layer)");
                    }
                    for (RepresentationScanner.Point p : kept) {
                        items.add(item(p, kept.size(), filter.withRun()));
                    }
                }
            }
        } catch (LandscapeException e) {
            throw new AbortOperationException("fromRepresentations: " + e.getMessage());
        } catch (AbortOperationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new AbortOperationException("fromRepresentations: " + source + ": " + e);
        }
        return items;
    }

    /** The item of one point: meta (with the run's type and its number of kept points), the file, the run if asked. */
    static List<Object> item(RepresentationScanner.Point p, int points, boolean withRun) {
        if (!SafeName.isSafe(p.model())) {
            // the model's name becomes folders and files of the results
            throw LandscapeException.of(p.run(), "model name '" + p.model() + "' " + SafeName.RULE);
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("model", p.model());
        meta.put("shots", p.shots());
        meta.put("split", p.split());
        meta.put("layer", p.layer());
        meta.put("module", p.module());
        meta.put("rows", p.rows());
        meta.put("dim", p.dim());
        meta.put("dtype", p.dtype());
        meta.put("run", p.run().toString());
        meta.put("type", p.type());
        meta.put("points", points);
        List<Object> item = new ArrayList<>(3);
        item.add(meta);
        item.add(p.file());
        if (withRun) {
            item.add(p.run());
        }
        return item;
    }

    private static String indices(List<RepresentationScanner.Point> points) {
        return points.stream().map(p -> String.valueOf(p.layer())).collect(Collectors.joining(","));
    }

    /** A path, a string (path or glob), a list of them, or a tuple from a process output (its paths are used). */
    private static List<Object> sources(Object source) {
        List<Object> out = new ArrayList<>();
        if (source instanceof Collection<?> c) {
            for (Object o : c) {
                if (o instanceof Path || o instanceof File || o instanceof CharSequence || o instanceof Collection<?>) {
                    out.addAll(sources(o));
                }
            }
        } else if (source instanceof Path || source instanceof File || source instanceof CharSequence) {
            out.add(source);
        } else {
            throw new AbortOperationException("fromRepresentations: expected a path, a glob or a list of them, got "
                    + (source == null ? "null" : source.getClass().getSimpleName()));
        }
        if (out.isEmpty()) {
            throw new AbortOperationException("fromRepresentations: no path given");
        }
        return out;
    }

    private static Path toPath(Object path) {
        if (path instanceof Path p) {
            return localPath(p);
        }
        if (path instanceof File f) {
            return f.toPath();
        }
        if (path instanceof CharSequence s && !s.toString().isBlank()) {
            return Path.of(s.toString());
        }
        throw new AbortOperationException("layerInfo: expected a file path, got "
                + (path == null ? "null" : path.getClass().getSimpleName()));
    }

    /**
     * A path of the default file system. Inside a task, Nextflow hands scripts its own Path wrapper (TaskPath) that
     * the default provider refuses; its real path is the file.
     */
    private static Path localPath(Path p) {
        if (p.getClass().getName().startsWith("sun.nio.fs.")) {
            return p;
        }
        try {
            return Path.of(p.toRealPath().toString()); // TaskPath: the staged target, not the name in the task dir
        } catch (IOException | RuntimeException e) {
            return p;
        }
    }

    /**
     * Keeps the points whose index is in {@code layers} (all when absent) and at least {@code min_layer} (0 when
     * absent); {@code run: true} asks for the run directory in every item.
     */
    record PointFilter(List<Integer> layers, int minLayer, boolean withRun) {
        static PointFilter of(Map<String, Object> opts) {
            Map<String, Object> o = opts == null ? Map.of() : opts;
            for (String key : o.keySet()) {
                if (!List.of("layers", "min_layer", "run").contains(key)) {
                    throw new AbortOperationException("fromRepresentations: unknown option '" + key
                            + "' (options: layers, min_layer, run)");
                }
            }
            List<Integer> layers = null;
            Object l = o.get("layers");
            if (l != null) {
                layers = new ArrayList<>();
                for (Object x : (l instanceof Collection<?> c ? c : List.of(l))) {
                    layers.add(integer("layers", x));
                }
            }
            int min = o.get("min_layer") == null ? 0 : integer("min_layer", o.get("min_layer"));
            Object run = o.get("run");
            return new PointFilter(layers, min, Boolean.TRUE.equals(run) || "true".equals(String.valueOf(run)));
        }

        private static int integer(String option, Object o) {
            try {
                return Integer.parseInt(o.toString().trim());
            } catch (NumberFormatException e) {
                throw new AbortOperationException("fromRepresentations: " + option + " must be integers, got '" + o + "'");
            }
        }

        boolean accepts(RepresentationScanner.Point p) {
            return p.layer() >= minLayer && (layers == null || layers.contains(p.layer()));
        }

        String describe() {
            String min = "no extraction point with index >= " + minLayer;
            return layers == null ? min : min + " among " + layers;
        }
    }

    /** A Groovy closure with no arguments that runs a Java action (for session.addIgniter). */
    static final class Call extends Closure<Object> {
        private final transient Runnable action;

        Call(Object owner, Runnable action) {
            super(owner);
            this.action = action;
        }

        @Override
        public Object call() {
            action.run();
            return null;
        }

        /** Groovy's closure dispatch looks for doCall. */
        public Object doCall() {
            return call();
        }

        @Override
        public Object call(Object... args) {
            return call();
        }
    }

    /** A Groovy closure of one argument that runs a Java consumer (for channel subscriptions). */
    static final class Call1 extends Closure<Object> {
        private final transient Consumer<Object> action;

        Call1(Object owner, Consumer<Object> action) {
            super(owner);
            this.action = action;
            this.maximumNumberOfParameters = 1;
            this.parameterTypes = new Class<?>[] {Object.class};
        }

        @Override
        public Object call(Object arg) {
            action.accept(arg);
            return null;
        }

        /** Groovy's closure dispatch looks for doCall. */
        public Object doCall(Object arg) {
            return call(arg);
        }

        @Override
        public Object call(Object... args) {
            return call(args.length == 0 ? null : args[0]);
        }

        @Override
        public Object call() {
            return call((Object) null);
        }
    }
}
