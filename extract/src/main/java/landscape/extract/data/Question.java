package landscape.extract.data;

import java.util.List;

/** One MMLU row: subject, question, four choices and the answer letter, with its row index in the split. */
public record Question(long index, String subject, String question, List<String> choices, String answer) {
}
