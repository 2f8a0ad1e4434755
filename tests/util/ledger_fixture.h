/* SPDX-License-Identifier: MIT */
/*
 * A ledger for unit tests of the daemon's pure cores (dispatch, receipts,
 * review): a real SQLite ledger in a fresh temporary directory with its own
 * signing key, so that tree heads are signed as tdktd signs them, and the
 * sector's four offices registered as `tdktd unit add` registers them
 * (VKSTC central; VKSCC1..3 regional). It also runs request jobs the way the
 * database thread does (server/db/dbthread.c), without a thread or a loop,
 * so that a test decides exactly which jobs share a batch. That order is
 * copied from dbthread_run_writes, not shared with it: a change to it there
 * must be made here too (test_dbthread.c tests the thread itself).
 *
 * tu_ledger_open_empty makes the bare variant for tests of the ledger's
 * own modules (registry, catalog, results): the same directory and ledger,
 * but no key and no entry, so that every entry is the test's own.
 *
 * Also what tests of a ledger file need from outside it: SQL reads on the
 * fixture's connection, and tu_ledger_file_rehash, which rewrites a closed
 * ledger file as an attacker covering their tracks would.
 *
 * It owns the directory, the ledger handle and the key; tu_ledger_close
 * frees all three. A statement from tu_ledger_row is the caller's
 * (sqlite3_finalize).
 */
#ifndef TDKT_TESTS_LEDGER_FIXTURE_H
#define TDKT_TESTS_LEDGER_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "server/db/dbthread.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"
#include "testutil.h"

#define TU_LEDGER_T0 1700000000000 /* the time of the fixture's own entries, ms */

struct tu_ledger {
    char dir[TU_PATH_MAX]; /* holds ledger.db and ledger.key */
    struct ledger *l;
    EVP_PKEY *signer;
    struct registry_unit central;     /* VKSTC */
    struct registry_unit regional[3]; /* VKSCC1, VKSCC2, VKSCC3 */
};

/* Create it all; every step asserts. The offices' entries are committed. */
void tu_ledger_open(struct tu_ledger *t);
/* Only the directory and an empty ledger: no key (signer NULL), no office. */
void tu_ledger_open_empty(struct tu_ledger *t);
void tu_ledger_close(struct tu_ledger *t);
/* Apply a registry JSON text (docs/registry.md) as the central office's
 * RegistryPut would, in one committed transaction; a refusal fails the test
 * naming the record and field. */
void tu_ledger_import(struct tu_ledger *t, const char *registry_json);
/* Apply a registry JSON text, which must parse, in one transaction: each
 * record with catalog_apply until one is refused. Commits when every record
 * applied, rolls back otherwise; returns 0 or the first refusal's error,
 * described in *f. *appended: the entries appended. */
int tu_ledger_apply(struct tu_ledger *t, const char *registry_json, int *appended, struct fault *f);
/*
 * Run jobs[0..n) as one batch of the database thread: every write in its
 * own savepoint (rolled back alone when it fails), then each write's finish
 * step in job order, then COMMIT; reads after the COMMIT. status[i] gets
 * job i's result as its done() would: run's, or the batch's error for a
 * write whose run succeeded. Returns 0 when the batch committed.
 */
int tu_ledger_batch(struct tu_ledger *t, struct db_job *const jobs[], size_t n, int status[]);
/* For cmocka: a fixture of its own in *state (the empty variant with
 * _empty), and its end. */
int tu_ledger_cmocka_setup(void **state);
int tu_ledger_cmocka_setup_empty(void **state);
int tu_ledger_cmocka_teardown(void **state);
/* The ledger's height. */
uint64_t tu_ledger_height(struct tu_ledger *t);
/* Rewrite every leaf hash of the ledger file at db_path from its entry, and
 * every Merkle node from the leaves, as an attacker covering their tracks
 * would: the triggers that forbid it are dropped first. Only the signed
 * tree heads are left to tell. The file must not be open elsewhere. */
void tu_ledger_file_rehash(const char *db_path);

/* sql prepared on the ledger's connection and stepped to its first row,
 * which must exist; the caller reads the row and finalizes the statement. */
struct sqlite3_stmt *tu_ledger_row(struct tu_ledger *t, const char *sql);
/* The first column of tu_ledger_row(t, sql), as an integer. */
int64_t tu_ledger_sql_int(struct tu_ledger *t, const char *sql);

#endif
