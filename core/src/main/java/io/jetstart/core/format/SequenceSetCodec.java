package io.jetstart.core.format;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The AVL SequenceSet encoding nats-server uses for deleted-sequence maps (spec §4.2; Go
 * {@code server/avl/seqset.go: Encode, Decode}).
 *
 * <pre>
 *   offset  size        field
 *   0       u8          magic = 22 (0x16)
 *   1       u8          version = 2  (1 = legacy 64-word nodes, read only)
 *   2       u32 LE      numNodes
 *   6       u32 LE      size        number of sequences in the set
 *   10      numNodes x node, in PRE-ORDER (node, left subtree, right subtree):
 *
 *           v2 node (266 bytes)                  v1 node (522 bytes)
 *           +-----------+------------+--------+  +-----------+------------+--------+
 *           | u64 base  | 32 x u64   | u16    |  | u64 base  | 64 x u64   | u16    |
 *           | (k*2048)  | bit words  | height |  | (k*4096)  | bit words  | height |
 *           +-----------+------------+--------+  +-----------+------------+--------+
 *           bit b of word w set  =>  sequence base + 64*w + b is in the set
 * </pre>
 *
 * <p>Design note: Go's decoder rebuilds the tree by plain BST insertion in the stored order and
 * then trusts the stored heights for later rebalancing, so what we write must already be a valid
 * AVL tree. We write the only shape that needs no bookkeeping: the distinct bases sorted, a
 * perfectly balanced BST by recursive (lower) midpoint, heights from the recursion, pre-order.
 * Reading needs no tree at all: {@link SequenceSet} is keyed by base, so the stored order only
 * matters for the length check, which is done on {@code numNodes} before anything is allocated.
 */
public final class SequenceSetCodec {
    public static final int MAGIC = 22;
    public static final int VERSION = 2;
    /** magic, version, numNodes, size. */
    public static final int HEADER_LENGTH = 10;
    /** base + 32 words + height. */
    public static final int NODE_LENGTH = 8 + 8 * SequenceSet.WORDS_PER_NODE + 2;

    private static final int V1_WORDS = 64;
    private static final int V1_NODE_LENGTH = 8 + 8 * V1_WORDS + 2;
    private static final int V1_BITS_PER_NODE = 64 * V1_WORDS;

    private SequenceSetCodec() {
    }

