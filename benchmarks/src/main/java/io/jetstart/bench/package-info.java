/**
 * jetstart benchmarks: JMH micro-benchmarks and the side-by-side startup bench.
 *
 * <p>Must not: be depended on by any other module, or be run as part of unit tests.
 */
package io.jetstart.bench;
