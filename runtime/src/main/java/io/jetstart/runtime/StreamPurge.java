package io.jetstart.runtime;

/**
 * What a purge of a stream (a purge request, a {@code Nats-Rollup}, a KV purge) tells the stream's
 * consumers, taken by the stream's writer right after the purge, as nats-server's
 * {@code stream.purgeLocked} takes it before it calls each consumer's {@code purge}.
 *
 * @param subject      the purge's subject: empty for a purge of every subject (a request without
 *                     one, a rollup of the stream), else as given ({@code >} included, which the
 *                     server takes as a subject)
 * @param firstSeq     the stream's first sequence after the purge (its last + 1 when empty)
 * @param lastSeq      the stream's last sequence after the purge
 * @param subjectFirst the first live message on {@code subject} from {@code firstSeq} on (the
 *                     server's {@code FilteredState(first, subject).First}), 0 when none or no subject
 * @param batch        the store reported the removals as a batch (its callback with no sequence):
 *                     every consumer then drops its redelivery counts below {@code firstSeq}
 *                     ({@code removeRedeliveredBelow}, in 2.14.5 and 2.15.1, not in 2.10.27); a purge of all or up to a sequence
 *                     that removed anything, or a purge by subject or keep that removed two or more
 * @param single       the one message a purge by subject or keep removed (0 otherwise): the store
 *                     reports it as a single removal, which terminates it where it is pending
 *                     ({@code decStreamPending})
 */
record StreamPurge(String subject, long firstSeq, long lastSeq, long subjectFirst, boolean batch, long single) {
}
