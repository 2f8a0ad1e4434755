/* SPDX-License-Identifier: MIT */
/*
 * The client's local store: a SQLite file (WAL, synchronous=FULL) holding the
 * outbox of mutating requests. A request gets its 128-bit id and is stored
 * here BEFORE it is sent, so a crash or a dropped link between sending and
 * the receipt can only lead to a resend with the same id, which the server
 * answers from its idempotency table without writing twice.
 *
 *   pending --receipt--> acked (seq, entry hash kept as the receipt)
 *   pending --typed refusal (not retryable)--> refused (code, message kept)
 *
 * Ownership: the store owns its connection; strings passed to callbacks are
 * valid only during the callback.
 */
#ifndef TDKT_CLIENT_LIB_STORE_H
#define TDKT_CLIENT_LIB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/sync/rangedigest.h"
#include "proto/tdkt.pb-c.h"

#define STORE_SCHEMA_VERSION 5

struct store;

struct store_item {
    uint8_t id[16];
    const char *kind; /* "note.put" */
    const uint8_t *body;
    size_t body_len;
    int64_t created_ms;
    const char *state; /* "pending", "acked", "refused" */
    uint64_t seq;
    const char *error;
};

int store_open(const char *path, struct store **out, char *err, size_t err_cap);
void store_close(struct store *s);
int store_outbox_add(struct store *s, const uint8_t id[16], const char *kind, const uint8_t *body,
                     size_t len);
/* Call cb for items in state (NULL: all), oldest first; cb returning non-zero
 * stops the walk and is returned. */
int store_outbox_each(struct store *s, const char *state,
                      int (*cb)(void *arg, const struct store_item *it), void *arg);
int store_outbox_ack(struct store *s, const uint8_t id[16], uint64_t seq, const uint8_t hash[32],
                     int64_t time_ms);
int store_outbox_refuse(struct store *s, const uint8_t id[16], const char *error);
int store_outbox_count(struct store *s, const char *state, uint64_t *n);

/* Transactions grouping several changes (an import and its outbox batches
 * are one). 0 or TDKT_EDB. */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);

/*
 * Local results (docs/results.md). A record is (unit, year, kind, key) ->
 * packed ResultRecord with a state:
 *   pending  edited here, not yet acknowledged by the server
 *   synced   the server holds this exact revision (seq = its ledger entry)
 *   refused  the server refused the batch holding it (error kept); the local
 *            copy stays so the office can correct it
 * store_record_put sets *changed = 0 when the stored record is byte-equal
 * (nothing to send) and otherwise stores it as pending.
 */
struct store_record {
    const char *unit;
    uint32_t year;
    const char *kind;
    const char *key;
    const uint8_t *record;
    size_t record_len;
    const char *state;
    uint64_t seq;
    const char *error;
};
int store_record_put(struct store *s, const char *unit, uint32_t year, const char *kind,
                     const char *key, const uint8_t *rec, size_t len, int removed, int *changed);
/* Mark the record synced (seq) or refused (error) if it still holds rec. */
int store_record_mark(struct store *s, const char *unit, uint32_t year, const char *kind,
                      const char *key, const uint8_t *rec, size_t len, const char *state,
                      uint64_t seq, const char *error);
/* Walk records of unit (NULL: all) and year (0: all), removed ones skipped,
 * in (unit, year, kind, key) order. */
int store_records_each(struct store *s, const char *unit, uint32_t year,
                       int (*cb)(void *arg, const struct store_record *r), void *arg);
int store_records_count(struct store *s, const char *state, uint64_t *n);

/* Apply one ledger entry pulled from the server to the local copy of the
 * registry, or, for "result.put" entries of this office, to the records
 * (a pending local edit wins over the pulled revision). Unknown kinds are
 * skipped (a newer server). */
int store_apply_entry(struct store *s, uint64_t seq, const char *kind, const uint8_t *payload,
                      size_t len);

