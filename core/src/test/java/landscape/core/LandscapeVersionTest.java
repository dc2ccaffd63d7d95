package landscape.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import landscape.core.testing.Golden;
import org.junit.jupiter.api.Test;

class LandscapeVersionTest {
    /** The version Java reports is the parent pom's, filled in by Maven: nothing to keep in step by hand. */
    @Test
    void versionIsTheParentPomVersion() throws Exception {
        String pom = Files.readString(Golden.repositoryRoot().resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>landscape-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no landscape-parent version in pom.xml");
        assertEquals(m.group(1), LandscapeVersion.get());
    }
}
