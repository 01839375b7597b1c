/**
 * Blocking file access for core: the {@link io.jetstart.core.io.DiskGate} that bounds concurrent
 * disk operations, and bounded reads that check sizes before allocating.
 */
package io.jetstart.core.io;
