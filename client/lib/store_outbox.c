/* SPDX-License-Identifier: MIT */
/*
 * The outbox of the local store and its receipts (see store_outbox.h).
 */
#include "client/lib/store_outbox.h"

#include <sqlite3.h>
#include <string.h>

#include "client/lib/store_sql.h"
#include "common/err.h"

/* v1: the outbox of mutating requests, each stored before it is sent. */
const char store_outbox_schema_v1[] =
    "CREATE TABLE outbox("
    " id BLOB PRIMARY KEY CHECK(length(id)=16),"
    " kind TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','acked','refused')),"
    " seq INTEGER, entry_hash BLOB, acked_ms INTEGER, error TEXT);"
    "CREATE INDEX outbox_state ON outbox(state, created_ms);";

/* v5 -> v6: refused entries an office has looked at and set aside (`tdkt
 * outbox discard`): who and when, the log of it. The entry itself stays;
 * it reads as "discarded" from then on. */
const char store_outbox_schema_v6[] =
    "CREATE TABLE outbox_discarded(id BLOB PRIMARY KEY CHECK(length(id)=16),"
    " discarded_ms INTEGER NOT NULL, by_whom TEXT NOT NULL);";

/* An entry's state as read: a discarded refusal is "discarded". */
#define OUTBOX_STATE                                                                               \
    "CASE WHEN EXISTS (SELECT 1 FROM outbox_discarded d WHERE d.id = outbox.id)"                   \
    " THEN 'discarded' ELSE state END"

/* v2 -> v3: each acknowledged entry keeps its whole receipt (the signed head
 * and the audit path it was checked against) and whether reconcile has since
 * proved it in a later head (docs/reconcile.md). */
const char store_outbox_schema_v3[] =
    "ALTER TABLE outbox ADD COLUMN receipt BLOB;"
    "ALTER TABLE outbox ADD COLUMN audited INTEGER NOT NULL DEFAULT 0;";

static int exec_bound(struct store *s, const char *sql, const uint8_t id[16],
                      int (*bind)(sqlite3_stmt *, void *), void *arg)
{
    sqlite3_stmt *st;
    int rc;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
    rc = bind ? bind(st, arg) : 0;
    if (rc == 0) {
        int step = sqlite3_step(st);
        rc = step == SQLITE_DONE ? 0 : (step == SQLITE_CONSTRAINT ? TDKT_EEXIST : TDKT_EDB);
    }
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        rc = TDKT_ENOTFOUND;
    sqlite3_finalize(st);
    return rc;
}

struct add_args {
    const char *kind;
    const uint8_t *body;
    size_t len;
};

static int bind_add(sqlite3_stmt *st, void *arg)
{
    struct add_args *a = arg;
    sqlite3_bind_text(st, 2, a->kind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, a->body, (int)a->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, store_now_ms());
    return 0;
}

int store_outbox_add(struct store *s, const uint8_t id[16], const char *kind, const uint8_t *body,
                     size_t len)
{
    struct add_args a = {kind, body, len};
    return exec_bound(s, "INSERT INTO outbox(id, kind, body, created_ms) VALUES(?1,?2,?3,?4)", id,
                      bind_add, &a);
}

struct ack_args {
    uint64_t seq;
    const uint8_t *hash;
    int64_t time_ms;
};

static int bind_ack(sqlite3_stmt *st, void *arg)
{
    struct ack_args *a = arg;
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->seq);
    sqlite3_bind_blob(st, 3, a->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, a->time_ms);
    return 0;
}

int store_outbox_ack(struct store *s, const uint8_t id[16], uint64_t seq, const uint8_t hash[32],
                     int64_t time_ms)
{
    struct ack_args a = {seq, hash, time_ms};
    return exec_bound(s,
                      "UPDATE outbox SET state='acked', seq=?2, entry_hash=?3, acked_ms=?4 "
                      "WHERE id=?1",
                      id, bind_ack, &a);
}

static int bind_err(sqlite3_stmt *st, void *arg)
{
    sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
    return 0;
}

int store_outbox_refuse(struct store *s, const uint8_t id[16], const char *error)
{
    return exec_bound(s, "UPDATE outbox SET state='refused', error=?2 WHERE id=?1", id, bind_err,
                      (void *)error);
}

