/* SPDX-License-Identifier: MIT */
/*
 * Ballots in the local store (see store_ballots.h).
 */
#include "client/lib/store_ballots.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/store_sql.h"
#include "common/err.h"

/* v3 -> v4: ballots this office has looked at (their definition, so that it
 * can vote offline) and the secrets of its own casts (tracker, salt), which
 * let it find its ballot in the published box and prove its commitment. */
const char store_ballots_schema_v4[] =
    "CREATE TABLE ballots_seen(id TEXT PRIMARY KEY, opened BLOB NOT NULL, fetched_ms INTEGER);"
    "CREATE TABLE my_ballots(id TEXT PRIMARY KEY, tracker BLOB NOT NULL, salt BLOB,"
    " statement BLOB NOT NULL, sealed BLOB, cast_ms INTEGER NOT NULL);";

int store_ballot_seen_put(struct store *s, const char *id, const uint8_t *opened, size_t len)
{
    return store_exec(s,
                      "INSERT INTO ballots_seen(id, opened, fetched_ms) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(id) DO UPDATE SET opened = excluded.opened,"
                      " fetched_ms = excluded.fetched_ms",
                      "tbi", id, opened, len, store_now_ms());
}

/* Copy a blob column into a malloc'd buffer. */
static int col_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len)
{
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    *out = malloc(n ? n : 1);
    if (!*out)
        return TDKT_ENOMEM;
    if (n)
        memcpy(*out, sqlite3_column_blob(st, col), n);
    *len = n;
    return 0;
}

int store_ballot_seen_get(struct store *s, const char *id, uint8_t **opened, size_t *len)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st, "SELECT opened FROM ballots_seen WHERE id = ?1", "t", id);
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = col_dup(st, 0, opened, len);
    else
        rc = rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_EDB;
    sqlite3_finalize(st);
    return rc;
}

int store_my_ballot_put(struct store *s, const char *id, const uint8_t tracker[32],
                        const uint8_t *salt, size_t salt_len, const uint8_t *statement,
                        size_t statement_len, const uint8_t *sealed, size_t sealed_len)
{
    return store_exec(
        s,
        "INSERT INTO my_ballots(id, tracker, salt, statement, sealed, cast_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET"
        " tracker = excluded.tracker, salt = excluded.salt, statement = excluded.statement,"
        " sealed = excluded.sealed, cast_ms = excluded.cast_ms",
        "tbbbbi", id, tracker, (size_t)32, salt, salt_len, statement, statement_len, sealed,
        sealed_len, store_now_ms());
}

int store_my_ballot_get(struct store *s, const char *id, uint8_t tracker[32], uint8_t **salt,
                        size_t *salt_len, uint8_t **statement, size_t *statement_len)
{
    sqlite3_stmt *st;
    int rc = store_query(s, &st, "SELECT tracker, salt, statement FROM my_ballots WHERE id = ?1",
                         "t", id);
    *salt = *statement = NULL;
    if (rc < 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(tracker, sqlite3_column_blob(st, 0), 32);
        rc = col_dup(st, 1, salt, salt_len);
        if (rc == 0)
            rc = col_dup(st, 2, statement, statement_len);
    } else {
        rc = rc == SQLITE_DONE ? TDKT_ENOTFOUND : TDKT_ECORRUPT;
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(*salt);
        free(*statement);
        *salt = *statement = NULL;
    }
    return rc;
}
