package io.vectorstream.operators.validate;

import io.vectorstream.operators.Collection;
import io.vectorstream.operators.VectorStreamConfig;
import io.vectorstream.operators.message.CatalogUpdate;
import io.vectorstream.schema.CollectionOp;
import io.vectorstream.schema.CollectionRequest;
import io.vectorstream.schema.codec.CodecException;
import io.vectorstream.schema.codec.PayloadCodec;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * A decoder's copy of the collection catalog: the configured collection, the collections of the
 * control topic's history (replayed, as the control operator does, so a fresh start knows them
 * before its first record), and those the control operator broadcast ({@link CatalogUpdate}), which
 * live in broadcast state and so come back with every restore and rescale.
 *
 * <p>Every decoder instance ends up with the same catalog as the control operator: on a fresh start
 * all replay the same history the same way (the control operator in {@code CollectionControl}),
 * after a restore all hold what they checkpointed, and the control operator is one instance
 * broadcasting to all, in order. Task thread only.
 */
public final class CatalogView {

    /** Collection name → {@link Collection#toBytes()}, of the collections created by control. */
    public static final MapStateDescriptor<String, byte[]> CATALOG =
            new MapStateDescriptor<>(
                    "catalog", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final VectorStreamConfig cfg;
    private final CollectionCatalog catalog;

    /**
     * @param state the decoder's broadcast state
     * @param history payloads of the control topic read when the job was submitted
     * @param restored whether the job restored state: then {@code state} holds every collection and
     *     the history is not replayed, exactly as the control operator does, so the two agree on
     *     every collection and its ordinal (its shard keys)
     */
    CatalogView(
            VectorStreamConfig cfg,
            BroadcastState<String, byte[]> state,
            List<byte[]> history,
            boolean restored)
            throws Exception {
        this.cfg = cfg;
        this.catalog = new CollectionCatalog(cfg);
        for (Map.Entry<String, byte[]> e : state.entries()) {
            catalog.adopt(Collection.fromBytes(e.getValue(), cfg.index().buildThreads()));
        }
        if (restored) {
            return;
        }
        for (byte[] payload : history) {
            try {
                CollectionRequest r = PayloadCodec.decodeCollectionRequest(payload);
                if (r.getOp() == CollectionOp.CREATE) {
                    CollectionCatalog.Created created = catalog.create(r);
                    if (created.isNew()) {
                        Collection c = created.served().collection();
                        state.put(c.name(), c.toBytes());
                    }
                }
            } catch (CodecException | Rejection e) {
                // The control operator answered it with this error when it first arrived.
            }
        }
    }

    CollectionCatalog.Served get(String name) throws Rejection {
        return catalog.get(name);
    }

    /** Every collection served, by name. */
    List<CollectionCatalog.Served> all() {
        return catalog.served();
    }

    int size() {
        return catalog.size();
    }

    /**
     * Records the dimension a collection created without one (the configured collection with {@code
     * dimension: 0}) takes here, from the first vector this decoder accepted for it. A pin restored
     * for a collection that is gone or now has a dimension of its own is ignored.
     */
    boolean pinDimension(String name, int dimension) {
        try {
            Collection c = catalog.get(name).collection();
            if (c.dimension() == 0) {
                catalog.adopt(c.withDimension(dimension));
                return true;
            }
        } catch (Rejection e) {
            // Renamed by the configuration since the pin was checkpointed.
        }
        return false;
    }

    /**
     * Keeps a collection the control operator created, in memory and in {@code state}; returns it
     * if it is new here, else null.
     */
    CollectionCatalog.Served apply(CatalogUpdate u, BroadcastState<String, byte[]> state)
            throws Exception {
        state.put(u.name, u.collection);
        return catalog.adopt(Collection.fromBytes(u.collection, cfg.index().buildThreads()));
    }
}
