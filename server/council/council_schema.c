/* SPDX-License-Identifier: MIT */
/*
 * The tables of the sector's Council (council.c, docs/council.md): the
 * Council of each year and its members, which registry records set
 * (catalog.c stores them), and the Council's votes with their counts per
 * subject. Current-state tables derived from ledger entries. A step of the
 * ledger schema (server/ledger/ledger_schema.h); a released step never
 * changes.
 */
#include "server/ledger/ledger_schema.h"

/* v6: Councils, their members, their votes and each subject's count. */
const char council_schema_v6[] =
    "CREATE TABLE councils("
    " year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(year, code)) WITHOUT ROWID;"
    "CREATE TABLE council_members("
    " year INTEGER NOT NULL, council TEXT NOT NULL, person TEXT NOT NULL, role INTEGER NOT NULL,"
    " PRIMARY KEY(year, council, person)) WITHOUT ROWID;"
    "CREATE TABLE council_votes("
    " id TEXT PRIMARY KEY, year INTEGER NOT NULL, council TEXT NOT NULL, secret INTEGER NOT NULL,"
    " mode INTEGER NOT NULL, minutes_ref TEXT NOT NULL, held_on TEXT, roll INTEGER NOT NULL,"
    " seq INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE council_counts("
    " vote TEXT NOT NULL, contest TEXT NOT NULL, person TEXT NOT NULL, unit TEXT NOT NULL,"
    " title INTEGER NOT NULL, yes INTEGER NOT NULL, no INTEGER NOT NULL,"
    " abstain INTEGER NOT NULL, PRIMARY KEY(vote, person, unit, title)) WITHOUT ROWID;"
    "CREATE INDEX council_counts_subject ON council_counts(person, unit, title);";
