package landscape.core.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import landscape.core.LandscapeException;
import landscape.core.format.Checkpoint;
import landscape.core.hub.HubCache;

/**
 * Where a model (or a PEFT adapter) is read from, the one rule for {@code landscape-extract} and the pipeline's
 * parameter checks: a plain checkpoint folder, a Hugging Face hub cache folder {@code models--Org--Name} (read at
 * {@code snapshots/<refs/main>}) or one of its snapshot folders (files are links into {@code blobs/}); see
 * {@link HubCache}.
 *
 * @param dir      the folder whose files are read (the snapshot for hub cache folders)
 * @param name     the default model id: {@code Name} of {@code models--Org--Name}, else the folder's name
 * @param revision the snapshot's revision (commit hash), or null for a plain folder
 */
public record ModelLocation(Path dir, String name, String revision) {
    /** The files every model folder needs besides its weights. */
    public static final List<String> MODEL_FILES = List.of("config.json", "tokenizer.json");
    public static final List<String> ADAPTER_FILES = List.of("adapter_config.json", "adapter_model.safetensors");

    /** Resolves a model or adapter folder; hub cache problems are refused with one line naming the folder. */
    public static ModelLocation resolve(Path path) {
        HubCache.Location l = HubCache.resolve(path);
        return new ModelLocation(l.dir(), l.name(), l.revision());
    }

    /**
     * The check of a model folder before anything runs (the pipeline's parameter check calls this): resolved as
     * {@link #resolve}, then config.json, tokenizer.json and the weights ({@code model.safetensors} or
     * {@code model.safetensors.index.json}) must be files, following links.
     */
    public static ModelLocation checkModel(Path path) {
        ModelLocation l = resolve(path);
        l.requireFiles(MODEL_FILES);
        if (!Files.isRegularFile(l.dir().resolve(Checkpoint.SINGLE)) && !Files.isRegularFile(l.dir().resolve(Checkpoint.INDEX))) {
            throw LandscapeException.of(l.dir(), "no " + Checkpoint.SINGLE + " or " + Checkpoint.INDEX);
        }
        return l;
    }

    /** The check of a PEFT LoRA adapter folder: resolved, then adapter_config.json and adapter_model.safetensors. */
    public static ModelLocation checkAdapter(Path path) {
        ModelLocation l = resolve(path);
        l.requireFiles(ADAPTER_FILES);
        return l;
    }

    /** Each name must be a file in {@link #dir} (links followed); else one line naming the folder and the file. */
    public void requireFiles(List<String> names) {
        for (String f : names) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw LandscapeException.of(dir, "no " + f);
            }
        }
    }
}
