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
 *
 * <p>No run-time bootstraps on the first stream's way: the code that runs from
 * {@code JetStart.open} until the first stream is served (the opening thread, recovery up to that
 * stream's fork, its task, its hand-over and its writer's start) uses no lambdas, method
 * references, pattern {@code switch}es or stream pipelines: a callback there is a small named
 * class, a pattern switch over a sealed outcome an {@code instanceof} chain (the types stay
 * sealed), a pipeline a loop. Why: with the vector checksum's incubating module a JDK 25 AOT cache
 * links no call site ahead of time, so in a fresh JVM each of these is bootstrapped at run time,
 * interpreted (about 0.4 ms per lambda, ~6 ms for a JVM's first pattern switch; docs/benchmarks-passes.md,
 * "Per-stream readiness", sixth pass). Code off that way (consumers, admin, reads) is free to use them.
 */
package io.jetstart.runtime;
