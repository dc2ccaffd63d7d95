package landscape.nf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;
import nextflow.Session;
import nextflow.exception.AbortOperationException;
import nextflow.trace.TraceObserver;
import nextflow.trace.TraceObserverFactory;
import org.pf4j.Extension;

/**
 * The parameter check and {@code --help}, at the earliest point a plugin is called in a run: Nextflow asks every
 * observer factory for its observers while it sets the session up, after the config and the command line are read
 * (so {@code params} are known) and before any observer opens its file or the cache is opened. A run refused here
 * therefore leaves no trace, timeline, report or DAG file behind. Nothing is observed: the list is empty.
 * <ul>
 *   <li>{@code --help}: prints the parameters of {@code ${projectDir}/nextflow_schema.json} ({@link ParamsHelp}) and
 *       exits 0;</li>
 *   <li>else {@code params} are checked against that schema ({@link ParamsValidator}); the first problem ends the
 *       run with one line. {@code landscape.validateParams = false} in a config turns the check off; a pipeline
 *       without a schema is not checked.</li>
 * </ul>
 */
@Extension
public class ParamsCheck implements TraceObserverFactory {
    static final String HELP = "help";

    @Override
    public Collection<TraceObserver> create(Session session) {
        Path base = session.getBaseDir();
        if (base == null) {
            return List.of();
        }
        Path schema = base.resolve(ParamsValidator.SCHEMA_FILE);
        Map<String, Object> params = params(session);
        try {
            if (Files.isRegularFile(schema) && isTrue(params.get(HELP))) {
                System.out.print(ParamsHelp.render(schema, version(session)));
                System.out.flush();
                System.exit(0);
            }
            if (!isFalse(session.getConfigAttribute("landscape.validateParams", true))) {
                ParamsValidator.validateIfSchemaPresent(schema, params, Path.of("").toAbsolutePath());
            }
        } catch (LandscapeException e) {
            throw new AbortOperationException(e.getMessage());
        }
        return List.of();
    }

    /** The run's params (command line over config); the script binding is filled only after the observers exist. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> params(Session session) {
        Object p = session.getConfig() == null ? null : session.getConfig().get("params");
        return p instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String version(Session session) {
        Object v = session.getConfigAttribute("manifest.version", null);
        return v == null ? null : v.toString();
    }

    private static boolean isTrue(Object v) {
        return v != null && !isFalse(v) && !v.toString().isBlank();
    }

    private static boolean isFalse(Object v) {
        return Boolean.FALSE.equals(v) || "false".equals(String.valueOf(v));
    }
}
