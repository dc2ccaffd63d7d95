package landscape.extract;

import landscape.core.hub.HubCache;
import landscape.core.model.ModelLocation;

/**
 * The input folders of a run as they are read: a Hugging Face hub cache folder ({@code models--Org--Name},
 * {@code datasets--cais--mmlu}) becomes its {@code refs/main} snapshot, a snapshot folder stays itself (its files
 * are links into {@code blobs/}), and the default model id is the repository's name ({@code Name}), else the
 * folder's. The manifest then records the snapshot that was read. Same rule as the pipeline's parameter checks
 * ({@link ModelLocation}, core).
 */
final class HubInputs {
    private HubInputs() {
    }

    static ExtractOptions resolve(ExtractOptions o) {
        if (o.model() == null) {
            return o; // nothing to resolve; the run's own checks say what is missing
        }
        ModelLocation model = ModelLocation.resolve(o.model());
        return o.withInputs(model.dir(), o.modelId() != null ? o.modelId() : model.name(),
                o.adapter() == null ? null : ModelLocation.resolve(o.adapter()).dir(),
                o.dataset() == null ? null : HubCache.resolve(o.dataset()).dir());
    }
}
