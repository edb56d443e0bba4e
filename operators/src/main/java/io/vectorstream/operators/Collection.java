package io.vectorstream.operators;

import io.vectorstream.operators.VectorStreamConfig.IndexSettings;
import io.vectorstream.operators.embed.TextEmbedder;
import io.vectorstream.schema.CollectionInfo;
import io.vectorstream.schema.codec.PayloadCodec;
import io.vectorstream.state.segment.MemoryTier;
import io.vectorstream.state.segment.SegmentType;
import io.vectorstream.state.vector.Metric;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * One collection as the job serves it: its name, the ordinal that picks its shard keys, its
 * dimension (0 until the first vector fixes it, for the configured collection only), metric, shard
 * count and index settings. Immutable.
 *
 * <p>The configured collection ({@code vectorstream.collection.*}) has ordinal 0 and takes its
 * settings from the configuration on every start; collections created by control records keep the
 * settings they were created with, in the validator's and the shards' state ({@link #toBytes}).
 *
 * <p>{@code embedder} names the model ({@link TextEmbedder}) that embeds records and queries that
 * bring text and no vector; null for none.
 */
public record Collection(
        String name,
        int ordinal,
        int dimension,
        Metric metric,
        int shards,
        IndexSettings index,
        String embedder)
        implements Serializable {

    /** The ordinal of the configured collection. */
    public static final int CONFIGURED = 0;

    /** The configured collection of {@code cfg}. */
    public static Collection configured(VectorStreamConfig cfg) {
        // With an embedder the dimension is the model's from the start: a stray vector of another
        // dimension must not pin the collection (or a shard) to it.
        int dimension =
                cfg.dimension() == 0 && cfg.embedder() != null
                        ? TextEmbedder.dimension(cfg.embedder())
                        : cfg.dimension();
        return new Collection(
                cfg.collection(),
                CONFIGURED,
                dimension,
                cfg.metric(),
                cfg.shards(),
                cfg.index(),
                cfg.embedder());
    }

    public Collection withDimension(int newDimension) {
        return new Collection(name, ordinal, newDimension, metric, shards, index, embedder);
    }

    public CollectionInfo toInfo() {
        return new CollectionInfo(
                name,
                dimension,
                metric.name().toLowerCase(Locale.ROOT),
                shards,
                index.type().configName(),
                index.memoryTier().configName(),
                index.sealSize(),
                index.hnswM(),
                index.hnswEfConstruction(),
                index.hnswEfSearch(),
                index.ivfNlist(),
                index.ivfPqM(),
                index.ivfNprobe(),
                index.ivfRerank(),
                index.compactionMaxSegments(),
                index.compactionDeletedRatio(),
                embedder);
    }

    /**
     * The settings of {@code info}; {@code buildThreads} is the job's, since build threads belong
     * to a subtask, not a collection.
     *
     * @throws IllegalArgumentException naming the first invalid setting
     */
    public static Collection of(CollectionInfo info, int ordinal, int buildThreads) {
        String embedder = TextEmbedder.canonical(info.getEmbedder());
        if (info.getEmbedder() != null && embedder == null) {
            throw new IllegalArgumentException(
                    "unknown embedder '"
                            + info.getEmbedder()
                            + "'; the job has "
                            + TextEmbedder.ALL_MINILM_L6_V2);
        }
        return new Collection(
                info.getName(),
                ordinal,
                info.getDimension(),
                Metric.parse(info.getMetric()),
                info.getShards(),
                new IndexSettings(
                        SegmentType.parse(info.getIndexType()),
                        MemoryTier.parse(info.getMemoryTier()),
                        info.getSealSize(),
                        buildThreads,
                        info.getHnswM(),
                        info.getHnswEfConstruction(),
                        info.getHnswEfSearch(),
                        info.getIvfNlist(),
                        info.getIvfPqM(),
                        info.getIvfNprobe(),
                        info.getIvfRerank(),
                        info.getCompactionMaxSegments(),
                        info.getCompactionDeletedRatio()),
                embedder);
    }

    /** The ordinal, then {@link CollectionInfo} in Avro binary: what state keeps. */
    public byte[] toBytes() {
        try {
            ByteBuffer info = toInfo().toByteBuffer();
            return ByteBuffer.allocate(4 + info.remaining()).putInt(ordinal).put(info).array();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Collection fromBytes(byte[] bytes, int buildThreads) {
        int ordinal = ByteBuffer.wrap(bytes).getInt();
        return of(
                PayloadCodec.decodeCollectionInfo(Arrays.copyOfRange(bytes, 4, bytes.length)),
                ordinal,
                buildThreads);
    }
}
