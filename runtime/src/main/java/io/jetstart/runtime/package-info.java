/**
 * jetstart runtime: the embedded API. Runs recovery, then serves the recovered streams and
 * consumers, and writes state back atomically on close.
 *
 * <p>Must not: re-implement format or recovery logic, or import cli.
 */
package io.jetstart.runtime;
