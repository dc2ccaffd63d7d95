package landscape.extract.model;

import ai.djl.Device;
import java.util.List;
import java.util.Locale;

/**
 * Where and how the model runs: contiguous layer ranges on one or more devices (the first also embeds the tokens,
 * the last applies the final norm and the lm_head), with the weights either resident on their device for the whole
 * run or streamed from the checkpoint one layer at a time, and the bound on one block of attention scores.
 * {@code landscape.extract.placement.Planner} decides it from the checkpoint header and the devices' memory.
 *
 * @param attentionBytes bound on the float32 scores of one query block of a batch ({@link BatchContext#queryBlock})
 */
public record Placement(Mode mode, List<Slot> slots, long attentionBytes) {

    /** Resident: each device holds its layers' weights for the whole run. Stream: one layer at a time (+1 ahead). */
    public enum Mode {
        RESIDENT, STREAM;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One device (as the user named it: {@code cpu}, {@code cpu:1}, {@code gpu:0}) and its layers {@code [from, to)}. */
    public record Slot(String label, Device device, int from, int to) {
        public int layers() {
            return to - from;
        }
    }

    public Placement {
        slots = List.copyOf(slots);
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("a placement needs at least one device");
        }
        for (int i = 1; i < slots.size(); i++) {
            if (slots.get(i).from() != slots.get(i - 1).to()) {
                throw new IllegalArgumentException("layer ranges must be contiguous: " + slots);
            }
        }
    }

    /** Every layer on one device. */
    public static Placement single(String label, Device device, Mode mode, int layers, long attentionBytes) {
        return new Placement(mode, List.of(new Slot(label, device, 0, layers)), attentionBytes);
    }

    public int layers() {
        return slots.get(slots.size() - 1).to();
    }
}
