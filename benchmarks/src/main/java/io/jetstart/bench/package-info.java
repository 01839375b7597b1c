/**
 * jetstart benchmarks: the side-by-side start-up bench ({@code ./jetstart bench}, entry point
 * {@link io.jetstart.bench.BenchMain}), the embedded runtime's publish bench
 * ({@code ./jetstart bench publish}, {@code PublishBench}) and, in {@code io.jetstart.bench.jmh},
 * the JMH micro-benchmarks.
 *
 * <p>Owns: workload generation into {@code <repo>/.cache/bench}, timing jetstart in fresh JVMs
 * ({@link io.jetstart.bench.RecoverOnce}), the raw-read floor, timing real nats-server builds on
 * store copies, and the Markdown table with ratios and targets; publishing with the runtime in this JVM,
 * with jnats to a real nats-server, and the raw append floor. Depends on core, recovery, runtime
 * and jnats.
 *
 * <p>Must not: be depended on by any other module (the {@code ./jetstart} launcher dispatches
 * {@code bench} here, so the CLI carries no JMH), or time anything inside a unit test: the tests
 * check parsing, statistics, file handling and that a run measured something, never how fast.
 */
package io.jetstart.bench;
