package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.embed.TextEmbedder;
import io.vectorstream.operators.shard.ShardRouter;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.CollectionRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * The collections the job serves, by name, with their shard routers: the configured one and those
 * created by control records. The control operator owns the authoritative one; each decoder keeps a
 * copy fed by its broadcast ({@link CatalogView}). The task thread is the only writer; the metric
 * gauges read it from another thread, hence a concurrent (and sorted) map.
 */
final class CollectionCatalog {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final VectorStreamConfig cfg;
    private final Map<String, Served> byName = new ConcurrentSkipListMap<>();

    /** A collection and the router of its ids to shard keys. */
    record Served(Collection collection, ShardRouter router) {}

    /** Holds the configured collection, with {@code dimension} if a restore already fixed it. */
    CollectionCatalog(VectorStreamConfig cfg) {
        this.cfg = cfg;
        add(Collection.configured(cfg));
    }

    /**
     * The collection named {@code name}.
     *
     * @throws Rejection UNKNOWN_COLLECTION, naming the collections there are
     */
    Served get(String name) throws Rejection {
        Served s = byName.get(name);
        if (s == null) {
            throw new Rejection(
                    "UNKNOWN_COLLECTION",
                    "collection '"
                            + name
                            + "' does not exist; the job serves "
                            + String.join(", ", byName.keySet())
                            + ". Create it with a CREATE request on the collections topic");
        }
        return s;
    }

    /** Every collection, by name. */
    List<Collection> all() {
        List<Collection> out = new ArrayList<>();
        byName.values().forEach(s -> out.add(s.collection()));
        return out;
    }

    /** Every collection with its router, by name. */
    List<Served> served() {
        return List.copyOf(byName.values());
    }

    int size() {
        return byName.size();
    }

    /**
     * Takes a collection the control operator created, as is; returns it served if it was not here
     * with these settings, else null.
     */
    Served adopt(Collection c) {
        Served existing = byName.get(c.name());
        if (existing != null
                && existing.collection().ordinal() == c.ordinal()
                && existing.collection().toInfo().equals(c.toInfo())) {
            return null;
        }
        return add(c);
    }

