/**
 * S2 (klauspost/compress {@code s2}), the compression nats-server 2.10+ applies to the sealed blocks
 * of a stream with {@code compression: s2}: the block format, the framed stream format around it,
 * and the server's {@code cmp} envelope. Pure functions over byte arrays: no I/O, no file names
 * (errors are {@link io.jetstart.core.format.FormatException}s carrying the offset), no shared state.
 *
 * <h2>The server's envelope (spec §3.8; {@code filestore.go: CompressionInfo}, {@code Compress})</h2>
 * <pre>
 *  "c" "m" "p"   3 bytes
 *  alg           1 byte: 0 = none (the plaintext follows as is), 1 = S2
 *  origSize      uvarint: plaintext length, its final 8 bytes included (informational: the
 *                server's Decompress never reads it; we read it as a ceiling, see BlockCompression)
 *  body          S2 STREAM (below) of plaintext[0, origSize-8), as s2.NewWriter writes it
 *  tail          plaintext[origSize-8, origSize): the last record's checksum, uncompressed, so
 *                the index.db fast path compares it without decompressing
 * </pre>
 *
 * <h2>The S2 stream (framing) format ({@code s2/reader.go}, Snappy's framing_format.txt)</h2>
 * A sequence of chunks, each {@code type:u8 length:u24le payload[length]}:
 * <pre>
 *  0xff  stream identifier   length 6, payload "S2sTwO" (or "sNaPpY": a Snappy stream, whose
 *                            chunks then decode to at most 64 KiB each). Must come first.
 *  0x00  compressed data     crc:u32le, then one S2 BLOCK (below); decodes to at most 4 MiB
 *  0x01  uncompressed data   crc:u32le, then the bytes themselves (at most 4 MiB)
 *  0x02-0x7f                 reserved, unskippable: an error
 *  0x80-0xfe                 skippable (0xfe padding, 0x99 seek index): skipped
 * </pre>
 * {@code crc} is CRC-32C (Castagnoli) of the chunk's DECODED bytes, masked:
 * {@code ((c >>> 15) | (c << 17)) + 0xa282ead8}. s2.NewWriter emits the identifier and then one chunk
 * per 1 MiB of input, type 0x01 when compressing would not pay.
 *
 * <h2>The S2 block format ({@code s2/decode_other.go})</h2>
 * {@code uvarint decodedLength}, then elements until the input ends; the output must be exactly
 * {@code decodedLength} bytes. The low 2 bits of an element's first byte are its tag:
 * <pre>
 *  tag 0 literal   bits 7..2 = m. m &lt; 60: m+1 literal bytes follow. m = 60..63: the length-1
 *                  is the next (m-59) bytes little-endian, then that many literal bytes.
 *  tag 1 copy1     byte0 = ooo lll 01, byte1 = oooooooo: offset = 11 bits (3 high in byte0),
 *                  length = lll + 4 (4..11). OFFSET 0 IS S2'S "REPEAT" (not in Snappy): copy
 *                  again from the previous copy's offset, with length
 *                    lll 0..4 -> lll + 4 (4..8)
 *                    lll 5    -> next byte + 8             (8..263)
 *                    lll 6    -> next 2 bytes LE + 260     (260..65795)
 *                    lll 7    -> next 3 bytes LE + 65540   (65540..16842755)
 *  tag 2 copy2     length = m + 1 (1..64), offset = next 2 bytes LE
 *  tag 3 copy4     length = m + 1 (1..64), offset = next 4 bytes LE
 * </pre>
 * A copy reads {@code length} bytes starting {@code offset} bytes back in the OUTPUT; it may
 * overlap itself (offset &lt; length repeats a pattern). An offset of 0 outside a repeat, an offset
 * reaching before the start of the block, and any length running past the input or the declared
 * output are corruption.
 *
 * <p>Entry points: {@link io.jetstart.core.compress.BlockCompression} (a block file's bytes to its
 * plaintext and back; {@code core.io.BlockFiles.read} calls it on every block read),
 * {@link io.jetstart.core.compress.S2Stream} (the framed format over arrays), and
 * {@link io.jetstart.core.compress.S2OutputStream} / {@link io.jetstart.core.compress.S2InputStream}
 * (the same over streams, for data larger than memory such as snapshots).
 *
 * <p>Design note: decoding is two passes over the envelope: the first walks the chunk headers and
 * reads each chunk's declared decoded length, so a hostile file is refused before anything is
 * allocated and the output buffer is allocated once, at its exact size (never beyond the size the
 * envelope declares); the second decodes straight into it, each chunk checked against its CRC.
 */
package io.jetstart.core.compress;
