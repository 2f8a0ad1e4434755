/* SPDX-License-Identifier: MIT */
/*
 * The client's local store: one SQLite file (WAL, synchronous=FULL) per
 * office, holding what the office keeps between runs. This header is its
 * core: opening the file and bringing it to STORE_SCHEMA_VERSION (each
 * module below owns its tables and their schema steps, which store_open runs
 * in version order in one transaction), transactions that group changes of
 * several modules, key-value metadata, and a ledger entry pulled from the
 * server handed to the module that keeps it. What is stored has its own
 * module and header:
 *
 *   store_outbox.h    mutating requests stored before they are sent, and
 *                     their receipts
 *   store_records.h   the office's results, as edited here or pulled
 *   store_registry.h  the copy of the registry: units, persons, periods,
 *                     clusters, criteria, rule sets
 *   store_ballots.h   ballots seen and this office's own casts
 *
 * and store_facts.h reads those tables for the eligibility facts (the
 * office's preview). Ownership: the store owns its connection; strings
 * passed to callbacks are valid only during the callback.
 */
#ifndef TDKT_CLIENT_LIB_STORE_H
#define TDKT_CLIENT_LIB_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 6

struct store;

/* Open (creating) the store at path and migrate it; err gets a message a
 * person can act on. 0, TDKT_ENOMEM or TDKT_EDB (a newer schema included). */
int store_open(const char *path, struct store **out, char *err, size_t err_cap);
void store_close(struct store *s);

/* Transactions grouping several changes (an import and its outbox batches
 * are one). 0 or TDKT_EDB. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/* Key-value metadata: "checkpoint" (last pulled ledger seq), "unit". */
int store_meta_get(struct store *s, const char *key, char *out, size_t cap);
int store_meta_set(struct store *s, const char *key, const char *value);

/* Apply one ledger entry pulled from the server to the local copy of the
 * registry, or, for "result.put" entries of this office, to the records
 * (a pending local edit wins over the pulled revision). Unknown kinds are
 * skipped (a newer server). */
int store_apply_entry(struct store *s, uint64_t seq, const char *kind, const uint8_t *payload,
                      size_t len);

#endif
