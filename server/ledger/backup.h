/* SPDX-License-Identifier: MIT */
/*
 * Online backup of the ledger file: a consistent page-by-page copy of a
 * ledger that tdktd may be serving, made durable on disk. This module owns
 * only the copy (creation of the destination, the SQLite backup, fsync of the
 * file and its directory, and removal of a partial file); it does not verify
 * the copy: the caller runs the same checks as `tdktd verify` on it.
 */
#ifndef TDKT_SERVER_LEDGER_BACKUP_H
#define TDKT_SERVER_LEDGER_BACKUP_H

#include <stddef.h>
#include <stdint.h>

#define BACKUP_BUSY_RETRIES  100 /* attempts when the source is locked */
#define BACKUP_BUSY_SLEEP_MS 50  /* pause between those attempts */

/*
 * Copy the ledger at src to a new file dst. dst must not exist
 * (TDKT_EEXIST; it is created with O_EXCL, so a concurrent run cannot
 * overwrite it either). On success *bytes (may be NULL) is the size of the
 * copy. On any failure dst and its -journal/-wal/-shm files are removed and
 * err (err_cap bytes) gets a sentence for the operator. Returns 0 or a
 * negative TDKT_E* code.
 */
int ledger_backup(const char *src, const char *dst, uint64_t *bytes, char *err, size_t err_cap);

/* Remove path and the -journal, -wal and -shm files SQLite may keep beside
 * it. For discarding a copy that failed; never call it on a live ledger. */
void ledger_backup_remove(const char *path);

/* After the copy was opened (e.g. to verify it) by a connection that wrote
 * nothing, remove the empty -wal and the -shm SQLite left beside it, so the
 * backup is one file. Keeps both if the -wal holds anything. */
void ledger_backup_remove_sidecars(const char *path);

#endif
