package io.jetstart.core.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Field by field, the reported stream state of {@code index.db} against the one its blocks give. */
public final class StateComparison {
    private StateComparison() {
    }

    /** "" when equal, else e.g. {@code messages 990 vs 989; last_seq 1000 vs 999} (index first, blocks second). */
    public static String differences(StreamState index, StreamState blocks) {
        List<String> out = new ArrayList<>();
        field(out, "messages", index.messages(), blocks.messages());
        field(out, "bytes", index.bytes(), blocks.bytes());
        field(out, "first_seq", index.firstSeq(), blocks.firstSeq());
        field(out, "first_ts", index.firstTs(), blocks.firstTs());
        field(out, "last_seq", index.lastSeq(), blocks.lastSeq());
        field(out, "last_ts", index.lastTs(), blocks.lastTs());
        field(out, "num_deleted", index.numDeleted(), blocks.numDeleted());
        if (index.numDeleted() == blocks.numDeleted() && !index.deleted().equals(blocks.deleted())) {
            out.add("deleted sequences differ");
        }
        if (!Objects.equals(index.subjects(), blocks.subjects())) {
            out.add("subjects " + index.subjects().size() + " vs " + blocks.subjects().size() + " differ in their counts");
        }
        return String.join("; ", out);
    }

    private static void field(List<String> out, String name, long index, long blocks) {
        if (index != blocks) {
            out.add(name + " " + index + " vs " + blocks);
        }
    }
}
