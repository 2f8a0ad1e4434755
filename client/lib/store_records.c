/* SPDX-License-Identifier: MIT */
/*
 * The office's results in the local store (see store_records.h).
 */
#include "client/lib/store_records.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/store_registry.h"
#include "client/lib/store_sql.h"
#include "common/domain/records.h"
#include "common/err.h"

/* v1 -> v2: local results (docs/results.md), keyed as the server keys them. */
const char store_records_schema_v2[] =
    "CREATE TABLE records("
    " unit TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " record BLOB NOT NULL, removed INTEGER NOT NULL DEFAULT 0,"
    " state TEXT NOT NULL CHECK(state IN ('pending','synced','refused')),"
    " seq INTEGER, error TEXT, updated_ms INTEGER NOT NULL,"
    " PRIMARY KEY(unit, year, kind, key)) WITHOUT ROWID;";

int store_record_put(struct store *s, const char *unit, uint32_t year, const char *kind,
                     const char *key, const uint8_t *rec, size_t len, int removed, int *changed)
{
    sqlite3_stmt *st;
    int rc, same = 0;

    *changed = 0;
    rc = store_query(s, &st,
                     "SELECT record FROM records WHERE unit=?1 AND year=?2 AND kind=?3 AND key=?4",
                     "tutt", unit, year, kind, key);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        same = (size_t)sqlite3_column_bytes(st, 0) == len &&
               (len == 0 || memcmp(sqlite3_column_blob(st, 0), rec, len) == 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return TDKT_EDB;
    if (same)
        return 0;
    rc = store_query(
        s, &st,
        "INSERT INTO records(unit, year, kind, key, record, removed, state, updated_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7) ON CONFLICT(unit, year, kind, key)"
        " DO UPDATE SET record=excluded.record, removed=excluded.removed, state='pending',"
        " seq=NULL, error=NULL, updated_ms=excluded.updated_ms",
        "tuttbii", unit, year, kind, key, rec, len, (int64_t)(removed != 0), store_now_ms());
    if (rc < 0)
        return rc;
    rc = store_query_done(st);
    if (rc == 0)
        *changed = 1;
    return rc;
}

int store_record_mark(struct store *s, const char *unit, uint32_t year, const char *kind,
                      const char *key, const uint8_t *rec, size_t len, const char *state,
                      uint64_t seq, const char *error)
{
    return store_exec(s,
                      "UPDATE records SET state=?6, seq=?7, error=?8 WHERE unit=?1 AND year=?2"
                      " AND kind=?3 AND key=?4 AND record=?5",
                      "tuttbtit", unit, year, kind, key, rec, len, state, (int64_t)seq, error);
}

int store_records_count(struct store *s, const char *state, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st, "SELECT count(*) FROM records WHERE ?1 IS NULL OR state=?1", "t",
                         state);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? 0 : TDKT_EDB;
    if (rc == 0)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Store the server's revision (seq) of e's record, under key, by sql: an
 * INSERT of (unit, year, kind, key, record, removed, seq, now) whose ON
 * CONFLICT clause says which local copies it may replace. 0, TDKT_ENOMEM or
 * TDKT_EDB. */
static int record_put_server(struct store *s, const Tdkt__ResultEntry *e, const char *key,
                             uint64_t seq, const char *sql)
{
    size_t n = tdkt__result_record__get_packed_size(e->record);
    uint8_t *rec = malloc(n ? n : 1);
    int rc;

    if (!rec)
        return TDKT_ENOMEM;
    tdkt__result_record__pack(e->record, rec);
    rc = store_exec(s, sql, "tuttbiii", e->unit_code, e->year, record_kind_name(e->record), key,
                    rec, n, (int64_t)(e->record->removed != 0), (int64_t)seq, store_now_ms());
    free(rec);
    return rc;
}

int store_records_apply(struct store *s, uint64_t seq, const uint8_t *payload, size_t len)
{
    Tdkt__ResultEntry *e = tdkt__result_entry__unpack(NULL, len, payload);
    char key[RECORD_KEY_MAX + 1];
    int rc = 0;
    if (!e || !e->record || record_key(e->record, key) < 0) {
        if (e)
            tdkt__result_entry__free_unpacked(e, NULL);
        return TDKT_ECORRUPT;
    }
    /* The central office sees every unit's entries; its store keeps only
     * its own records, which are the ones it writes and reconciles. */
    /* The server's revision, unless a local edit is waiting to be sent. */
    if (store_unit_owned(s, e->unit_code))
        rc = record_put_server(
            s, e, key, seq,
            "INSERT INTO records(unit, year, kind, key, record, removed, state, seq, updated_ms)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'synced', ?7, ?8) ON CONFLICT(unit, year, kind, key)"
            " DO UPDATE SET record=excluded.record, removed=excluded.removed, state='synced',"
            " seq=excluded.seq, error=NULL WHERE records.state != 'pending'");
    tdkt__result_entry__free_unpacked(e, NULL);
    return rc;
}

/* --- reconciliation ------------------------------------------------------- */

static void row_record(sqlite3_stmt *st, struct store_record *r)
{
    r->unit = (const char *)sqlite3_column_text(st, 0);
    r->year = (uint32_t)sqlite3_column_int64(st, 1);
    r->kind = (const char *)sqlite3_column_text(st, 2);
    r->key = (const char *)sqlite3_column_text(st, 3);
    r->record = sqlite3_column_blob(st, 4);
    r->record_len = (size_t)sqlite3_column_bytes(st, 4);
    r->state = (const char *)sqlite3_column_text(st, 5);
    r->seq = (uint64_t)sqlite3_column_int64(st, 6);
    r->error = (const char *)sqlite3_column_text(st, 7);
}

#define RECORD_COLS "unit, year, kind, key, record, state, seq, error"

/* Hand each row of st (RECORD_COLS) to cb; finishes st. A non-zero return of
 * cb stops the walk: a negative one is returned, a positive one is a stop
 * and gives 0. */
static int records_walk(sqlite3_stmt *st, int (*cb)(void *arg, const struct store_record *r),
                        void *arg)
{
    struct store_record r;
    int step, stop = 0;

    while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
        row_record(st, &r);
        stop = !r.unit || !r.kind || !r.key || !r.state ? TDKT_ECORRUPT : cb(arg, &r);
    }
    sqlite3_finalize(st);
    if (stop)
        return stop < 0 ? stop : 0;
    return step == SQLITE_DONE ? 0 : TDKT_EDB;
}

