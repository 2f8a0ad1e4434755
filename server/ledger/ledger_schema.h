/* SPDX-License-Identifier: MIT */
/*
 * The schema of the ledger file, as steps that each module owns. A step is
 * one module's statements at the schema version that brought them; its SQL
 * lives next to the module, in <module>_schema.c, and ledger_schema.c lists
 * every step in the order it runs and runs the missing ones when the ledger
 * is opened (ledger_open).
 *
 * The rules:
 *   - A file records its version in PRAGMA user_version. Opening it runs, for
 *     each version above that one, all the steps of that version in the order
 *     of the list, in one transaction that ends by setting user_version, so a
 *     crash leaves the file at a version it fully has.
 *   - A released step never changes: files in the field have already run
 *     it. A change to a table is a new step, at a new LEDGER_SCHEMA_VERSION
 *     (ledger.h), appended to the list.
 *   - Within a version the list orders the steps; a step may use the tables
 *     of any step before it.
 *
 * Who owns which tables (and at which versions they came):
 *
 *   ledger core    ledger_schema.c          ledger, requests, meta (v1)
 *   registry       server/registry/registry_schema.c  units, certs (v1);
 *                                           units.kind (v2); person_certs (v7)
 *   notes          server/results/notes_schema.c      notes (v1)
 *   catalog        server/registry/catalog_schema.c   persons, periods, clusters,
 *                                           cluster_members, criteria (v2);
 *                                           rule_sets, rule_values (v4)
 *   results        server/results/results_schema.c    results (v2)
 *   treelog        treelog_schema.c         merkle, tree_heads, and the
 *                                           re-hash of every entry (v3)
 *   ballot         server/ballot/ballot_schema.c   ballots, ballot_voters,
 *                                           ballot_pending (v4)
 *   review         server/review/review_schema.c   submissions, proposals,
 *                                           review_events (v5)
 *   council        server/council/council_schema.c councils,
 *                                           council_members, council_votes,
 *                                           council_counts (v6); council_votes.open
 *                                           and .closed_seq, council_roll,
 *                                           council_voters, council_pending (v7)
 *
 * Owning a table here means declaring and migrating it; which modules read
 * or write it is theirs to say (catalog.c, for one, updates the registry's
 * units when the registry file moves a unit).
 */
#ifndef TDKT_SERVER_LEDGER_LEDGER_SCHEMA_H
#define TDKT_SERVER_LEDGER_LEDGER_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

typedef struct sqlite3 sqlite3;

/*
 * Bring the file open on db from user_version `from` to LEDGER_SCHEMA_VERSION
 * (from < LEDGER_SCHEMA_VERSION; another process may migrate it meanwhile,
 * which is fine). On failure nothing of the failed version is kept, err
 * (cap bytes) gets a sentence for the operator naming path, and the result
 * is a TDKT code: TDKT_ECORRUPT (damaged file, broken v2 chain),
 * TDKT_EVERSION (the file changed to an unknown version meanwhile),
 * TDKT_ENOMEM or TDKT_EDB.
 */
int ledger_schema_migrate(sqlite3 *db, int64_t from, const char *path, char *err, size_t cap);

/* The steps, by module and by the version they bring the file to. */
extern const char ledger_schema_v1[];   /* ledger core */
extern const char registry_schema_v1[]; /* registry */
extern const char notes_schema_v1[];    /* notes */
extern const char registry_schema_v2[]; /* registry: unit kinds */
extern const char catalog_schema_v2[];  /* the yearly registry */
extern const char results_schema_v2[];  /* results */
extern const char treelog_schema_v3[];  /* the Merkle log */
extern const char catalog_schema_v4[];  /* rule sets */
extern const char ballot_schema_v4[];   /* ballots */
extern const char review_schema_v5[];   /* submissions and review */
extern const char council_schema_v6[];  /* the sector's Council and its votes */
extern const char registry_schema_v7[]; /* registry: the Council members' certificates */
extern const char council_schema_v7[];  /* the Council's electronic votes */
extern const char review_schema_v8[];   /* review: a verdict's reason as data */

/* The C half of treelog's v3 step, run after treelog_schema_v3 in the same
 * transaction: check the v2 hash chain (a broken one is TDKT_ECORRUPT, never
 * silently re-hashed), rewrite every entry hash as its Merkle leaf hash and
 * store the tree's nodes. */
int treelog_schema_fill_v3(sqlite3 *db, const char *path, char *err, size_t cap);

#endif
