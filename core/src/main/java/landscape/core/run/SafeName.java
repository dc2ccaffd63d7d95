package landscape.core.run;

import java.util.regex.Pattern;

/**
 * The rule for names that become folder and file names of the results (a model's name in
 * {@code layers/mmlu/<type>/<split>/<model>/} and {@code summary-<model>-<k>shot.json}): one path component of
 * ASCII letters, digits and {@code . _ + -}, starting with a letter or digit, so it is never {@code ..}, never hidden,
 * never holds a separator, and needs no quoting in a shell. The models sheet's schema
 * ({@code assets/schema_models.json}) states the same pattern and message for its {@code name} column.
 */
public final class SafeName {
    /** The pattern, as written in assets/schema_models.json. */
    public static final String PATTERN = "^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$";
    /** What a refused name is told, as written in assets/schema_models.json. */
    public static final String RULE = "may only contain ASCII letters, digits and . _ + - and must start with a "
            + "letter or digit (it names folders and files of the results)";

    private static final Pattern COMPILED = Pattern.compile(PATTERN);

    private SafeName() {
    }

    public static boolean isSafe(String name) {
        return name != null && COMPILED.matcher(name).matches();
    }
}
