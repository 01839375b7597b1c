package io.jetstart.core.format;

import static io.jetstart.core.format.TestBytes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SequenceSetCodecTest {

    /** Spec §9.8: {5, 7}. */
    private static final String FIVE_AND_SEVEN = "16 02 01000000 02000000 0000000000000000 a000000000000000"
            + "00".repeat(248) + "0100";

    private static SequenceSet setOf(long... seqs) {
        SequenceSet s = new SequenceSet();
        for (long q : seqs) {
            s.add(q);
        }
        return s;
    }

    private static byte[] encode(SequenceSet set) {
        ByteWriter out = new ByteWriter();
        SequenceSetCodec.encode(set, out);
        return out.toByteArray();
    }

    @Test
    void encodesFiveAndSevenAsTheSpecVector() {
        byte[] bytes = encode(setOf(5, 7));

        assertThat(bytes).hasSize(276);
        assertThat(hex(bytes)).isEqualTo(hex(hex(FIVE_AND_SEVEN)));
    }

    @Test
    void decodesTheSpecVectorAndStopsAtItsEnd() throws FormatException {
        byte[] bytes = hex(FIVE_AND_SEVEN + "abcd");
        ByteReader in = new ByteReader(bytes);

        SequenceSet set = SequenceSetCodec.decode(in);

        assertThat(set).isEqualTo(setOf(5, 7));
        assertThat(in.remaining()).isEqualTo(2);
    }

    @Test
    void encodesTheEmptySetAsAHeaderWithoutNodes() {
        assertThat(hex(encode(new SequenceSet()))).isEqualTo("1602" + "00000000" + "00000000");
    }

    @Test
    void randomSetsRoundTripIntoValidAvlTrees() throws FormatException {
        long seed = 0x5eed_a71L;
        Random rnd = new Random(seed);
        for (int iteration = 0; iteration < 300; iteration++) {
            SequenceSet set = randomSet(rnd);
            byte[] bytes = encode(set);
            String why = "seed " + seed + ", iteration " + iteration + ", set of " + set.size() + " in "
                    + set.nodes().size() + " nodes";

            assertThat(bytes).as(why).hasSize(SequenceSetCodec.encodedLength(set));
            ByteReader in = new ByteReader(bytes);
            assertThat(SequenceSetCodec.decode(in)).as(why).isEqualTo(set);
            assertThat(in.remaining()).as(why).isZero();
            assertValidAvl(bytes, set, why);
        }
    }

    private static SequenceSet randomSet(Random rnd) {
        SequenceSet set = new SequenceSet();
        int shape = rnd.nextInt(4);
        int count = rnd.nextInt(shape == 0 ? 3 : 3000);
        long origin = shape == 3 ? (rnd.nextLong() >>> 24) : 1 + rnd.nextInt(10_000);
        long spread = switch (shape) {
            case 0, 1 -> 5_000;          // a few nodes, dense
            case 2 -> 2_000_000;         // up to ~1000 sparse nodes
            default -> 1L << 32;         // far apart, large bases
        };
        for (int i = 0; i < count; i++) {
            set.add(origin + (long) (rnd.nextDouble() * spread));
        }
        return set;
    }

    /**
     * Rebuilds the tree as Go's {@code insertNode} does (plain BST insertion in stored order) and
     * checks it is what a valid AVL pre-order encoding must give.
     */
    private static void assertValidAvl(byte[] bytes, SequenceSet set, String why) {
        int numNodes = (int) LittleEndian.u32(bytes, 2);
        assertThat(numNodes).as(why).isEqualTo(set.nodes().size());
        assertThat(LittleEndian.u32(bytes, 6)).as(why).isEqualTo(set.size());
        List<TestNode> stored = new ArrayList<>();
        TestNode root = null;
        for (int i = 0; i < numNodes; i++) {
            int at = SequenceSetCodec.HEADER_LENGTH + i * SequenceSetCodec.NODE_LENGTH;
            long base = LittleEndian.u64(bytes, at);
            boolean empty = true;
            for (int w = 0; w < 32; w++) {
                empty &= LittleEndian.u64(bytes, at + 8 + 8 * w) == 0;
            }
            assertThat(empty).as(why + ": node %d is empty", i).isFalse();
            TestNode n = new TestNode(base, LittleEndian.u16(bytes, at + 8 + 256));
            stored.add(n);
            root = insert(root, n);
        }
        List<TestNode> preOrder = new ArrayList<>();
        preOrder(root, preOrder);
        assertThat(preOrder).as(why + ": stored order is the tree's pre-order").containsExactlyElementsOf(stored);
        List<Long> inOrder = new ArrayList<>();
        inOrder(root, inOrder);
        assertThat(inOrder).as(why + ": in-order bases").isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        checkHeights(root, why);
    }

    private static final class TestNode {
        final long base;
        final int storedHeight;
        TestNode left;
        TestNode right;

        TestNode(long base, int storedHeight) {
            this.base = base;
            this.storedHeight = storedHeight;
        }
    }

    private static TestNode insert(TestNode root, TestNode n) {
        if (root == null) {
            return n;
        }
        TestNode p = root;
        while (true) {
            if (n.base < p.base) {
                if (p.left == null) {
                    p.left = n;
                    return root;
                }
                p = p.left;
            } else {
                if (p.right == null) {
                    p.right = n;
                    return root;
                }
                p = p.right;
            }
        }
    }

    private static void preOrder(TestNode n, List<TestNode> out) {
        if (n != null) {
            out.add(n);
            preOrder(n.left, out);
            preOrder(n.right, out);
        }
    }

    private static void inOrder(TestNode n, List<Long> out) {
        if (n != null) {
            inOrder(n.left, out);
            out.add(n.base);
            inOrder(n.right, out);
        }
    }

    /** Returns the real height; asserts it is stored and the node is balanced. */
    private static int checkHeights(TestNode n, String why) {
        if (n == null) {
            return 0;
        }
        int l = checkHeights(n.left, why);
        int r = checkHeights(n.right, why);
        assertThat(Math.abs(l - r)).as(why + ": balance at base %d", n.base).isLessThanOrEqualTo(1);
        int h = 1 + Math.max(l, r);
        assertThat(n.storedHeight).as(why + ": height at base %d", n.base).isEqualTo(h);
        return h;
    }

    @Test
    void encodesSevenNodesAsAPerfectTreeOfHeightThree() {
        SequenceSet set = new SequenceSet();
        for (int i = 0; i < 7; i++) {
            set.add(i * 2048L + 1);
        }
        byte[] bytes = encode(set);

        List<Long> storedBases = new ArrayList<>();
        List<Integer> heights = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int at = 10 + i * 266;
            storedBases.add(LittleEndian.u64(bytes, at) / 2048);
            heights.add(LittleEndian.u16(bytes, at + 264));
        }
        assertThat(storedBases).containsExactly(3L, 1L, 0L, 2L, 5L, 4L, 6L);
        assertThat(heights).containsExactly(3, 2, 1, 1, 2, 1, 1);
    }

    @Test
    void decodesVersionOneNodesOf64Words() throws FormatException {
        // One v1 node at base 4096: word 0 bit 1 -> 4097; word 33 bit 2 -> 4096 + 33*64 + 2 = 6210.
        ByteWriter w = new ByteWriter();
        w.u8(22).u8(1).u32(1).u32(2).u64(4096);
        for (int i = 0; i < 64; i++) {
            w.u64(i == 0 ? 1L << 1 : i == 33 ? 1L << 2 : 0);
        }
        w.u16(1);

        SequenceSet set = SequenceSetCodec.decode(new ByteReader(w.toByteArray()));

        assertThat(set).isEqualTo(setOf(4097, 6210));
    }

    @Test
    void refusesVersionOneBasesThatAreNotMultiplesOf4096() {
        ByteWriter w = new ByteWriter();
        w.u8(22).u8(1).u32(1).u32(1).u64(2048).u64(1);
        for (int i = 1; i < 64; i++) {
            w.u64(0);
        }
        w.u16(1);

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("base 2048 is not a multiple of 4096");
    }

    @Test
    void refusesASizeFieldThatDisagreesWithTheSetBits() {
        byte[] bytes = hex(FIVE_AND_SEVEN);
        bytes[6] = 3;

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(bytes)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("size field says 3 but its nodes hold 2 sequences");
    }

    @Test
    void refusesABaseThatIsNotAMultipleOf2048() {
        byte[] bytes = hex(FIVE_AND_SEVEN);
        bytes[10] = 1;

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(bytes)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("base 1 is not a multiple of 2048");
    }

    @Test
    void refusesTheSameBaseTwice() {
        ByteWriter w = new ByteWriter();
        w.u8(22).u8(2).u32(2).u32(2);
        for (int node = 0; node < 2; node++) {
            w.u64(0).u64(node == 0 ? 1 : 2);
            for (int i = 1; i < 32; i++) {
                w.u64(0);
            }
            w.u16(node == 0 ? 2 : 1);
        }

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(w.toByteArray())))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("appears twice");
    }

    @Test
    void refusesANodeCountOf0x7fffffffBeforeAllocating() {
        byte[] bytes = hex("16 02 ffffff7f 00000000" + "00".repeat(300));

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(bytes)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("declares 2147483647 nodes of 266 bytes, but only 300 bytes remain");
    }

    @Test
    void refusesAVersionOneNodeCountThatCannotFit() {
        byte[] bytes = hex("16 01 ffffffff 00000000" + "00".repeat(600));

        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(bytes)))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("declares 4294967295 nodes of 522 bytes");
    }

    @Test
    void refusesAWrongMagicOrVersion() {
        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(hex("17 02 00000000 00000000"))))
                .isInstanceOf(FormatException.class).hasMessageContaining("magic: expected 22, found 23");
        assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(hex("16 03 00000000 00000000"))))
                .isInstanceOf(FormatException.class).hasMessageContaining("version: expected 1 or 2, found 3");
    }

    @Test
    void refusesEveryTruncationOfAnEncodedSet() {
        SequenceSet set = new SequenceSet();
        new Random(7).longs(200, 1, 20_000).forEach(set::add);
        byte[] bytes = encode(set);
        for (int len = 0; len < bytes.length; len++) {
            int n = len;
            assertThatThrownBy(() -> SequenceSetCodec.decode(new ByteReader(bytes, 0, n)))
                    .as("length %d", n).isInstanceOf(FormatException.class);
        }
    }

    @Test
    void decodedSetsHoldExactlyTheEncodedMembers() throws FormatException {
        TreeSet<Long> model = new TreeSet<>(List.of(1L, 2047L, 2048L, 4095L, 1_000_000L, 1L << 40));
        SequenceSet set = new SequenceSet();
        model.forEach(set::add);

        SequenceSet back = SequenceSetCodec.decode(new ByteReader(encode(set)));

        List<Long> members = new ArrayList<>();
        back.forEach(members::add);
        assertThat(members).containsExactlyElementsOf(model);
    }
}
