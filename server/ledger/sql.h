/* SPDX-License-Identifier: MIT */
/*
 * Small SQLite helpers for the current-state modules (catalog, results):
 * prepare, bind by a format string, step, and map SQLite failures to
 * TDKT_EDB with a log line. Also, on a bare connection, for opening the file
 * and its schema steps: the TDKT code of a SQLite code, and PRAGMA reads. Statements come from
 * ledger_stmt(), which prepares each SQL string literal once per ledger handle, so a hot path does
 * not re-parse. SQL must be a string literal (its address is the key).
 *
 * Bind formats, one character per parameter ?1, ?2, ...:
 *   t  const char *        text (NULL binds NULL)
 *   i  int64_t             integer
 *   u  uint32_t            integer
 *   d  double              real
 *   b  const void *, size_t  blob
 */
#ifndef TDKT_SERVER_LEDGER_SQL_H
#define TDKT_SERVER_LEDGER_SQL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ledger;
typedef struct sqlite3_stmt sqlite3_stmt;

/* Prepare (or fetch from the cache) and bind; *st must be finished with
 * sql_done(). TDKT_EDB on failure. */
int sql_query(struct ledger *l, sqlite3_stmt **st, const char *sql, const char *fmt, ...);
/* Step once: 1 for a row, 0 for done, TDKT_EDB on failure (logged with what). */
int sql_step(struct ledger *l, sqlite3_stmt *st, const char *what);
/* Reset and clear a statement from sql_query (NULL is fine). */
void sql_done(sqlite3_stmt *st);
/* Prepare, bind, step to completion: a write. 0 or TDKT_EDB. */
int sql_exec(struct ledger *l, const char *what, const char *sql, const char *fmt, ...);
/* Copy text column col into out (cap bytes with NUL); TDKT_ECORRUPT if it
 * does not fit. NULL reads as "". */
int sql_col_text(sqlite3_stmt *st, int col, char *out, size_t cap);

/* The TDKT code for a SQLite result code (extended or not): TDKT_ECORRUPT
 * when the file is damaged or not a database, TDKT_ENOMEM, else TDKT_EDB. */
int sql_map_rc(int sqlite_rc);

/* Run a PRAGMA (or any one-value query) on db and copy its first column as
 * text into out (cap bytes; "" when it returns no row), or parse it as an
 * integer. SQLite codes: SQLITE_OK or the failure. */
#define SQL_PRAGMA_TEXT_MAX 64 /* longest PRAGMA answer sql_pragma_int reads */
typedef struct sqlite3 sqlite3;
int sql_pragma_text(sqlite3 *db, const char *sql, char *out, size_t cap);
int sql_pragma_int(sqlite3 *db, const char *sql, int64_t *out);

/* The payload of entry seq, which must be of kind (else TDKT_ECORRUPT),
 * malloc'd into *out and *len; both are set on every path. */
int sql_entry_payload(struct ledger *l, uint64_t seq, const char *kind, uint8_t **out, size_t *len);

/* Turn SQLite's secure_delete on for this connection. It stays on: the
 * pages a replaced sealed ballot or an emptied pending box free are zeroed,
 * so the link between a voter and a secret choice does not linger in free
 * space (docs/ballots.md §4.2; the Council's secret votes, docs/council.md). */
int sql_secure_delete(struct ledger *l);

#endif
