/* SPDX-License-Identifier: MIT */
/*
 * Notes: the current-state table of NotePut entries, the text an office
 * keeps under a key (ledger.h declares the two calls, notes_schema.c the
 * table, notes_requests.c the request). A put appends its entry and upserts
 * the row inside one ledger operation, so on failure neither is written.
 * Like every ledger module it runs on the thread that owns the handle and
 * never commits.
 */
#include "server/ledger/ledger.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "server/ledger/sql.h"

int ledger_note_put(struct ledger *l, int64_t time_ms, const char *unit, const uint8_t *payload,
                    size_t len, const char *key, const char *text, uint64_t *seq,
                    uint8_t hash[LEDGER_HASH_LEN])
{
    uint8_t entry_hash[LEDGER_HASH_LEN];
    uint64_t entry_seq = 0;
    int ret;

    if (!key || !*key || !text)
        return TDKT_EINVAL;
    ret = ledger_op_begin(l);
    if (ret < 0)
        return ret;
    ret = ledger_append(l, time_ms, unit, ENTRY_NOTE_PUT, payload, len, &entry_seq, entry_hash);
    if (ret == 0)
        ret = sql_exec(l, "storing a note",
                       "INSERT INTO notes(unit, key, text, seq) VALUES (?1, ?2, ?3, ?4)"
                       " ON CONFLICT(unit, key) DO UPDATE SET text = excluded.text,"
                       " seq = excluded.seq",
                       "ttti", unit, key, text, (int64_t)entry_seq);
    ret = ledger_op_end(l, ret);
    if (ret < 0)
        return ret;
    if (seq)
        *seq = entry_seq;
    if (hash)
        memcpy(hash, entry_hash, LEDGER_HASH_LEN);
    return 0;
}

int ledger_note_get(struct ledger *l, const char *unit, const char *key, char **text, uint64_t *seq)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (!unit || !key || !text)
        return TDKT_EINVAL;
    *text = NULL;
    rc = sql_query(l, &st, "SELECT text, seq FROM notes WHERE unit = ?1 AND key = ?2", "tt", unit,
                   key);
    if (rc < 0)
        return rc;
    rc = sql_step(l, st, "reading a note");
    if (rc == 0) {
        rc = TDKT_ENOTFOUND;
    } else if (rc == 1) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);

        *text = malloc(n + 1);
        rc = *text ? 0 : TDKT_ENOMEM;
        if (*text) {
            if (n)
                memcpy(*text, t, n);
            (*text)[n] = '\0';
            if (seq)
                *seq = (uint64_t)sqlite3_column_int64(st, 1);
        }
    }
    sql_done(st);
    return rc;
}
