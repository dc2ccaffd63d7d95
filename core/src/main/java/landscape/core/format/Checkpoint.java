package landscape.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import landscape.core.Json;
import landscape.core.LandscapeException;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards listed in
 * {@code model.safetensors.index.json} ({@code weight_map: name -> shard file}). Tensors are memory-mapped.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final Map<String, Safetensors.Reader> byName = new TreeMap<>();
    private final List<Safetensors.Reader> readers = new ArrayList<>();

    private Checkpoint(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens {@code dir} (or a single .safetensors file): {@code model.safetensors} if it is there, else the shards of
     * {@code model.safetensors.index.json}, in the order transformers looks for them.
     */
    public static Checkpoint open(Path dir) {
        Checkpoint c = new Checkpoint(dir);
        try {
            if (Files.isRegularFile(dir)) {
                c.add(Safetensors.open(dir));
            } else if (Files.isRegularFile(dir.resolve(SINGLE))) {
                // transformers' from_pretrained takes the single file first when both are there
                c.add(Safetensors.open(dir.resolve(SINGLE)));
            } else if (Files.isRegularFile(dir.resolve(INDEX))) {
                c.openSharded(dir.resolve(INDEX));
            } else {
                throw LandscapeException.of(dir, "no " + SINGLE + " or " + INDEX + " found");
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void openSharded(Path index) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(index.toFile());
        } catch (IOException e) {
            throw LandscapeException.of(index, "cannot read JSON: " + Json.oneLine(e.getMessage()));
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw LandscapeException.of(index, "missing weight_map");
        }
        Map<String, Safetensors.Reader> shards = new LinkedHashMap<>();
        map.fields().forEachRemaining(f -> {
            String shard = f.getValue().asText();
            Path p = dir.resolve(shard).normalize();
            if (!p.startsWith(dir.normalize()) || shard.contains("/")) {
                throw LandscapeException.of(index, "shard '" + shard + "' is not a file in the checkpoint directory");
            }
            if (!Files.isRegularFile(p)) {
                throw LandscapeException.of(index, "shard '" + shard + "' listed for '" + f.getKey() + "' does not exist");
            }
            Safetensors.Reader r = shards.computeIfAbsent(shard, s -> {
                Safetensors.Reader opened = Safetensors.open(p);
                readers.add(opened);
                return opened;
            });
            if (!r.entries().containsKey(f.getKey())) {
                throw LandscapeException.of(p, "tensor '" + f.getKey() + "' listed in " + INDEX + " is missing");
            }
            byName.put(f.getKey(), r);
        });
    }

    private void add(Safetensors.Reader r) {
        readers.add(r);
        for (String n : r.entries().keySet()) {
            byName.put(n, r);
        }
    }

    public Path dir() {
        return dir;
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    public Safetensors.Entry entry(String name) {
        Safetensors.Reader r = byName.get(name);
        if (r == null) {
            throw LandscapeException.of(dir, "checkpoint has no tensor '" + name + "'");
        }
        return r.entry(name);
    }

    /** The tensor, memory-mapped (under 2 GB per tensor). */
    public Tensor get(String name) {
        Safetensors.Reader r = byName.get(name);
        if (r == null) {
            throw LandscapeException.of(dir, "checkpoint has no tensor '" + name + "'");
        }
        return r.get(name);
    }

    /**
     * Copies {@code dst.remaining()} bytes of tensor {@code name}, from {@code offset} bytes into its data, into
     * {@code dst} by positional reads (no mapping; thread-safe; works past 2 GB).
     */
    public void read(String name, long offset, ByteBuffer dst) {
        reader(name).read(name, offset, dst);
    }

    /** The safetensors file (shard) that holds {@code name}. */
    public Path file(String name) {
        return reader(name).file();
    }

    /** The size in bytes of each safetensors file of the checkpoint, in the order they were opened. */
    public List<Long> fileSizes() {
        List<Long> out = new ArrayList<>();
        for (Safetensors.Reader r : readers) {
            try {
                out.add(Files.size(r.file()));
            } catch (IOException e) {
                throw LandscapeException.io(r.file(), "cannot read size", e);
            }
        }
        return out;
    }

    private Safetensors.Reader reader(String name) {
        Safetensors.Reader r = byName.get(name);
        if (r == null) {
            throw LandscapeException.of(dir, "checkpoint has no tensor '" + name + "'");
        }
        return r;
    }

    @Override
    public void close() {
        for (Safetensors.Reader r : readers) {
            r.close();
        }
    }
}
