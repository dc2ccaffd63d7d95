package landscape.nf;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Values on their way into a task's bash script. A value is one shell word: left as it is when it holds only
 * characters no shell treats specially, else put in single quotes (a single quote inside becomes {@code '\''}), so
 * that a name such as {@code m$(touch x)} or {@code it's} reaches the tool as it was written and runs nothing.
 */
public final class Shell {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Shell() {
    }

    /** One shell word for {@code value} (null: the empty word {@code ''}). */
    public static String quote(Object value) {
        String s = value == null ? "" : value.toString();
        if (PLAIN.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Tool arguments: a list (as {@code conf/modules.config} gives them) becomes its elements quoted one by one,
     * nulls and blanks left out; a string is taken as shell text written by whoever wrote the config, as in nf-core
     * ({@code ext.args = '--foo bar'}); null is nothing.
     */
    public static String args(Object args) {
        if (args == null) {
            return "";
        }
        if (args instanceof Collection<?> c) {
            List<String> words = new ArrayList<>();
            for (Object o : c) {
                if (o instanceof Collection<?> inner) {
                    String nested = args(inner);
                    if (!nested.isEmpty()) {
                        words.add(nested);
                    }
                } else if (o != null && !o.toString().isBlank()) {
                    words.add(quote(o));
                }
            }
            return String.join(" ", words);
        }
        return args.toString();
    }
}
