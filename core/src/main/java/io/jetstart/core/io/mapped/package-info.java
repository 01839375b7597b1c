/**
 * Block files copied through a short-lived memory mapping (Java 22+), chosen at run time by
 * {@code io.jetstart.core.io.BlockReads}; not exported.
 */
package io.jetstart.core.io.mapped;
