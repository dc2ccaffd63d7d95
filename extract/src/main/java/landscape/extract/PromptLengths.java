package landscape.extract;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.extract.data.PromptItem;

/**
 * Prompts longer than the model's {@code max_position_embeddings}: positions the model was never trained on, so its
 * representations there mean little. Refused before any forward pass, unless explicitly allowed
 * ({@code --allow-long-prompts}), in which case a warning goes to stderr.
 */
final class PromptLengths {
    private PromptLengths() {
    }

    /**
     * Checks the tokenized prompts (special tokens included) against {@code limit}; {@code config} is the file the
     * limit comes from.
     */
    static void check(long[][] ids, List<PromptItem> items, int limit, Path config, boolean allow, PrintStream err) {
        int first = -1;
        int longest = -1;
        int count = 0;
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length > limit) {
                count++;
                first = first < 0 ? i : first;
                longest = longest < 0 || ids[i].length > ids[longest].length ? i : longest;
            }
        }
        if (count == 0) {
            return;
        }
        String more = count > 1 ? " (and " + (count - 1) + " more row(s) over the limit)" : "";
        if (!allow) {
            throw new LandscapeException("prompt row " + first + " (dataset_index " + items.get(first).datasetIndex()
                    + ") has " + ids[first].length + " tokens, more than max_position_embeddings " + limit + " of "
                    + config + more + "; shorten it, or pass --allow-long-prompts to extract it anyway");
        }
        err.println("landscape-extract: warning: " + count + " prompt(s) longer than max_position_embeddings " + limit
                + " of " + config + " (longest: row " + longest + ", " + ids[longest].length
                + " tokens); extracted anyway (--allow-long-prompts), at positions the model was not trained on");
    }
}
