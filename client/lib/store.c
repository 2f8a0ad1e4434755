/* SPDX-License-Identifier: MIT */
/* The client's local SQLite store (see store.h). */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"

#define STORE_BUSY_TIMEOUT_MS 5000

struct store {
    sqlite3 *db;
};

static const char schema_v1[] =
    "CREATE TABLE outbox("
    " id BLOB PRIMARY KEY CHECK(length(id)=16),"
    " kind TEXT NOT NULL,"
    " body BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK(state IN ('pending','acked','refused')),"
    " seq INTEGER, entry_hash BLOB, acked_ms INTEGER, error TEXT);"
    "CREATE INDEX outbox_state ON outbox(state, created_ms);"
    "PRAGMA user_version=1;";

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_open(const char *path, struct store **out, char *err, size_t err_cap)
{
    struct store *s = calloc(1, sizeof *s);
    sqlite3_stmt *st = NULL;
    int version = 0, rc;
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
    if (version == 0) {
        rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, &emsg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, schema_v1, NULL, NULL, &emsg);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, &emsg);
        if (rc != SQLITE_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            goto sqlfail;
        }
    }
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
    sqlite3_bind_int64(st, 4, now_ms());
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
                           "SELECT id, kind, body, created_ms, state, seq, error FROM outbox "
                           "WHERE ?1 IS NULL OR state=?1 ORDER BY created_ms, rowid",
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
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM outbox WHERE ?1 IS NULL OR state=?1", -1,
                           &st, NULL) != SQLITE_OK)
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
