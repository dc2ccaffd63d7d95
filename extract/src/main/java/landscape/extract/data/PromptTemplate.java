package landscape.extract.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import landscape.core.LandscapeException;
import landscape.core.cli.UsageError;

/**
 * The reference prompt: a header naming the subject, then k solved dev examples, then the question:
 * <pre>
 * The following are multiple choice questions (with answers) about&lt;SUBJECT&gt;.\n\n
 * &lt;question&gt;\nA. &lt;a&gt;\nB. &lt;b&gt;\nC. &lt;c&gt;\nD. &lt;d&gt;\nAnswer: &lt;letter&gt;\n\n   (each shot)
 * &lt;question&gt;\nA. &lt;a&gt;\nB. &lt;b&gt;\nC. &lt;c&gt;\nD. &lt;d&gt;\nAnswer:
 * </pre>
 * where SUBJECT is the subject with each '_'-separated word preceded by a space, and texts are stripped as
 * Python's {@code str.strip()} does.
 */
public final class PromptTemplate {
    public static final String DESCRIPTION = "The following are multiple choice questions (with answers) about"
            + "<SUBJECT>.\\n\\n{<question>\\nA. <A>\\nB. <B>\\nC. <C>\\nD. <D>\\nAnswer: <letter>\\n\\n}*k"
            + "<question>\\nA. <A>\\nB. <B>\\nC. <C>\\nD. <D>\\nAnswer:";
    private static final String[] LETTERS = {"A", "B", "C", "D"};

    private final Map<String, List<Question>> dev;
    private final int shots;
    private final boolean shuffle;
    private final long seed;

    public PromptTemplate(Map<String, List<Question>> dev, int shots, boolean shuffle, long seed) {
        if (shots < 0 || shots > 5) {
            throw new UsageError("--shots: must be 0..5, got " + shots);
        }
        this.dev = dev;
        this.shots = shots;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    /** Checks that every subject has at least {@code shots} dev rows. */
    public void checkSubjects(Iterable<String> subjects, Object devFolder) {
        if (shots == 0) {
            return;
        }
        for (String s : subjects) {
            List<Question> d = dev.get(s);
            int have = d == null ? 0 : d.size();
            if (have < shots) {
                throw LandscapeException.of(devFolder, "subject '" + s + "' has " + have + " dev rows, fewer than --shots "
                        + shots);
            }
        }
    }

    public String prompt(Question q) {
        StringBuilder sb = new StringBuilder(header(q.subject()));
        for (Question shot : shotsFor(q)) {
            block(sb, shot);
            sb.append(' ').append(shot.answer()).append("\n\n");
        }
        block(sb, q);
        return sb.toString();
    }

    /** The first k dev rows of the subject, in dev order or in a seeded per-question order. */
    List<Question> shotsFor(Question q) {
        if (shots == 0) {
            return List.of();
        }
        List<Question> d = dev.get(q.subject());
        if (d == null || d.size() < shots) {
            throw new LandscapeException("dev: subject '" + q.subject() + "' has fewer dev rows than --shots " + shots);
        }
        List<Question> chosen = new ArrayList<>(d.subList(0, shots));
        if (shuffle) {
            // Fisher-Yates from a generator seeded by (seed, question index): same order on every run.
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + q.index());
            for (int i = chosen.size() - 1; i > 0; i--) {
                Collections.swap(chosen, i, rnd.nextInt(i + 1));
            }
        }
        return chosen;
    }

    public static String header(String subject) {
        StringBuilder sb = new StringBuilder("The following are multiple choice questions (with answers) about");
        for (String w : subject.split("_", -1)) {
            sb.append(' ').append(w);
        }
        return sb.append(".\n\n").toString();
    }

    private static void block(StringBuilder sb, Question q) {
        sb.append(pyStrip(q.question()));
        for (int i = 0; i < 4; i++) {
            sb.append('\n').append(LETTERS[i]).append(". ").append(pyStrip(q.choices().get(i)));
        }
        sb.append("\nAnswer:");
    }

    /** Python's {@code str.strip()}: removes leading and trailing Unicode whitespace. */
    public static String pyStrip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isPySpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isPySpace(s.charAt(b - 1))) {
            b--;
        }
        return s.substring(a, b);
    }

    static boolean isPySpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }
}
