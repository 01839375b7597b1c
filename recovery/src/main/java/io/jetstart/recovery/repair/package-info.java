/**
 * {@code jetstart repair}: the one place in jetstart's libraries that removes bytes from a store
 * (the store generator and the runtime's writer only add or replace whole files).
 *
 * <p>For each damaged stream it does what nats-server would do at start-up (truncate a bad block
 * tail, delete an empty block or a bad index file, remove a consumer whose state does not decode),
 * so that the server then starts with exactly the state {@code jetstart recover} reported and
 * deletes nothing itself. Every byte is first copied into a quarantine folder beside the store,
 * fsynced and listed in the manifest (file, offset, length, sha256, reason), and only then cut or
 * removed; {@link io.jetstart.recovery.repair.Undo} puts every byte back. The one file it adds is
 * the block with the tombstone nats-server 2.11+ writes itself for a lost last sequence (2.10 does
 * not after a repair), named in the manifest before it is written, so undo removes exactly it.
 *
 * <p>Must not: write anywhere but the quarantine folder and the files it plans to cut, run on a
 * store a live process holds ({@link io.jetstart.recovery.repair.StoreHolders}), or plan from a
 * problem's wording: only its typed {@link io.jetstart.core.store.ServerAction}.
 */
package io.jetstart.recovery.repair;
