/* SPDX-License-Identifier: MIT */
/*
 * The tables of the sector's Council (council.c, docs/council.md): the
 * Council of each year and its members, which registry records set
 * (catalog.c stores them), and the Council's votes with their counts per
 * subject; for an electronic vote, its roll, who cast, and a secret vote's
 * choices until the close. Current-state tables derived from ledger
 * entries, except council_pending. A step of the
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

/* v7: electronic votes. A vote is open while its members cast (open = 1;
 * closed_seq names its council.close entry); its roll of persons is frozen
 * when it opens; who cast last (council_voters, from council.cast entries);
 * and a secret vote's choices, waiting apart from the ledger until the
 * close boxes them (council_pending: no entry holds them, so no replay
 * rebuilds it). */
const char council_schema_v7[] =
    "ALTER TABLE council_votes ADD COLUMN open INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE council_votes ADD COLUMN closed_seq INTEGER;"
    "CREATE TABLE council_roll("
    " vote TEXT NOT NULL, person TEXT NOT NULL, PRIMARY KEY(vote, person)) WITHOUT ROWID;"
    "CREATE TABLE council_voters("
    " vote TEXT NOT NULL, person TEXT NOT NULL, cast_no INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY(vote, person)) WITHOUT ROWID;"
    "CREATE TABLE council_pending("
    " vote TEXT NOT NULL, person TEXT NOT NULL, ballot BLOB NOT NULL,"
    " PRIMARY KEY(vote, person)) WITHOUT ROWID;";