int store_records_each(struct store *s, const char *unit, uint32_t year,
                       int (*cb)(void *arg, const struct store_record *r), void *arg)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st,
                         "SELECT " RECORD_COLS " FROM records"
                         " WHERE (?1 IS NULL OR unit=?1) AND (?2 = 0 OR year=?2) AND removed=0"
                         " ORDER BY unit, year, kind, key",
                         "tu", unit, year);

    return rc < 0 ? rc : records_walk(st, cb, arg);
}

int store_records_range(struct store *s, const struct rd_key *lo, const struct rd_key *hi,
                        int (*cb)(void *arg, const struct store_record *r), void *arg)
{
    static const struct rd_key start = {"", 0, "", ""};
    sqlite3_stmt *st;
    int rc;

    if (!lo)
        lo = &start;
    if (hi)
        rc = store_query(
            s, &st,
            "SELECT " RECORD_COLS " FROM records WHERE (unit, year, kind, key) >= (?1, ?2, ?3, ?4)"
            " AND (unit, year, kind, key) < (?5, ?6, ?7, ?8) ORDER BY unit, year, kind, key",
            "tutttutt", lo->unit, lo->year, lo->kind, lo->key, hi->unit, hi->year, hi->kind,
            hi->key);
    else
        rc = store_query(s, &st,
                         "SELECT " RECORD_COLS
                         " FROM records WHERE (unit, year, kind, key) >= (?1, ?2, ?3, ?4)"
                         " ORDER BY unit, year, kind, key",
                         "tutt", lo->unit, lo->year, lo->kind, lo->key);
    return rc < 0 ? rc : records_walk(st, cb, arg);
}

int store_record_repair(struct store *s, const Tdkt__ResultEntry *e, uint64_t seq, int *changed)
{
    char key[RECORD_KEY_MAX + 1];
    sqlite3_stmt *st;
    int rc, existed;

    *changed = 0;
    if (!e->record || !e->unit_code || record_key(e->record, key) < 0)
        return TDKT_EINVAL;
    rc = store_query(s, &st,
                     "SELECT 1 FROM records WHERE unit=?1 AND year=?2 AND kind=?3 AND key=?4",
                     "tutt", e->unit_code, e->year, record_kind_name(e->record), key);
    if (rc < 0)
        return rc;
    existed = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    /* Only a missing record or a synced copy is replaced: a local edit the
     * server has not taken (pending, refused) is the office's to resolve. */
    rc = record_put_server(
        s, e, key, seq,
        "INSERT INTO records(unit, year, kind, key, record, removed, state, seq, updated_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'synced', ?7, ?8) ON CONFLICT(unit, year, kind, key)"
        " DO UPDATE SET record=excluded.record, removed=excluded.removed, seq=excluded.seq,"
        " error=NULL WHERE records.state = 'synced'");
    if (rc == 0 && sqlite3_changes(s->db) > 0)
        *changed = existed ? 2 : 1;
    return rc;
}
