/* SPDX-License-Identifier: MIT */
/*
 * The ledger file's schema steps in the order they run, and the runner that
 * brings a file to LEDGER_SCHEMA_VERSION (ledger_schema.h gives the rules
 * and who owns which tables). The ledger core's own tables are here too:
 * the entries, the request ids and meta. This file never changes a released
 * step; a new version appends its steps to the list.
 */
#include "server/ledger/ledger_schema.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/log.h"
#include "server/ledger/ledger.h"
#include "server/ledger/sql.h"

#define SCHEMA_PRAGMA_MAX 48 /* "PRAGMA user_version = " and an int64 */

/* v1: the append-only entries, the request ids that make writes idempotent,
 * and meta (the ledger's id and birth; treelog adds its pinned key). */
const char ledger_schema_v1[] =
    "CREATE TABLE ledger("
    " seq INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL,"
    " unit TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " payload BLOB NOT NULL,"
    " hash BLOB NOT NULL CHECK(length(hash) = 32));"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
    " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
    " BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;"
    "CREATE TABLE requests("
    " unit TEXT, request_id BLOB, body_hash BLOB, seq INTEGER, reply BLOB,"
    " PRIMARY KEY(unit, request_id)) WITHOUT ROWID;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    /* randomblob() reads the OS entropy source through the VFS. */
    "INSERT INTO meta(key, value) VALUES"
    " ('ledger_id', lower(hex(randomblob(16)))),"
    " ('created', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));";

/* One module's statements at the version that brought them, and for a step
 * that moves data, the C that does it after the statements. */
struct schema_step {
    int version;
    const char *owner;
    const char *sql;
    int (*fill)(sqlite3 *db, const char *path, char *err, size_t cap); /* or NULL */
};

static const struct schema_step schema_steps[] = {
    {1, "ledger", ledger_schema_v1, NULL},
    {1, "registry", registry_schema_v1, NULL},
    {1, "notes", notes_schema_v1, NULL},
    {2, "registry", registry_schema_v2, NULL},
    {2, "catalog", catalog_schema_v2, NULL},
    {2, "results", results_schema_v2, NULL},
    {3, "treelog", treelog_schema_v3, treelog_schema_fill_v3},
    {4, "catalog", catalog_schema_v4, NULL},
    {4, "ballot", ballot_schema_v4, NULL},
    {5, "review", review_schema_v5, NULL},
    {6, "council", council_schema_v6, NULL},
    {7, "registry", registry_schema_v7, NULL},
    {7, "council", council_schema_v7, NULL},
    {8, "review", review_schema_v8, NULL},
};

#define SCHEMA_STEPS (sizeof schema_steps / sizeof schema_steps[0])

_Static_assert(LEDGER_SCHEMA_VERSION == 8, "a new schema version needs its steps above");

/* Run every step of version, in list order, inside the caller's transaction. */
static int schema_run_version(sqlite3 *db, int64_t version, const char *path, char *err, size_t cap)
{
    int steps = 0;

    for (size_t i = 0; i < SCHEMA_STEPS; i++) {
        const struct schema_step *s = &schema_steps[i];
        int ret;

        if (s->version != version)
            continue;
        steps++;
        if (sqlite3_exec(db, s->sql, NULL, NULL, NULL) != SQLITE_OK) {
            tdkt_errf(err, cap,
                      "cannot migrate ledger %s to schema version %" PRId64 " (%s tables): %s",
                      path, version, s->owner, sqlite3_errmsg(db));
            return sql_map_rc(sqlite3_extended_errcode(db));
        }
        if (s->fill && (ret = s->fill(db, path, err, cap)) < 0)
            return ret;
    }
    assert(steps > 0); /* every version up to LEDGER_SCHEMA_VERSION has steps */
    (void)steps;
    return 0;
}

/* Take the file from version to version + 1 in one transaction. 1 when
 * another process had already moved it (*version then says where to), 0 when
 * done, or a TDKT code with err set. */
static int schema_step_once(sqlite3 *db, int64_t *version, const char *path, char *err, size_t cap)
{
    char sql[SCHEMA_PRAGMA_MAX];
    int64_t now = -1;
    int rc, ret;

    rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    /* Another process may have migrated while we waited for the lock. */
    rc = sql_pragma_int(db, "PRAGMA user_version", &now);
    if (rc != SQLITE_OK)
        goto fail;
    if (now != *version) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (now > LEDGER_SCHEMA_VERSION || now < *version) {
            tdkt_errf(err, cap, "ledger %s changed schema version to %" PRId64 " while opening",
                      path, now);
            return TDKT_EVERSION;
        }
        *version = now;
        return 1;
    }
    ret = schema_run_version(db, *version + 1, path, err, cap);
    if (ret < 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return ret;
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %" PRId64, *version + 1);
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    log_info("ledger: %s migrated to schema version %" PRId64, path, *version + 1);
    (*version)++;
    return 0;

fail:
    tdkt_errf(err, cap, "cannot migrate ledger %s to schema version %" PRId64 ": %s", path,
              *version + 1, sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return sql_map_rc(rc);
}

int ledger_schema_migrate(sqlite3 *db, int64_t from, const char *path, char *err, size_t cap)
{
    int64_t version = from;

    while (version < LEDGER_SCHEMA_VERSION) {
        int ret = schema_step_once(db, &version, path, err, cap);
        if (ret < 0)
            return ret;
    }
    return 0;
}
