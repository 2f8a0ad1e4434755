/* SPDX-License-Identifier: MIT */
/*
 * The ballots' tables (ballot.c, docs/ballots.md). Every one is derived
 * from entries except ballot_pending: the sealed ballots of secret contests
 * wait there, apart from the ledger, until the box is sealed, so that no
 * entry ties a voter to a choice. A step of the ledger schema
 * (server/ledger/ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v4: ballots, who voted, and the sealed ballots waiting for the seal. */
const char ballot_schema_v4[] =
    "CREATE TABLE ballots("
    " id TEXT PRIMARY KEY, year INTEGER NOT NULL, cluster TEXT NOT NULL, opened_by TEXT NOT NULL,"
    " opens_ms INTEGER NOT NULL, closes_ms INTEGER NOT NULL, roll INTEGER NOT NULL,"
    " state TEXT NOT NULL, flag INTEGER NOT NULL, seq INTEGER NOT NULL, sealed_seq INTEGER,"
    " tally_seq INTEGER, published_seq INTEGER);"
    "CREATE INDEX ballots_cluster ON ballots(year, cluster);"
    "CREATE TABLE ballot_voters("
    " ballot TEXT NOT NULL REFERENCES ballots(id), voter TEXT NOT NULL,"
    " cast_no INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(ballot, voter)) WITHOUT ROWID;"
    "CREATE TABLE ballot_pending("
    " ballot TEXT NOT NULL, voter TEXT NOT NULL, sealed BLOB NOT NULL,"
    " PRIMARY KEY(ballot, voter)) WITHOUT ROWID;";
