/* SPDX-License-Identifier: MIT */
/*
 * The yearly registry's tables (catalog.c, docs/registry.md): persons,
 * periods, clusters and their members, criteria, and the rule sets. They
 * are current-state tables: every row is derived from ledger entries and
 * seq names the entry that last set it. Steps of the ledger schema
 * (ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v2: persons, periods, clusters, cluster members and criteria. */
const char catalog_schema_v2[] =
    "CREATE TABLE persons("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, unit TEXT NOT NULL REFERENCES units(code),"
    " seq INTEGER NOT NULL);"
    "CREATE INDEX persons_unit ON persons(unit, name);"
    "CREATE TABLE periods("
    " year INTEGER PRIMARY KEY, state INTEGER NOT NULL, deadline TEXT, seq INTEGER NOT NULL);"
    "CREATE TABLE clusters("
    " year INTEGER NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, kind INTEGER NOT NULL,"
    " leader TEXT, deputy TEXT, seq INTEGER NOT NULL, PRIMARY KEY(year, code));"
    "CREATE TABLE cluster_members("
    " year INTEGER NOT NULL, cluster TEXT NOT NULL, unit TEXT NOT NULL REFERENCES units(code),"
    " PRIMARY KEY(year, unit));"
    "CREATE TABLE criteria("
    " year INTEGER NOT NULL, cluster TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,"
    " max_points REAL NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(year, cluster, code));";

/* v4: rule sets, the thresholds of the legal texts as data. */
const char catalog_schema_v4[] =
    "CREATE TABLE rule_sets("
    " code TEXT PRIMARY KEY, name TEXT NOT NULL, effective_from TEXT NOT NULL,"
    " seq INTEGER NOT NULL);"
    "CREATE TABLE rule_values("
    " ruleset TEXT NOT NULL REFERENCES rule_sets(code), key TEXT NOT NULL, value REAL NOT NULL,"
    " source TEXT, PRIMARY KEY(ruleset, key)) WITHOUT ROWID;";
