/* SPDX-License-Identifier: MIT */
/* SQLite helpers; see sql.h. */
#include "server/ledger/sql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "common/log.h"
#include "common/util/sqlbind.h"
#include "server/ledger/ledger.h"

/* Bind through the tree's one helper (common/util/sqlbind.h), logging why. */
static int sql_bindv(sqlite3 *db, sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int rc = sqlbind_v(st, fmt, ap);
    if (rc == TDKT_EINVAL)
        log_error("sql: bad bind format '%s'", fmt);
    else if (rc < 0)
        log_error("sql: binding failed: %s", sqlite3_errmsg(db));
    return rc;
}

int sql_query(struct ledger *l, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    sqlite3 *db = ledger_db(l);
    va_list ap;
    int rc;

    *st = ledger_stmt(l, sql);
    if (!*st)
        return TDKT_EDB;
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    va_start(ap, fmt);
    rc = sql_bindv(db, *st, fmt, ap);
    va_end(ap);
    if (rc < 0) {
        sql_done(*st);
        *st = NULL;
    }
    return rc;
}

int sql_step(struct ledger *l, sqlite3_stmt *st, const char *what)
{
    sqlite3 *db = ledger_db(l);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    log_error("sql: %s failed: %s", what, sqlite3_errmsg(db));
    return TDKT_EDB;
}

void sql_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

int sql_exec(struct ledger *l, const char *what, const char *sql, const char *fmt, ...)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = ledger_stmt(l, sql);
    va_list ap;
    int rc;

    if (!st)
        return TDKT_EDB;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    va_start(ap, fmt);
    rc = sql_bindv(db, st, fmt, ap);
    va_end(ap);
    if (rc == 0)
        rc = sql_step(l, st, what);
    sql_done(st);
    return rc < 0 ? rc : 0;
}

int sql_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= cap)
        return TDKT_ECORRUPT;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
    return 0;
}

int sql_map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return TDKT_ECORRUPT;
    case SQLITE_NOMEM:
        return TDKT_ENOMEM;
    default:
        return TDKT_EDB;
    }
}

int sql_pragma_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    out[0] = '\0';
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            snprintf(out, cap, "%s", t ? (const char *)t : "");
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int sql_pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    char text[SQL_PRAGMA_TEXT_MAX];
    int rc = sql_pragma_text(db, sql, text, sizeof text);

    if (rc == SQLITE_OK)
        *out = strtoll(text, NULL, 10);
    return rc;
}

int sql_entry_payload(struct ledger *l, uint64_t seq, const char *kind, uint8_t **out, size_t *len)
{
    sqlite3_stmt *st;
    int rc =
        sql_query(l, &st, "SELECT kind, payload FROM ledger WHERE seq = ?1", "i", (int64_t)seq);
    /* Both outputs are set on every path, so callers never read an undefined length. */
    *out = NULL;
    *len = 0;
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading an entry");
    if (rc == 1) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        if (!k || strcmp(k, kind) != 0) {
            rc = TDKT_ECORRUPT;
        } else if ((*out = malloc(n ? n : 1))) {
            if (n)
                memcpy(*out, sqlite3_column_blob(st, 1), n);
            *len = n;
            rc = 0;
        } else {
            rc = TDKT_ENOMEM;
        }
    } else if (rc == 0) {
        rc = TDKT_ECORRUPT;
    }
    sql_done(st);
    return rc;
}

int sql_secure_delete(struct ledger *l)
{
    return sqlite3_exec(ledger_db(l), "PRAGMA secure_delete = ON", NULL, NULL, NULL) == SQLITE_OK
               ? 0
               : TDKT_EDB;
}
