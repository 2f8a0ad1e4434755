/* SPDX-License-Identifier: MIT */
/*
 * The notes table (notes.c): the current text of each NotePut under its
 * (unit, key) and the entry that set it. A step of the ledger schema
 * (ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v1: notes. */
const char notes_schema_v1[] =
    "CREATE TABLE notes("
    " unit TEXT NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(unit, key));";