/* Key-value metadata: "checkpoint" (last pulled ledger seq), "unit". */
int store_meta_get(struct store *s, const char *key, char *out, size_t cap);
int store_meta_set(struct store *s, const char *key, const char *value);

/*
 * Resolve a person named by text (an id, or an NFC name) among the persons
 * whose unit lies in unit's subtree, from the local registry copy: 0 with
 * id, TDKT_ENOTFOUND, or TDKT_EEXIST when the name matches several persons.
 */
int store_person_resolve(struct store *s, const char *unit, const char *text, char id[65]);
/* Local registry figures for `tdkt registry show`: counts per table. */
int store_registry_counts(struct store *s, uint64_t *units, uint64_t *persons, uint64_t *clusters,
                          uint64_t *periods);
/* 1 when unit's results are this office's own (the unit itself, or a
 * division whose nearest non-division ancestor is this office: the server's
 * catalog_unit_owner over the local registry copy), and while the store does
 * not know its unit yet; else 0. */
int store_unit_owned(struct store *s, const char *unit);
/* 1 if unit is ancestor or below it in the local registry copy, else 0. */
int store_unit_within(struct store *s, const char *unit, const char *ancestor);
/* The period state of year in the local copy; TDKT_ENOTFOUND. */
int store_period_state(struct store *s, uint32_t year, int *state);

/*
 * Reconciliation (docs/reconcile.md). store_records_range walks every local
 * record, removed ones included, with key in [lo, hi) (NULL: open) in the
 * order of common/sync/rangedigest.h. store_record_repair writes the
 * server's revision of a record when the local one is missing (*changed = 1)
 * or synced (*changed = 2), and leaves pending and refused edits alone (0).
 * Receipts: acknowledged outbox entries whose inclusion reconcile has not
 * yet proved in a signed head (store_receipts_unaudited, oldest first), and
 * marking one proved.
 */
int store_records_range(struct store *s, const struct rd_key *lo, const struct rd_key *hi,
                        int (*cb)(void *arg, const struct store_record *r), void *arg);
int store_record_repair(struct store *s, const Tdkt__ResultEntry *e, uint64_t seq, int *changed);
int store_receipts_unaudited(struct store *s, unsigned max,
                             int (*cb)(void *arg, uint64_t seq, const uint8_t hash[32]), void *arg);
int store_receipt_audited(struct store *s, uint64_t seq);
/* Keep the packed WriteReceipt of an acknowledged entry. */
int store_outbox_receipt(struct store *s, const uint8_t id[16], const uint8_t *receipt, size_t len);
int store_receipts_count(struct store *s, uint64_t *acked, uint64_t *audited);

/*
 * Ballots (docs/ballots.md): the packed BallotOpened of ballots seen (to vote
 * offline), and this office's own last cast of each ballot: its tracker, the
 * salt of its commitment (secret contests) and the signed statement. Gets
 * return TDKT_ENOTFOUND when absent; buffers are malloc'd for the caller.
 */
int store_ballot_seen_put(struct store *s, const char *id, const uint8_t *opened, size_t len);
int store_ballot_seen_get(struct store *s, const char *id, uint8_t **opened, size_t *len);
int store_my_ballot_put(struct store *s, const char *id, const uint8_t tracker[32],
                        const uint8_t *salt, size_t salt_len, const uint8_t *statement,
                        size_t statement_len, const uint8_t *sealed, size_t sealed_len);
int store_my_ballot_get(struct store *s, const char *id, uint8_t tracker[32], uint8_t **salt,
                        size_t *salt_len, uint8_t **statement, size_t *statement_len);

/* The value of a rule for a year from the local copy of the rule sets (the
 * set in force on 31 December), as the server's catalog_rule_value. */
int store_rule_value(struct store *s, uint32_t year, const char *key, double *value,
                     char ruleset[65]);

/* The store's connection, for read-only modules over its tables
 * (client/lib/elig_local.c). Borrowed. */
typedef struct sqlite3 sqlite3;
sqlite3 *store_db(struct store *s);

#endif
