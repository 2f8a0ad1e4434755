/* SPDX-License-Identifier: MIT */
/*
 * Inside the local store (store.h): the connection every store module works
 * on, the bind-by-format helper they share, and what each module hands the
 * core: its steps of the schema (store_open runs them in version order, in
 * one transaction) and how it applies an entry pulled from the server.
 * Private to client/lib/store*.c: other modules use the public headers.
 */
#ifndef TDKT_CLIENT_LIB_STORE_SQL_H
#define TDKT_CLIENT_LIB_STORE_SQL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"

/* Owned by store_open / store_close. */
struct store {
    sqlite3 *db;
};

/* The wall clock in milliseconds, for the rows' timestamps. */
int64_t store_now_ms(void);

/* Prepare sql on the store's connection and bind by format
 * (common/util/sqlbind.h), as server/ledger/sql.h does. *st must be
 * finalized by the caller. 0 or TDKT_EDB. */
int store_query(struct store *s, sqlite3_stmt **st, const char *sql, const char *fmt, ...);
/* Prepare, bind and step sql to completion: a write. 0 or TDKT_EDB. */
int store_exec(struct store *s, const char *sql, const char *fmt, ...);
/* Step a query to its one row (not finalized): 0 on it, TDKT_ENOTFOUND when
 * there is none, TDKT_EDB. */
int store_query_row(sqlite3_stmt *st);
/* Step a prepared statement to completion and finalize it. 0 or TDKT_EDB. */
int store_query_done(sqlite3_stmt *st);

/* The schema steps of each module, by the version they bring the file to. */
extern const char store_outbox_schema_v1[];   /* the outbox */
extern const char store_records_schema_v2[];  /* local results */
extern const char store_registry_schema_v2[]; /* the registry copy */
extern const char store_outbox_schema_v3[];   /* receipts kept and audited */
extern const char store_ballots_schema_v4[];  /* ballots seen, own casts */
extern const char store_registry_schema_v5[]; /* rule sets */
extern const char store_outbox_schema_v6[];   /* refused entries set aside */

/* A pulled "result.put" entry into the records (store_records.c); any other
 * kind into the registry copy, unknown ones skipped (store_registry.c). */
int store_records_apply(struct store *s, uint64_t seq, const uint8_t *payload, size_t len);
int store_registry_apply(struct store *s, const char *kind, const uint8_t *payload, size_t len);

#endif
