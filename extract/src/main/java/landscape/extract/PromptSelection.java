package landscape.extract;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import landscape.core.LandscapeException;
import landscape.core.run.RowMask;
import landscape.extract.data.JsonlPrompts;
import landscape.extract.data.MmluDataset;
import landscape.extract.data.PromptItem;
import landscape.extract.data.PromptTemplate;
import landscape.extract.data.Question;

/**
 * Prompt selection: the prompts a run extracts, in output row order. The rows of the MMLU split (or of the JSONL
 * file) are taken through the {@code --mask} ({@link RowMask}: ascending), then the first {@code --limit} of them;
 * MMLU questions get the reference prompt with {@code --shots} dev examples of their subject.
 */
public final class PromptSelection {
    private PromptSelection() {
    }

    /** The selected prompts; an empty selection is an error. */
    public static List<PromptItem> select(ExtractOptions o) {
        List<PromptItem> items = o.prompts() != null ? pick(JsonlPrompts.read(o.prompts()), o) : mmlu(o);
        if (items.isEmpty()) {
            throw new LandscapeException("nothing to extract (empty selection after --mask/--limit)");
        }
        return items;
    }

    private static List<PromptItem> mmlu(ExtractOptions o) {
        List<Question> questions = pick(MmluDataset.load(o.dataset(), o.split()), o);
        Map<String, List<Question>> dev = o.shots() > 0 ? MmluDataset.bySubject(o.dataset(), "dev") : Map.of();
        PromptTemplate template = new PromptTemplate(dev, o.shots(), o.shuffleShots(), o.seed());
        template.checkSubjects(questions.stream().map(Question::subject).distinct().toList(),
                MmluDataset.splitLocation(o.dataset(), "dev"));
        List<PromptItem> items = new ArrayList<>(questions.size());
        for (Question q : questions) {
            items.add(new PromptItem(q.index(), q.subject(), q.answer(), template.prompt(q)));
        }
        return items;
    }

    /** The rows of {@code all} that the mask keeps (ascending), then the first {@code --limit} of them. */
    private static <T> List<T> pick(List<T> all, ExtractOptions o) {
        List<T> out = all;
        if (o.mask() != null) {
            out = new ArrayList<>();
            for (int row : new RowMask(o.mask()).rows(all.size())) {
                out.add(all.get(row));
            }
        }
        return o.limit() == null ? out : out.subList(0, Math.min(o.limit(), out.size()));
    }

    /** How the manifest names the prompts: {@code jsonl}, {@code mmlu-v1} or {@code mmlu-v1;shuffle-seed=S}. */
    static String templateName(ExtractOptions o) {
        if (o.prompts() != null) {
            return "jsonl";
        }
        return o.shuffleShots() ? "mmlu-v1;shuffle-seed=" + o.seed() : "mmlu-v1";
    }
}
