package landscape.core.format;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import landscape.core.LandscapeException;

/**
 * The reference pipeline's {@code statistics_target.pkl}: a dict with {@code subjects} (list of str), {@code answers},
 * {@code predictions} and {@code contrained_predictions} (sic; {@code constrained_predictions} is accepted too) as
 * NumPy str arrays or lists, and accuracy dicts ({@code accuracy}, {@code constrained_accuracy}, ...). Read by the
 * restricted {@link Pickle} interpreter with the NumPy array vocabulary only.
 *
 * @param subjects               one subject per row
 * @param answers                the gold answer letter per row
 * @param predictions            the predicted letter per row (empty if the file has none)
 * @param constrainedPredictions the prediction constrained to the answer letters (empty if the file has none)
 * @param accuracies             every entry whose key contains "accuracy", as plain Java values (Double, Long,
 *                               String, Boolean, Map, List)
 */
public record ReferenceStatistics(List<String> subjects, List<String> answers, List<String> predictions,
                                  List<String> constrainedPredictions, Map<String, Object> accuracies) {
    /** Files larger than this are refused. */
    static final long MAX_BYTES = 1L << 30;
    private static final int MAX_DEPTH = 16;

    public ReferenceStatistics {
        subjects = List.copyOf(subjects);
        answers = List.copyOf(answers);
        predictions = List.copyOf(predictions);
        constrainedPredictions = List.copyOf(constrainedPredictions);
        accuracies = Collections.unmodifiableMap(new LinkedHashMap<>(accuracies));
    }

    /** Number of rows. */
    public int size() {
        return subjects.size();
    }

    /** {@code accuracy["micro"]} (or a plain {@code accuracy} number), if present. */
    public OptionalDouble microAccuracy() {
        Object a = accuracies.get("accuracy");
        if (a instanceof Map<?, ?> m) {
            a = m.get("micro");
        }
        return a instanceof Number n ? OptionalDouble.of(n.doubleValue()) : OptionalDouble.empty();
    }

    public static ReferenceStatistics read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw LandscapeException.of(file, "statistics pickle of " + size + " bytes exceeds the limit of " + MAX_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw LandscapeException.io(file, "cannot read", e);
        }
        return of(file, Pickle.load(bytes, file, PickledNumpy.VOCABULARY));
    }

    /** The record from an unpickled top-level object; {@code file} names it in errors. */
    static ReferenceStatistics of(Object file, Object top) {
        if (!(top instanceof Map<?, ?> dict)) {
            throw LandscapeException.of(file, "expected a dict at the top of the pickle, found a " + Pickle.typeName(top));
        }
        List<String> subjects = strings(file, dict, "subjects", true);
        List<String> answers = strings(file, dict, "answers", true);
        List<String> predictions = strings(file, dict, "predictions", false);
        List<String> constrained = dict.containsKey("constrained_predictions")
                ? strings(file, dict, "constrained_predictions", false)
                : strings(file, dict, "contrained_predictions", false);
        for (List<String> l : List.of(answers, predictions, constrained)) {
            if (!l.isEmpty() && l.size() != subjects.size()) {
                throw LandscapeException.of(file, "subjects has " + subjects.size() + " rows but another column has " + l.size());
            }
        }
        Map<String, Object> accuracies = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getKey() instanceof String k && k.contains("accuracy")) {
                accuracies.put(k, plain(file, e.getValue(), 0));
            }
        }
        return new ReferenceStatistics(subjects, answers, predictions, constrained, accuracies);
    }

    private static List<String> strings(Object file, Map<?, ?> dict, String key, boolean required) {
        Object v = dict.get(key);
        if (v == null) {
            if (required) {
                throw LandscapeException.of(file, "the statistics dict has no '" + key + "'");
            }
            return List.of();
        }
        try {
            if (v instanceof PickledNumpy.Array a) {
                if (a.shape().length != 1) {
                    throw LandscapeException.of(file, "'" + key + "' should be 1-D, has shape " + Arrays.toString(a.shape()));
                }
                return a.strings();
            }
        } catch (Pickle.Invalid e) {
            throw LandscapeException.of(file, "'" + key + "': " + e.getMessage());
        }
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>(l.size());
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw LandscapeException.of(file, "'" + key + "' should hold str, found a " + Pickle.typeName(o));
                }
                out.add(s);
            }
            return out;
        }
        throw LandscapeException.of(file, "'" + key + "' should be a list or NumPy array of str, found a " + Pickle.typeName(v));
    }

    /** Plain JSON-like Java values; anything else (arrays, cycles deeper than MAX_DEPTH) is an error. */
    private static Object plain(Object file, Object v, int depth) {
        if (depth > MAX_DEPTH) {
            throw LandscapeException.of(file, "accuracy entry nested deeper than " + MAX_DEPTH);
        }
        if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Double || v instanceof String) {
            return v;
        }
        if (v instanceof BigInteger b) {
            return b;
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), plain(file, e.getValue(), depth + 1));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof List<?> || v instanceof Pickle.Tuple) {
            List<?> l = v instanceof Pickle.Tuple t ? t.items() : (List<?>) v;
            List<Object> out = new ArrayList<>(l.size());
            for (Object o : l) {
                out.add(plain(file, o, depth + 1));
            }
            return Collections.unmodifiableList(out);
        }
        if (v instanceof PickledNumpy.Array a) {
            try {
                double[] values = a.tensor().toDoubleArray();
                return a.shape().length == 0 ? (Object) values[0] : toList(values);
            } catch (Pickle.Invalid e) {
                throw LandscapeException.of(file, "accuracy entry: " + e.getMessage());
            }
        }
        throw LandscapeException.of(file, "unexpected " + Pickle.typeName(v) + " in an accuracy entry");
    }

    private static List<Object> toList(double[] values) {
        List<Object> out = new ArrayList<>(values.length);
        for (double d : values) {
            out.add(d);
        }
        return out;
    }
}
