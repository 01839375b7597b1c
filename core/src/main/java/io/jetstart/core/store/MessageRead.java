package io.jetstart.core.store;

/** What reading one message by sequence found ({@link MessageReader#read}). */
public sealed interface MessageRead {

    /** The message, its checksum verified. */
    record Found(StoredMessage message) implements MessageRead {
    }

    /** No live message has this sequence (deleted, never stored, or outside the stream): the server's 404. */
    record Absent(long seq) implements MessageRead {
    }

    /** The state says it is live, but its bytes cannot be handed out (the server answers 404 as well). */
    record Damaged(RecordDamage damage) implements MessageRead {
    }
}
