package io.jetstart.core.testing;

import java.nio.file.Path;

/**
 * Kinds of file in a stream directory, named by where they sit: what the hostile-store campaigns
 * (the CLI's {@code inspect}, the runtime's open and writes) damage one at a time.
 */
public enum StoreFileKind {
    BLOCK, INDEX_DB, LEGACY_IDX, LEGACY_FSS, STREAM_META_INF, STREAM_META_SUM, CONSUMER_META_INF, CONSUMER_META_SUM, O_DAT;

    /** The kind of {@code rel}, a path relative to the {@code streams} folder ({@code <stream>/msgs/1.blk}). */
    public static StoreFileKind of(Path rel) {
        String n = rel.getFileName().toString();
        boolean consumer = rel.getNameCount() == 4 && rel.getName(1).toString().equals("obs");
        if (n.endsWith(".blk")) {
            return BLOCK;
        } else if (n.equals("index.db")) {
            return INDEX_DB;
        } else if (n.endsWith(".idx")) {
            return LEGACY_IDX;
        } else if (n.endsWith(".fss")) {
            return LEGACY_FSS;
        } else if (n.equals("o.dat")) {
            return O_DAT;
        } else if (n.equals("meta.inf")) {
            return consumer ? CONSUMER_META_INF : STREAM_META_INF;
        } else if (n.equals("meta.sum")) {
            return consumer ? CONSUMER_META_SUM : STREAM_META_SUM;
        }
        throw new IllegalArgumentException("unexpected file " + rel);
    }
}
