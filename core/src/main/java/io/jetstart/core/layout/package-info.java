/**
 * Store layout discovery (spec §1): which accounts, streams and consumers a {@code store_dir}
 * holds, how large each stream's blocks are, and whether a stream is encrypted. One cheap
 * list/stat pass; nothing is parsed.
 */
package io.jetstart.core.layout;
