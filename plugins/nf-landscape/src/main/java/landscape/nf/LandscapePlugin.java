package landscape.nf;

import nextflow.plugin.BasePlugin;
import org.pf4j.PluginWrapper;

/** Entry point named by the plugin manifest (Plugin-Class). The work is done by {@link LandscapeExtension}. */
public class LandscapePlugin extends BasePlugin {
    public LandscapePlugin(PluginWrapper wrapper) {
        super(wrapper);
    }
}
