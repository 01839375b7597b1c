/**
 * Codecs for the file store format: pure functions from bytes to values and back. No I/O, no
 * file names (errors carry offsets; the store layer adds the path), no shared state.
 */
package io.jetstart.core.format;
