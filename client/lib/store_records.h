/* SPDX-License-Identifier: MIT */
/*
 * The office's results in the local store (store.h; docs/results.md). A
 * record is (unit, year, kind, key) -> packed ResultRecord with a state:
 *
 *   pending  edited here, not yet acknowledged by the server
 *   synced   the server holds this exact revision (seq = its ledger entry)
 *   refused  the server refused the batch holding it (error kept); the local
 *            copy stays so the office can correct it
 *
 * store_record_put: pending (or unchanged); store_record_mark: synced or
 * refused; a pulled revision (store_apply_entry) or a repair
 * (store_record_repair) never overwrites a pending edit. Only the office's
 * own units' records are kept: the central office sees every unit's
 * entries but stores its own. This module checks no record (records.h does,
 * before a record gets here).
 */
#ifndef TDKT_CLIENT_LIB_STORE_RECORDS_H
#define TDKT_CLIENT_LIB_STORE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"
#include "common/sync/rangedigest.h"
#include "proto/tdkt.pb-c.h"

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

/* Store rec as pending; *changed = 0 when the stored record is byte-equal
 * (nothing to send). */
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

/*
 * Reconciliation (docs/reconcile.md). store_records_range walks every local
 * record, removed ones included, with key in [lo, hi) (NULL: open) in the
 * order of common/sync/rangedigest.h. store_record_repair writes the
 * server's revision of a record when the local one is missing (*changed = 1)
 * or synced (*changed = 2), and leaves pending and refused edits alone (0).
 */
int store_records_range(struct store *s, const struct rd_key *lo, const struct rd_key *hi,
                        int (*cb)(void *arg, const struct store_record *r), void *arg);
int store_record_repair(struct store *s, const Tdkt__ResultEntry *e, uint64_t seq, int *changed);

#endif
