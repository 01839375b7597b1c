package io.jetstart.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pool's arrays grow to the blocks read and go back to the heap on a trim, but for the ones asked to stay. */
class BlockBuffersTest {
    @Test
    void aTrimKeepsTheLargestFreeArraysAskedForAndEmptiesTheRest() throws Exception {
        BlockBuffers pool = new BlockBuffers(4);
        BlockBuffers.Lease a = pool.acquire(1 << 20);
        BlockBuffers.Lease b = pool.acquire(3 << 20);
        BlockBuffers.Lease c = pool.acquire(2 << 20);
        a.close();
        b.close();
        c.close();
        assertThat(pool.heldBytes()).isEqualTo(6L << 20);
        pool.trim(1);
        assertThat(pool.heldBytes()).isEqualTo(3L << 20);
        // Still four buffers: none is lost, and a wait for one ends.
        BlockBuffers.Lease[] all = new BlockBuffers.Lease[4];
        long total = 0;
        for (int i = 0; i < 4; i++) {
            all[i] = pool.acquire(0);
            total += all[i].array().length;
        }
        assertThat(total).isEqualTo(3L << 20);
        for (BlockBuffers.Lease l : all) {
            l.close();
        }
        pool.trim(0);
        assertThat(pool.heldBytes()).isZero();
    }

    @Test
    void aBufferOnLoanKeepsItsArrayThroughATrim() throws Exception {
        BlockBuffers pool = new BlockBuffers(2);
        BlockBuffers.Lease held = pool.acquire(1 << 20);
        pool.trim(0);
        assertThat(held.array()).hasSize(1 << 20);
        held.close();
        assertThat(pool.heldBytes()).isEqualTo(1L << 20);
    }
}
