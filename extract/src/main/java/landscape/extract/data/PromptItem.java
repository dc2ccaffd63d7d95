package landscape.extract.data;

/** One input to extract: the prompt text, its dataset row id, and subject/answer when known (else empty). */
public record PromptItem(long datasetIndex, String subject, String answer, String prompt) {
}
