/**
 * Store layout discovery (spec §1): which accounts, streams and consumers a {@code store_dir}
 * holds, how large each stream's blocks are, and whether a stream is encrypted. One cheap
 * list/stat pass; nothing is parsed.
 *
 * <p>No lambdas, method references, pattern {@code switch}es or stream pipelines in the code a
 * store's open runs before its first stream is served (named classes, {@code instanceof}, loops):
 * a fresh JVM bootstraps each at run time there (see the {@code io.jetstart.runtime} package note;
 * docs/benchmarks-passes.md, "Per-stream readiness", sixth pass).
 */
package io.jetstart.core.layout;