int store_outbox_each(struct store *s, const char *state,
                      int (*cb)(void *arg, const struct store_item *it), void *arg)
{
    sqlite3_stmt *st;
    int rc = 0, step;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, kind, body, created_ms, " OUTBOX_STATE ", seq, error"
                           " FROM outbox WHERE ?1 IS NULL OR " OUTBOX_STATE " = ?1"
                           " ORDER BY created_ms, rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_item it = {0};
        if (sqlite3_column_bytes(st, 0) != 16)
            continue;
        memcpy(it.id, sqlite3_column_blob(st, 0), 16);
        it.kind = (const char *)sqlite3_column_text(st, 1);
        it.body = sqlite3_column_blob(st, 2);
        it.body_len = (size_t)sqlite3_column_bytes(st, 2);
        it.created_ms = sqlite3_column_int64(st, 3);
        it.state = (const char *)sqlite3_column_text(st, 4);
        it.seq = (uint64_t)sqlite3_column_int64(st, 5);
        it.error = (const char *)sqlite3_column_text(st, 6);
        rc = cb(arg, &it);
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

int store_outbox_count(struct store *s, const char *state, uint64_t *n)
{
    sqlite3_stmt *st;
    int rc = TDKT_EDB;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT count(*) FROM outbox WHERE ?1 IS NULL OR " OUTBOX_STATE " = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return TDKT_EDB;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *n = (uint64_t)sqlite3_column_int64(st, 0);
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

int store_outbox_discard(struct store *s, const char *id_hex, const char *who, int64_t now_ms,
                         uint8_t id[16])
{
    sqlite3_stmt *st;
    size_t n = strlen(id_hex);
    int found = 0, refused = 0, rc;

    if (n < 8 || n > 32 || strspn(id_hex, "0123456789abcdef") != n)
        return TDKT_EINVAL;
    rc = store_query(
        s, &st, "SELECT id, " OUTBOX_STATE " FROM outbox WHERE substr(hex(id), 1, ?1) = upper(?2)",
        "it", (int64_t)n, id_hex);
    if (rc < 0)
        return rc;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != 16)
            continue;
        if (found++ == 0) {
            memcpy(id, sqlite3_column_blob(st, 0), 16);
            refused = strcmp((const char *)sqlite3_column_text(st, 1), "refused") == 0;
        }
    }
    sqlite3_finalize(st);
    if (found == 0)
        return TDKT_ENOTFOUND;
    if (found > 1)
        return TDKT_EEXIST;
    if (!refused)
        return TDKT_ECONFLICT;
    return store_exec(s,
                      "INSERT INTO outbox_discarded(id, discarded_ms, by_whom) VALUES (?1, ?2, ?3)",
                      "bit", id, (size_t)16, now_ms, who);
}

/* --- receipts ------------------------------------------------------------- */

int store_outbox_receipt(struct store *s, const uint8_t id[16], const uint8_t *receipt, size_t len)
{
    return store_exec(s, "UPDATE outbox SET receipt = ?1 WHERE id = ?2", "bb", receipt, len, id,
                      (size_t)16);
}

int store_receipts_unaudited(struct store *s, unsigned max,
                             int (*cb)(void *arg, uint64_t seq, const uint8_t hash[32]), void *arg)
{
    sqlite3_stmt *st;
    int rc = store_query(
        s, &st,
        "SELECT DISTINCT seq, entry_hash FROM outbox WHERE state = 'acked' AND audited = 0"
        " AND length(entry_hash) = 32 ORDER BY seq LIMIT ?1",
        "i", (int64_t)max);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = cb(arg, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1));
        if (rc != 0)
            break;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc < 0 ? rc : (rc == SQLITE_ROW ? TDKT_EDB : rc);
}

int store_receipt_audited(struct store *s, uint64_t seq)
{
    return store_exec(s, "UPDATE outbox SET audited = 1 WHERE seq = ?1 AND state = 'acked'", "i",
                      (int64_t)seq);
}

int store_receipts_count(struct store *s, uint64_t *acked, uint64_t *audited)
{
    sqlite3_stmt *st;
    int rc = store_query(
        s, &st, "SELECT count(*), coalesce(sum(audited), 0) FROM outbox WHERE state = 'acked'", "");
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    *acked = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    *audited = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 1) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : TDKT_EDB;
}
