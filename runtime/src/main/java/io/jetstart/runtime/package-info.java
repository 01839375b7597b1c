/**
 * jetstart runtime: the embedded API. {@link io.jetstart.runtime.JetStart#open} locks a store and
 * returns at once; recovery runs behind it and hands each stream, as soon as it is back, to its one
 * writer ({@link io.jetstart.runtime.WriterLoop}), which from then on is the only mutator of the
 * stream's state. Publish, read, delete and purge with nats-server's semantics and error codes.
 *
 * <p>Must not: re-implement format or recovery logic (core and recovery own them), or import cli.
 */
package io.jetstart.runtime;
