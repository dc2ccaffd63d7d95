package landscape.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;
import landscape.extract.data.PromptItem;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {
    static final Path SAMPLE = Path.of(System.getProperty("landscape.root", ".."), "extract/src/test/resources/mmlu-sample");
    static final String ALGEBRA = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
    static final String GEOGRAPHY = "The following are multiple choice questions (with answers) about high school geography.\n\n";

    static List<PromptItem> items(int shots) {
        return PromptSelection.select(sample(shots).build());
    }

    /** Prompt selection from the sample dataset (model and output folder unused). */
    static ExtractOptions.Builder sample(int shots) {
        return ExtractOptions.builder(Path.of("unused"), Path.of("unused")).dataset(SAMPLE, "test", shots);
    }

    @Test
    void subjectsAreAlphabeticalAndRowsInFileOrder() {
        List<PromptItem> it = items(0);
        assertEquals(10, it.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i, it.get(i).datasetIndex());
            assertEquals(i < 5 ? "abstract_algebra" : "high_school_geography", it.get(i).subject());
        }
        assertEquals(List.of("A", "C", "A", "C", "B", "A", "C", "D", "A", "C"),
                it.stream().map(PromptItem::answer).toList());
    }

    @Test
    void zeroShotPromptsAreByteIdenticalToTheTemplate() {
        List<PromptItem> it = items(0);
        assertEquals(ALGEBRA + "Is every cyclic group abelian?\nA. Yes\nB. No\nC. Only if finite\nD. Only if infinite\nAnswer:",
                it.get(0).prompt());
        assertEquals(ALGEBRA + "Which subgroup orders are possible in a group of order 12?\nA. 1, 2, 3, 4, 6, 12\n"
                + "B. only 1 and 12\nC. 5 and 7\nD. any number\nAnswer:", it.get(2).prompt());
        assertEquals(ALGEBRA + "Let G be a group.\nWhich property always holds?\nA. G is finite\nB. G has an identity\n"
                + "C. G is abelian\nD. G is cyclic\nAnswer:", it.get(4).prompt());
        assertEquals(GEOGRAPHY + "Which line of latitude is called \"the Equator\"?\nA. 0 degrees\nB. 23.5 degrees N\n"
                + "C. 66.5 degrees N\nD. 90 degrees S\nAnswer:", it.get(8).prompt());
    }

    @Test
    void twoShotPromptsAreByteIdenticalToTheTemplate() {
        List<PromptItem> it = items(2);
        assertEquals(ALGEBRA
                + "What is the order of the identity element in any group?\nA. 0\nB. 1\nC. 2\nD. infinite\nAnswer: B\n\n"
                + "How many elements does Z_4 have?\nA. 2\nB. 3\nC. 4\nD. 8\nAnswer: C\n\n"
                + "Which subgroup orders are possible in a group of order 12?\nA. 1, 2, 3, 4, 6, 12\n"
                + "B. only 1 and 12\nC. 5 and 7\nD. any number\nAnswer:", it.get(2).prompt());
        assertEquals(GEOGRAPHY
                + "Which ocean is the largest?\nA. Atlantic\nB. Indian\nC. Arctic\nD. Pacific\nAnswer: D\n\n"
                + "Which city is the capital of France, the country?\nA. Paris\nB. Lyon\nC. Marseille\nD. Nice\nAnswer: A\n\n"
                + "What is the longest mountain range on land?\nA. Himalayas\nB. Rockies\nC. Alps\nD. Andes\nAnswer:",
                it.get(7).prompt());
    }

    @Test
    void shuffledShotsAreSeededAndPerQuestion() {
        List<PromptItem> a = PromptSelection.select(sample(2).shuffleShots(true, 7).build());
        List<PromptItem> b = PromptSelection.select(sample(2).shuffleShots(true, 7).build());
        assertEquals(a, b);
        List<PromptItem> dev = items(2);
        boolean anyDiffers = false;
        for (int i = 0; i < a.size(); i++) {
            String tailA = a.get(i).prompt().substring(a.get(i).prompt().lastIndexOf("\n\n") + 2);
            String tailD = dev.get(i).prompt().substring(dev.get(i).prompt().lastIndexOf("\n\n") + 2);
            assertEquals(tailD, tailA);
            assertEquals(dev.get(i).prompt().length(), a.get(i).prompt().length());
            anyDiffers |= !a.get(i).prompt().equals(dev.get(i).prompt());
        }
        assertNotEquals(false, anyDiffers);
    }

    @Test
    void limitKeepsTheFirstRows() {
        ExtractOptions o = sample(0).limit(3).build();
        assertEquals(List.of(0L, 1L, 2L), PromptSelection.select(o).stream().map(PromptItem::datasetIndex).toList());
    }
}
