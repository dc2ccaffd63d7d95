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
import landscape.core.LandscapeException;
import landscape.core.format.LayerInfo;
import landscape.core.run.RepresentationScanner;
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
 * {@code include { fromRepresentations; layerInfo } from 'plugin/nf-landscape'}:
 * <ul>
 *   <li>{@code channel.fromRepresentations(pathOrGlob)}: one {@code [meta, layerFile]} item per extraction point
 *       (meta: model, shots, split, layer, module, rows, dim, dtype, run). The argument may also be a channel of
 *       directories (for example a process output); then items follow as directories arrive.</li>
 *   <li>{@code layerInfo(path)}: {@code [rows, dim, dtype, bytes]} from the file header only.</li>
 *   <li>At start, {@code params} are checked against {@code ${projectDir}/nextflow_schema.json} ({@link ParamsValidator}).</li>
 * </ul>
 * Every user error ends the run with the core's one-line message (as an {@link AbortOperationException}).
 */
@Extension
public class LandscapeExtension extends PluginExtensionPoint {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("nextflow.plugin.landscape");
    private Session session;

    @Override
    protected void init(Session session) {
        this.session = session;
        Object enabled = session.getConfigAttribute("landscape.validateParams", true);
        if (Boolean.FALSE.equals(enabled) || "false".equals(String.valueOf(enabled))) {
            return;
        }
        Path base = session.getBaseDir();
        if (base == null) {
            return;
        }
        try {
            ParamsValidator.validateIfSchemaPresent(base.resolve(ParamsValidator.SCHEMA_FILE), session.getParams(),
                    Path.of("").toAbsolutePath());
        } catch (LandscapeException e) {
            throw new AbortOperationException(e.getMessage());
        }
    }

    /** One item per extraction point of the representation directories at {@code source}. */
    @Factory
    public DataflowWriteChannel<Object> fromRepresentations(Object source) {
        return fromRepresentations(Map.of(), source);
    }

    /** Named-argument form; {@code layers: [1, 5]} (a list of indices) keeps only those points. */
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
        try {
            for (Object s : sources(source)) {
                String where = s instanceof Path p ? localPath(p).toString() : s.toString();
                for (RepresentationScanner.Point p : RepresentationScanner.scan(where)) {
                    if (filter.accepts(p)) {
                        items.add(item(p));
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

    static List<Object> item(RepresentationScanner.Point p) {
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
        List<Object> item = new ArrayList<>(2);
        item.add(meta);
        item.add(p.file());
        return item;
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
        throw new AbortOperationException("layerInfo: expected a file path, got " + (path == null ? "null" : path.getClass().getSimpleName()));
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

    /** Keeps the points whose index is in {@code layers} (all when absent). */
    record PointFilter(List<Integer> layers) {
        static PointFilter of(Map<String, Object> opts) {
            Object l = opts == null ? null : opts.get("layers");
            if (l == null) {
                return new PointFilter(null);
            }
            List<Integer> layers = new ArrayList<>();
            for (Object o : (l instanceof Collection<?> c ? c : List.of(l))) {
                try {
                    layers.add(Integer.parseInt(o.toString().trim()));
                } catch (NumberFormatException e) {
                    throw new AbortOperationException("fromRepresentations: layers must be integers, got '" + o + "'");
                }
            }
            return new PointFilter(layers);
        }

        boolean accepts(RepresentationScanner.Point p) {
            return layers == null || layers.contains(p.layer());
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
        private final transient java.util.function.Consumer<Object> action;

        Call1(Object owner, java.util.function.Consumer<Object> action) {
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
