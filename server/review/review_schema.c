/* SPDX-License-Identifier: MIT */
/*
 * The tables of submissions and their review (review.c, docs/review.md):
 * submissions, their proposals with verdicts and decisions, and the log of
 * review events. A step of the ledger schema
 * (server/ledger/ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v5: submissions, proposals and review events. */
const char review_schema_v5[] =
    "CREATE TABLE submissions("
    " id TEXT PRIMARY KEY, year INTEGER NOT NULL, unit TEXT NOT NULL, state INTEGER NOT NULL,"
    " revision INTEGER NOT NULL, seq INTEGER NOT NULL);"
    "CREATE INDEX submissions_year ON submissions(year, unit);"
    "CREATE TABLE proposals("
    " submission TEXT NOT NULL, id TEXT NOT NULL, title INTEGER NOT NULL, person TEXT,"
    " unit TEXT, ballot TEXT, state INTEGER NOT NULL, verdict INTEGER NOT NULL, rule TEXT,"
    " why TEXT, ruleset TEXT, decision_no TEXT, decision_date TEXT, signer TEXT, reason TEXT,"
    " seq INTEGER NOT NULL, PRIMARY KEY(submission, id)) WITHOUT ROWID;"
    "CREATE INDEX proposals_person ON proposals(person);"
    "CREATE INDEX proposals_unit ON proposals(unit);"
    "CREATE TABLE review_events("
    " submission TEXT NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
    " actor TEXT NOT NULL, what TEXT NOT NULL, PRIMARY KEY(submission, seq)) WITHOUT ROWID;";

/* v8: a verdict's reason and cause as data (a packed ProposalVerdict with
 * only those fields, common/wire/reason_pb.h), for the client's language. */
const char review_schema_v8[] = "ALTER TABLE proposals ADD COLUMN why_detail BLOB;";