    /**
     * Creates the collection {@code r} describes, with the job's defaults for what it leaves unset.
     *
     * @return the collection, and whether it is new (false: it existed with the same settings)
     * @throws Rejection BAD_COLLECTION, COLLECTION_EXISTS or TOO_MANY_COLLECTIONS
     */
    Created create(CollectionRequest r) throws Rejection {
        String name = r.getCollection();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new Rejection(
                    "BAD_COLLECTION",
                    "'collection' must be 1..64 characters of A-Z a-z 0-9 _ . -, got "
                            + (name == null ? "none" : "'" + name + "'"));
        }
        String embedder = TextEmbedder.canonical(r.getEmbedder());
        if (r.getEmbedder() != null && embedder == null) {
            throw new Rejection(
                    "BAD_COLLECTION",
                    "unknown embedder '"
                            + r.getEmbedder()
                            + "'; the job has "
                            + TextEmbedder.ALL_MINILM_L6_V2);
        }
        if (r.getDimension() == null && embedder == null) {
            throw new Rejection("BAD_COLLECTION", "'dimension' is required to create a collection");
        }
        if (embedder != null
                && r.getDimension() != null
                && r.getDimension() != TextEmbedder.dimension(embedder)) {
            throw new Rejection(
                    "BAD_COLLECTION",
                    "embedder "
                            + embedder
                            + " makes "
                            + TextEmbedder.dimension(embedder)
                            + "-d vectors; leave 'dimension' out or set it to that");
        }
        Served existing = byName.get(name);
        int ordinal = existing != null ? existing.collection().ordinal() : nextOrdinal();
        Collection wanted;
        try {
            wanted = Collection.of(resolve(r), ordinal, cfg.index().buildThreads());
            if (wanted.dimension() < 1 || wanted.dimension() > VectorStreamConfig.MAX_DIMENSION) {
                throw new IllegalArgumentException(
                        "'dimension' must be 1.." + VectorStreamConfig.MAX_DIMENSION);
            }
            checkShards(wanted.shards());
            if (wanted.index().ivfPqM() > 0 && wanted.dimension() % wanted.index().ivfPqM() != 0) {
                throw new IllegalArgumentException(
                        "'ivfPqM' (" + wanted.index().ivfPqM() + ") must divide 'dimension'");
            }
            String beyond = cfg.collectionProblem(wanted.dimension(), wanted.index());
            if (beyond != null) {
                throw new IllegalArgumentException(beyond);
            }
        } catch (IllegalArgumentException e) {
            throw new Rejection("BAD_COLLECTION", e.getMessage());
        }
        if (existing != null) {
            if (!existing.collection().toInfo().equals(wanted.toInfo())) {
                throw new Rejection(
                        "COLLECTION_EXISTS",
                        "collection '"
                                + name
                                + "' exists with other settings ("
                                + existing.collection().toInfo()
                                + "); a collection's settings are fixed when it is created");
            }
            return new Created(existing, false);
        }
        if (byName.size() >= cfg.limits().maxCollections()) {
            throw new Rejection(
                    "TOO_MANY_COLLECTIONS",
                    "the job already serves "
                            + byName.size()
                            + " collections; vectorstream.limits.max-collections="
                            + cfg.limits().maxCollections());
        }
        try {
            return new Created(add(wanted), true);
        } catch (IllegalArgumentException e) {
            throw new Rejection("TOO_MANY_COLLECTIONS", e.getMessage());
        }
    }

    record Created(Served served, boolean isNew) {}

    /** Every collection, the configured one included, as state keeps them. */
    List<byte[]> snapshot() {
        List<byte[]> out = new ArrayList<>();
        byName.values().forEach(s -> out.add(s.collection().toBytes()));
        return out;
    }

    /**
     * Restores the state of {@link #snapshot()}. The configured collection keeps its settings from
     * the configuration, except a dimension fixed by its first vector.
     *
     * @throws SuppressRestartsException when the configuration changed something the restored data
     *     cannot follow (dimension, shards, metric, index type, memory tier of the configured
     *     collection): the job fails at once with what changed and how to migrate, instead of
     *     restarting into the same refusal forever or serving wrong answers
     */
    void restore(Iterable<byte[]> state) {
        for (byte[] bytes : state) {
            Collection c = Collection.fromBytes(bytes, cfg.index().buildThreads());
            if (c.ordinal() != Collection.CONFIGURED) {
                add(c);
                continue;
            }
            Collection configured = byName.get(cfg.collection()).collection();
            List<String> changes = changes(c, configured);
            if (!changes.isEmpty()) {
                throw new SuppressRestartsException(
                        new IllegalStateException(
                                "The configuration changed what the restored collection '"
                                        + c.name()
                                        + "' was built with: "
                                        + String.join("; ", changes)
                                        + ". These settings cannot change on existing data. Set"
                                        + " them back; or start from empty state (bin/vectorstream"
                                        + " local --fresh, or submit without a checkpoint) and the"
                                        + " job re-reads the vectors topic into the new layout;"
                                        + " or keep this data and CREATE a new collection with"
                                        + " the new settings on the collections topic."));
            }
            if (configured.dimension() == 0) {
                add(configured.withDimension(c.dimension()));
            }
        }
    }

    /** What the configuration ({@code now}) changed that {@code restored}'s data depends on. */
    private static List<String> changes(Collection restored, Collection now) {
        List<String> out = new ArrayList<>();
        if (now.dimension() != 0
                && restored.dimension() != 0
                && now.dimension() != restored.dimension()) {
            out.add(change("collection.dimension", restored.dimension(), now.dimension()));
        }
        if (now.shards() != restored.shards()) {
            out.add(change("collection.shards", restored.shards(), now.shards()));
        }
        if (now.metric() != restored.metric()) {
            out.add(change("collection.metric", restored.metric(), now.metric()));
        }
        if (now.index().type() != restored.index().type()) {
            out.add(
                    change(
                            "index.type",
                            restored.index().type().configName(),
                            now.index().type().configName()));
        }
        if (now.index().memoryTier() != restored.index().memoryTier()) {
            out.add(
                    change(
                            "index.memory-tier",
                            restored.index().memoryTier().configName(),
                            now.index().memoryTier().configName()));
        }
        return out;
    }

    private static String change(String option, Object restored, Object now) {
        return "vectorstream." + option + " is " + now + ", the data was built with " + restored;
    }

    private Served add(Collection c) {
        Served s = new Served(c, new ShardRouter(c.shards(), cfg.maxParallelism(), c.ordinal()));
        byName.put(c.name(), s);
        return s;
    }

    private int nextOrdinal() {
        int max = -1;
        for (Served s : byName.values()) {
            max = Math.max(max, s.collection().ordinal());
        }
        return max + 1;
    }

    private void checkShards(int shards) {
        if (shards < 1 || cfg.maxParallelism() % shards != 0) {
            throw new IllegalArgumentException(
                    "'shards' must divide vectorstream.max-parallelism ("
                            + cfg.maxParallelism()
                            + "), got "
                            + shards);
        }
    }

    /** The request's settings, the job's defaults where it has none. */
    private CollectionInfo resolve(CollectionRequest r) {
        CollectionInfo d = Collection.configured(cfg).toInfo();
        String embedder = TextEmbedder.canonical(r.getEmbedder());
        return new CollectionInfo(
                r.getCollection(),
                r.getDimension() != null ? r.getDimension() : TextEmbedder.dimension(embedder),
                Objects.requireNonNullElse(r.getMetric(), d.getMetric()),
                Objects.requireNonNullElse(r.getShards(), d.getShards()),
                Objects.requireNonNullElse(r.getIndexType(), d.getIndexType()),
                Objects.requireNonNullElse(r.getMemoryTier(), d.getMemoryTier()),
                Objects.requireNonNullElse(r.getSealSize(), d.getSealSize()),
                Objects.requireNonNullElse(r.getHnswM(), d.getHnswM()),
                Objects.requireNonNullElse(r.getHnswEfConstruction(), d.getHnswEfConstruction()),
                Objects.requireNonNullElse(r.getHnswEfSearch(), d.getHnswEfSearch()),
                Objects.requireNonNullElse(r.getIvfNlist(), d.getIvfNlist()),
                Objects.requireNonNullElse(r.getIvfPqM(), d.getIvfPqM()),
                Objects.requireNonNullElse(r.getIvfNprobe(), d.getIvfNprobe()),
                Objects.requireNonNullElse(r.getIvfRerank(), d.getIvfRerank()),
                Objects.requireNonNullElse(
                        r.getCompactionMaxSegments(), d.getCompactionMaxSegments()),
                Objects.requireNonNullElse(
                        r.getCompactionDeletedRatio(), d.getCompactionDeletedRatio()),
                embedder);
    }
}