    /** Bytes {@link #encode} writes for this set. */
    public static int encodedLength(SequenceSet set) {
        long n = HEADER_LENGTH + (long) NODE_LENGTH * set.nodes().size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence set of " + set.nodes().size() + " nodes does not fit in 2 GiB");
        }
        return (int) n;
    }

    /** Appends the version-2 encoding of {@code set} (a valid AVL tree in pre-order). */
    public static void encode(SequenceSet set, ByteWriter out) {
        Map<Long, long[]> nodes = set.nodes();
        int n = nodes.size();
        if (Long.compareUnsigned(set.size(), 0xffff_ffffL) > 0) {
            throw new IllegalArgumentException("sequence set of " + set.size() + " members exceeds the u32 size field");
        }
        encodedLength(set);
        long[] bases = new long[n];
        long[][] words = new long[n][];
        int i = 0;
        // TreeMap order is signed; bases are below 2^63 in practice, but sort unsigned as Go compares uint64.
        for (Map.Entry<Long, long[]> e : nodes.entrySet()) {
            bases[i] = e.getKey();
            words[i] = e.getValue();
            i++;
        }
        sortUnsigned(bases, words);
        out.u8(MAGIC).u8(VERSION).u32(n).u32(set.size());
        emitPreOrder(bases, words, 0, n - 1, out);
    }

    /** Emits the balanced subtree over {@code bases[lo..hi]} in pre-order. */
    private static void emitPreOrder(long[] bases, long[][] words, int lo, int hi, ByteWriter out) {
        if (lo > hi) {
            return;
        }
        int mid = (lo + hi) >>> 1;
        // The height is written before the children, so compute it first from the sizes alone.
        int height = heightOf(hi - lo + 1);
        out.u64(bases[mid]);
        for (long w : words[mid]) {
            out.u64(w);
        }
        out.u16(height);
        emitPreOrder(bases, words, lo, mid - 1, out);
        emitPreOrder(bases, words, mid + 1, hi, out);
    }

    /**
     * Height of a midpoint-balanced tree of {@code n} nodes: the larger half (right, with the
     * lower midpoint) has {@code n / 2} nodes, so the height is the bit length of {@code n}.
     */
    static int heightOf(int n) {
        return 32 - Integer.numberOfLeadingZeros(n);
    }

    private static void sortUnsigned(long[] bases, long[][] words) {
        // Insertion sort is enough: the input comes from a signed-sorted map, so it is already
        // sorted unless some bases have the top bit set, which moves one suffix to the end.
        for (int i = 1; i < bases.length; i++) {
            long b = bases[i];
            long[] w = words[i];
            int j = i - 1;
            while (j >= 0 && Long.compareUnsigned(bases[j], b) > 0) {
                bases[j + 1] = bases[j];
                words[j + 1] = words[j];
                j--;
            }
            bases[j + 1] = b;
            words[j + 1] = w;
        }
    }

    /**
     * Reads one encoded set (version 1 or 2) from the reader's position and leaves the reader just
     * after it. The node count is checked against what remains before anything is allocated; the
     * stored {@code size} must equal the number of set bits; every base must be a multiple of the
     * node width; a base may not appear twice.
     */
    public static SequenceSet decode(ByteReader in) throws FormatException {
        int start = in.position();
        if (in.remaining() < HEADER_LENGTH) {
            throw new FormatException(start, "sequence set header needs " + HEADER_LENGTH + " bytes, "
                    + in.remaining() + " remain");
        }
        int magic = in.u8("sequence set magic");
        if (magic != MAGIC) {
            throw new FormatException(start, "sequence set magic: expected " + MAGIC + ", found " + magic);
        }
        int version = in.u8("sequence set version");
        if (version != 1 && version != 2) {
            throw new FormatException(start + 1, "sequence set version: expected 1 or 2, found " + version);
        }
        long numNodes = in.u32("sequence set node count");
        long size = in.u32("sequence set size");
        int nodeLength = version == 2 ? NODE_LENGTH : V1_NODE_LENGTH;
        if (numNodes > in.remaining() / nodeLength) {
            throw new FormatException(start + 2, "sequence set declares " + numNodes + " nodes of " + nodeLength
                    + " bytes, but only " + in.remaining() + " bytes remain");
        }
        SequenceSet set = new SequenceSet();
        int bitsPerNode = version == 2 ? SequenceSet.BITS_PER_NODE : V1_BITS_PER_NODE;
        int wordsPerNode = version == 2 ? SequenceSet.WORDS_PER_NODE : V1_WORDS;
        Set<Long> seenBases = new HashSet<>();
        for (long i = 0; i < numNodes; i++) {
            int nodeAt = in.position();
            long base = in.u64("sequence set node base");
            if (Long.remainderUnsigned(base, bitsPerNode) != 0) {
                throw new FormatException(nodeAt, "sequence set node " + i + ": base " + Long.toUnsignedString(base)
                        + " is not a multiple of " + bitsPerNode);
            }
            if (!seenBases.add(base)) {
                throw new FormatException(nodeAt, "sequence set node " + i + ": base " + Long.toUnsignedString(base)
                        + " appears twice");
            }
            // A v1 node spans two v2 nodes; read it as two halves of 32 words.
            for (int half = 0; half < wordsPerNode / SequenceSet.WORDS_PER_NODE; half++) {
                long[] words = new long[SequenceSet.WORDS_PER_NODE];
                for (int w = 0; w < words.length; w++) {
                    words[w] = in.u64("sequence set node word");
                }
                set.putNode(base + (long) half * SequenceSet.BITS_PER_NODE, words);
            }
            in.u16("sequence set node height");
        }
        if (set.size() != size) {
            throw new FormatException(start + 6, "sequence set size field says " + size + " but its nodes hold "
                    + set.size() + " sequences");
        }
        return set;
    }
}
