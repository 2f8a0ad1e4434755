/* SPDX-License-Identifier: MIT */
/*
 * The results table (results.c, docs/results.md): the current revision of
 * each keyed record, derived from its result.put entries. A step of the
 * ledger schema (ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v2: results. */
const char results_schema_v2[] =
    "CREATE TABLE results("
    " unit TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,"
    " record BLOB NOT NULL, removed INTEGER NOT NULL, revision INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, PRIMARY KEY(unit, year, kind, key)) WITHOUT ROWID;";
