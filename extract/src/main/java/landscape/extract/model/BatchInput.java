package landscape.extract.model;

/**
 * One right-padded batch: {@code ids} is [rows, length] row-major (any pad id after each row's real tokens),
 * {@code lengths[r]} the real length of row r, {@code items[r]} the caller's index of row r (its output row).
 */
public record BatchInput(int[] items, long[] ids, int rows, int length, int[] lengths) {
    public BatchInput {
        if (ids.length != (long) rows * length || lengths.length != rows || items.length != rows) {
            throw new IllegalArgumentException("batch of " + rows + " x " + length + " with " + ids.length + " ids, "
                    + lengths.length + " lengths, " + items.length + " items");
        }
    }

    public long paddedTokens() {
        return (long) rows * length;
    }
}
