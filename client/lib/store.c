/* SPDX-License-Identifier: MIT */
/*
 * The local store's core (see store.h): the file opened and brought to the
 * current schema from the steps each module owns, transactions, metadata,
 * the shared query helper, and a pulled entry handed to the module that
 * keeps it.
 */
#include "client/lib/store.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/lib/store_sql.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/util/sqlbind.h"

#define STORE_BUSY_TIMEOUT_MS 5000

/* v2: the key-value metadata (the checkpoint, the store's unit). */
static const char schema_meta_v2[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

/* The schema, step by step: each module's tables at the version that
 * brought them, in the order they were created. A file at version v runs
 * the steps above v; the last step of each version sets it. */
static const struct {
    int version;
    const char *sql;
} schema_steps[] = {
    {1, store_outbox_schema_v1},   {2, store_records_schema_v2}, {2, store_registry_schema_v2},
    {2, schema_meta_v2},           {3, store_outbox_schema_v3},  {4, store_ballots_schema_v4},
    {5, store_registry_schema_v5}, {6, store_outbox_schema_v6},
};

#define SCHEMA_STEPS (sizeof schema_steps / sizeof schema_steps[0])

_Static_assert(STORE_SCHEMA_VERSION == 6, "a new schema version needs its steps above");

/* Bring a file at version to STORE_SCHEMA_VERSION in one transaction. A
 * SQLite code; *emsg as sqlite3_exec gives it. */
static int migrate(sqlite3 *db, int version, char **emsg)
{
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, emsg);

    for (size_t i = 0; rc == SQLITE_OK && i < SCHEMA_STEPS; i++) {
        if (schema_steps[i].version <= version)
            continue;
        rc = sqlite3_exec(db, schema_steps[i].sql, NULL, NULL, emsg);
        if (rc == SQLITE_OK &&
            (i + 1 == SCHEMA_STEPS || schema_steps[i + 1].version != schema_steps[i].version)) {
            char pragma[48]; /* "PRAGMA user_version=" and an int */

            snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d;", schema_steps[i].version);
            rc = sqlite3_exec(db, pragma, NULL, NULL, emsg);
        }
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, emsg);
    if (rc != SQLITE_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int64_t store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_open(const char *path, struct store **out, char *err, size_t err_cap)
{
    struct store *s = calloc(1, sizeof *s);
    sqlite3_stmt *st = NULL;
    int version = 0;
    char *emsg = NULL;

    *out = NULL;
    if (!s)
        return TDKT_ENOMEM;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(err, err_cap, "cannot open local store %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
    if (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL,
                     &emsg) != SQLITE_OK)
        goto sqlfail;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > STORE_SCHEMA_VERSION) {
        snprintf(err, err_cap, "local store %s has schema %d; this tdkt knows %d: upgrade tdkt",
                 path, version, STORE_SCHEMA_VERSION);
        goto fail;
    }
    if (version < STORE_SCHEMA_VERSION && migrate(s->db, version, &emsg) != SQLITE_OK)
        goto sqlfail;
    *out = s;
    return 0;
sqlfail:
    snprintf(err, err_cap, "local store %s: %s", path, emsg ? emsg : sqlite3_errmsg(s->db));
    sqlite3_free(emsg);
fail:
    sqlite3_close(s->db);
    free(s);
    return TDKT_EDB;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

/* --- transactions --------------------------------------------------------- */

int store_begin(struct store *s)
{
    return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : TDKT_EDB;
}

int store_commit(struct store *s)
{
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return TDKT_EDB;
}

void store_rollback(struct store *s)
{
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* --- queries -------------------------------------------------------------- */

static int store_query_v(struct store *s, sqlite3_stmt **st, const char *sql, const char *fmt,
                         va_list ap)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    if (sqlbind_v(*st, fmt, ap) < 0) {
        sqlite3_finalize(*st);
        *st = NULL;
        return TDKT_EDB;
    }
    return 0;
}

int store_query(struct store *s, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = store_query_v(s, st, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int store_exec(struct store *s, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = store_query_v(s, &st, sql, fmt, ap);
    va_end(ap);
    return rc < 0 ? rc : store_query_done(st);
}

int store_query_row(sqlite3_stmt *st)
{
    int step = sqlite3_step(st);

    return step == SQLITE_ROW ? 0 : step == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
}

int store_query_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : TDKT_EDB;
}

/* --- meta and pulled entries ----------------------------------------------- */

int store_meta_get(struct store *s, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st, "SELECT value FROM meta WHERE key=?1", "t", key);
    if (rc < 0)
        return rc;
    rc = store_query_row(st);
    if (rc == 0) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        rc = snprintf(out, cap, "%s", v ? v : "") < (int)cap ? 0 : TDKT_ETOOBIG;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_meta_set(struct store *s, const char *key, const char *value)
{
    return store_exec(s,
                      "INSERT INTO meta(key, value) VALUES (?1, ?2)"
                      " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                      "tt", key, value);
}

int store_apply_entry(struct store *s, uint64_t seq, const char *kind, const uint8_t *payload,
                      size_t len)
{
    if (strcmp(kind, ENTRY_RESULT_PUT) == 0)
        return store_records_apply(s, seq, payload, len);
    return store_registry_apply(s, kind, payload, len);
}
