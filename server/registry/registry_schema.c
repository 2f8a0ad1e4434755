/* SPDX-License-Identifier: MIT */
/*
 * The registry's tables (registry.c): units and their certificates, and
 * the Council members' own certificates, each row derived from the entries
 * that registered, issued or revoked it. Steps of the
 * ledger schema (ledger_schema.h); a released step never changes.
 */
#include "server/ledger/ledger_schema.h"

/* v1: units and certificates. */
const char registry_schema_v1[] = "CREATE TABLE units("
                                  " code TEXT PRIMARY KEY,"
                                  " name TEXT NOT NULL,"
                                  " role INTEGER NOT NULL,"
                                  " parent TEXT,"
                                  " revoked INTEGER NOT NULL DEFAULT 0,"
                                  " seq INTEGER NOT NULL);"
                                  "CREATE TABLE certs("
                                  " serial TEXT PRIMARY KEY,"
                                  " unit TEXT NOT NULL REFERENCES units(code),"
                                  " not_after TEXT,"
                                  " revoked INTEGER NOT NULL DEFAULT 0,"
                                  " issued_seq INTEGER,"
                                  " revoked_seq INTEGER);";

/* v2: the kind of a unit and the lookup of a unit's children, for the
 * yearly registry (docs/registry.md). */
const char registry_schema_v2[] = "ALTER TABLE units ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
                                  "CREATE INDEX units_parent ON units(parent);";

/* v7: the Council members' own certificates (tdktd cert issue --person),
 * beside the units' (docs/council.md). */
const char registry_schema_v7[] = "CREATE TABLE person_certs("
                                  " serial TEXT PRIMARY KEY,"
                                  " person TEXT NOT NULL REFERENCES persons(id),"
                                  " not_after TEXT,"
                                  " revoked INTEGER NOT NULL DEFAULT 0,"
                                  " issued_seq INTEGER,"
                                  " revoked_seq INTEGER);";
