/**
 * Writing stores nats-server can start on: blocks rolled at the block size, {@code index.db}
 * (v3 by default, v1–v4 on request), meta files with only the keys the target server knows, and
 * consumer state. Every file but the block appends is written to a temp file, fsynced and renamed
 * over; blocks are written whole and fsynced before {@code index.db} names them.
 */
package io.jetstart.core.write;
