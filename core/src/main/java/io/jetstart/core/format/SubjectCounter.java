package io.jetstart.core.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts messages per subject keyed by the subject's bytes in place, so scanning a block creates
 * one object per distinct subject rather than one String per message. Open addressing with
 * linear probing over entry numbers; entries keep first-seen order. Not thread-safe; reusable.
 */
final class SubjectCounter {
    private int[] table = new int[64];  // entry number + 1; 0 = free
    private int[] hashes = new int[16];
    private byte[][] keys = new byte[16][];
    private long[] counts = new long[16];
    private int size;
    /** The entry the last increment counted, or -1: consecutive records mostly share a subject. */
    private int last = -1;

    void clear() {
        Arrays.fill(table, 0);
        Arrays.fill(keys, 0, size, null);
        size = 0;
        last = -1;
    }

    void increment(byte[] buf, int off, int len) {
        int e0 = last;
        if (e0 >= 0 && sameBytes(keys[e0], buf, off, len)) {
            counts[e0]++;
            return;
        }
        int h = hash(buf, off, len);
        int mask = table.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            int e = table[i] - 1;
            if (e < 0) {
                insert(i, h, Arrays.copyOfRange(buf, off, off + len));
                return;
            }
            if (hashes[e] == h && sameBytes(keys[e], buf, off, len)) {
                counts[e]++;
                last = e;
                return;
            }
        }
    }

    private void insert(int slot, int h, byte[] key) {
        if (size == keys.length) {
            int n = size * 2;
            hashes = Arrays.copyOf(hashes, n);
            keys = Arrays.copyOf(keys, n);
            counts = Arrays.copyOf(counts, n);
        }
        hashes[size] = h;
        keys[size] = key;
        counts[size] = 1;
        last = size;
        table[slot] = ++size;
        if (size * 2 > table.length) {
            rehash();
        }
    }

    private void rehash() {
        int[] t = new int[table.length * 2];
        int mask = t.length - 1;
        for (int e = 0; e < size; e++) {
            int i = hashes[e] & mask;
            while (t[i] != 0) {
                i = (i + 1) & mask;
            }
            t[i] = e + 1;
        }
        table = t;
    }

    /**
     * {@code key} equals {@code b[off, off+len)}. Eight bytes at a time (the last eight overlapping
     * the ones before), then four, then single bytes below four: one or two comparisons for a
     * typical subject. A byte loop costs a load, a bounds check and a branch per byte in C1 code
     * (a fresh JVM's rebuild of a small store runs in C1 only), and {@code Arrays.equals} calls a
     * vectorized stub that costs more than it saves on a few bytes.
     */
    private static boolean sameBytes(byte[] key, byte[] b, int off, int len) {
        if (key.length != len) {
            return false;
        }
        if (len >= 8) {
            int lastWord = len - 8;
            for (int i = 0; i < lastWord; i += 8) {
                if (LittleEndian.u64(key, i) != LittleEndian.u64(b, off + i)) {
                    return false;
                }
            }
            return LittleEndian.u64(key, lastWord) == LittleEndian.u64(b, off + lastWord);
        }
        if (len >= 4) {
            return LittleEndian.u32(key, 0) == LittleEndian.u32(b, off)
                    && LittleEndian.u32(key, len - 4) == LittleEndian.u32(b, off + len - 4);
        }
        for (int i = 0; i < len; i++) {
            if (key[i] != b[off + i]) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0x811c9dc5;
        for (int i = off, end = off + len; i < end; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    /** Subject → count in first-seen order; subjects whose bytes decode to the same String are summed. */
    Map<String, Long> toMap() {
        if (size == 0) {
            return Map.of();
        }
        LinkedHashMap<String, Long> m = new LinkedHashMap<>(size * 2);
        // A loop, not merge(..., Long::sum): a first stream's recovery counts its subjects on its way
        // to being served, where a method reference is spun at run time in a fresh JVM.
        for (int e = 0; e < size; e++) {
            String subject = new String(keys[e], StandardCharsets.UTF_8);
            Long before = m.get(subject);
            m.put(subject, before == null ? counts[e] : before + counts[e]);
        }
        return Collections.unmodifiableMap(m);
    }
}
