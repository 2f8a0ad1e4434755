/* SPDX-License-Identifier: MIT */
/*
 * The Merkle log's tables (treelog.c) and the step that built them from
 * schema v2's hash chain. merkle holds every complete subtree above the
 * leaves and tree_heads the signed heads; the entry hash becomes the leaf
 * hash SHA-256(0x00 || canon(entry)) (ledger.h). The SQL creates the tables;
 * treelog_schema_fill_v3 then checks the old chain and rewrites the hashes
 * in C. A step of the ledger schema (ledger_schema.h); a released step never
 * changes.
 */
#include "server/ledger/ledger_schema.h"

#include <inttypes.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/log.h"
#include "server/ledger/sql.h"
#include "server/ledger/treelog.h"

/* v3: the Merkle log (RFC 6962) replaces the hash chain. */
const char treelog_schema_v3[] =
    "CREATE TABLE merkle("
    " level INTEGER NOT NULL CHECK(level >= 1), idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL CHECK(length(hash) = 32), PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TRIGGER merkle_no_update BEFORE UPDATE ON merkle"
    " BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;"
    "CREATE TRIGGER merkle_no_delete BEFORE DELETE ON merkle"
    " BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;"
    "CREATE TABLE tree_heads("
    " size INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
    " root BLOB NOT NULL CHECK(length(root) = 32), sig BLOB NOT NULL CHECK(length(sig) = 64));"
    "CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads"
    " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;"
    "CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads"
    " BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;";

/* A failed statement of the fill, as a sentence and a code. */
static int fill_fail(sqlite3 *db, int rc, const char *path, const char *what, char *err, size_t cap)
{
    tdkt_errf(err, cap, "cannot migrate ledger %s: %s failed: %s", path, what, sqlite3_errmsg(db));
    return sql_map_rc(rc);
}

struct migrate_nodes {
    sqlite3_stmt *put;
};

static int migrate_put_node(void *arg, unsigned level, uint64_t idx,
                            const uint8_t hash[MERKLE_HASH_LEN])
{
    sqlite3_stmt *st = ((struct migrate_nodes *)arg)->put;
    int rc;
    sqlite3_bind_int64(st, 1, level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
    sqlite3_bind_blob(st, 3, hash, MERKLE_HASH_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : TDKT_EDB;
}

/* The update trigger is dropped for the rewrite and restored before the
 * step's transaction commits. */
int treelog_schema_fill_v3(sqlite3 *db, const char *path, char *err, size_t cap)
{
    sqlite3_stmt *scan = NULL, *upd = NULL;
    struct migrate_nodes mn = {NULL};
    struct treelog_frontier f;
    uint8_t prev[LEDGER_HASH_LEN] = {0}, chain[LEDGER_HASH_LEN], leaf[LEDGER_HASH_LEN];
    int rc, ret = 0;

    treelog_frontier_init(&f);
    if (sqlite3_exec(db, "DROP TRIGGER ledger_no_update", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT seq, time_ms, unit, kind, payload, hash FROM ledger"
                           " ORDER BY seq",
                           -1, &scan, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE ledger SET hash = ?1 WHERE seq = ?2", -1, &upd, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO merkle(level, idx, hash) VALUES (?1, ?2, ?3)", -1,
                           &mn.put, NULL) != SQLITE_OK) {
        ret = fill_fail(db, sqlite3_errcode(db), path, "preparing the Merkle migration", err, cap);
        goto out;
    }
    while ((rc = sqlite3_step(scan)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(scan, 0);
        int64_t t = sqlite3_column_int64(scan, 1);
        const char *unit = (const char *)sqlite3_column_text(scan, 2);
        const char *kind = (const char *)sqlite3_column_text(scan, 3);
        const uint8_t *payload = sqlite3_column_blob(scan, 4);
        size_t payload_len = (size_t)sqlite3_column_bytes(scan, 4);
        const void *stored = sqlite3_column_blob(scan, 5);

        if (seq != (int64_t)f.size + 1 || !unit || !kind || !stored ||
            sqlite3_column_bytes(scan, 5) != LEDGER_HASH_LEN ||
            ledger_chain_hash(prev, (uint64_t)seq, t, unit, kind, payload, payload_len, chain) <
                0 ||
            memcmp(chain, stored, LEDGER_HASH_LEN) != 0) {
            tdkt_errf(err, cap,
                      "ledger %s: the hash chain is broken at entry %" PRIu64
                      "; not migrating it (restore a backup, see docs/admin.md)",
                      path, f.size + 1);
            ret = TDKT_ECORRUPT;
            goto out;
        }
        memcpy(prev, chain, LEDGER_HASH_LEN);
        ret = ledger_leaf_hash((uint64_t)seq, t, unit, kind, payload, payload_len, leaf);
        if (ret < 0)
            goto out;
        sqlite3_bind_blob(upd, 1, leaf, LEDGER_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(upd, 2, seq);
        rc = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (rc != SQLITE_DONE ||
            (ret = treelog_frontier_add(&f, leaf, migrate_put_node, &mn)) < 0) {
            ret = fill_fail(db, rc == SQLITE_DONE ? SQLITE_ERROR : rc, path,
                            "rewriting entry hashes", err, cap);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        ret = fill_fail(db, rc, path, "reading entries to migrate", err, cap);
        goto out;
    }
    if (sqlite3_exec(db,
                     "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
                     " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;",
                     NULL, NULL, NULL) != SQLITE_OK)
        ret =
            fill_fail(db, sqlite3_errcode(db), path, "restoring the append-only trigger", err, cap);
    else
        log_info("ledger: %s: %" PRIu64 " entries re-hashed as Merkle leaves", path, f.size);
out:
    sqlite3_finalize(scan);
    sqlite3_finalize(upd);
    sqlite3_finalize(mn.put);
    return ret;
}
