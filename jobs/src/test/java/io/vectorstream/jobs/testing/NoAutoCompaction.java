package io.vectorstream.jobs.testing;

import java.util.Collection;
import org.apache.flink.state.rocksdb.RocksDBOptionsFactory;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;

/**
 * RocksDB options for tests that measure what an operator writes per checkpoint: RocksDB's own
 * background compaction is off. With it on, merging a few level-0 files rewrites the whole (small)
 * column family, and the next incremental checkpoint uploads all of it again whatever the operator
 * did. Set with {@code state.backend.rocksdb.options-factory}. Stateless.
 */
public final class NoAutoCompaction implements RocksDBOptionsFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public DBOptions createDBOptions(DBOptions current, Collection<AutoCloseable> handles) {
        return current;
    }

    @Override
    public ColumnFamilyOptions createColumnOptions(
            ColumnFamilyOptions current, Collection<AutoCloseable> handles) {
        // No write stalls either: RocksDB applies the level-0 stall triggers only with auto
        // compaction on.
        return current.setDisableAutoCompactions(true);
    }
}
