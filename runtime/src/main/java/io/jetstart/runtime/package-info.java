/**
 * jetstart runtime: the embedded API. {@link io.jetstart.runtime.JetStart#open} locks a store and
 * returns at once; recovery runs behind it and hands each stream, as soon as it is back, to its one
 * writer ({@link io.jetstart.runtime.WriterLoop}), which from then on is the only mutator of the
 * stream's state. Publish, read, delete and purge with nats-server's semantics and error codes;
 * encrypted streams with the operator's key ({@link io.jetstart.runtime.StreamSealing}) and
 * {@code compression: s2} streams ({@link io.jetstart.runtime.SealedBlockCompressor}) are written as
 * nats-server writes them. Reads go through core's verified {@code MessageReader}.
 *
 * <p>Must not: re-implement format or recovery logic (core and recovery own them), or import cli.
 */
package io.jetstart.runtime;
