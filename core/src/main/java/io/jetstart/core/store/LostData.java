package io.jetstart.core.store;

/** nats-server's {@code state.lost}: sequences known lost and bytes discarded from block tails. */
public record LostData(long[] msgs, long bytes) {
    public boolean isEmpty() {
        return msgs.length == 0 && bytes == 0;
    }
}
