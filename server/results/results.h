/* SPDX-License-Identifier: MIT */
/*
 * Results of units for emulation periods (docs/results.md): the current
 * revision of every record as a table derived from "result.put" entries
 * (payload: ResultEntry). Nothing is deleted: a withdrawn record is a
 * revision with removed set.
 *
 * results_put() applies one batch for one unit and year, all or nothing,
 * inside a ledger operation savepoint. It checks, in order: the unit is
 * registered and not revoked; it is the acting unit or one of its divisions
 * (catalog_unit_owner; TDKT_EPERM otherwise, the central office included); the year's period exists
 * (TDKT_ENOTFOUND) and is open (TDKT_EPERIOD); each record's fields (record_validate), its key is
 * unique in the batch, and its references (persons in the unit's subtree, the criterion on the
 * sheet of the unit's cluster with points within its maximum). A record byte-equal to the current
 * revision appends nothing. On a refusal f names the field ("results_put.records[3].score.points").
 */
#ifndef TDKT_SERVER_LEDGER_RESULTS_H
#define TDKT_SERVER_LEDGER_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

struct results_outcome {
    uint32_t appended;
    uint32_t unchanged;
    uint64_t first_seq; /* 0 when nothing was appended */
};

int results_put(struct ledger *l, int64_t time_ms, const struct registry_unit *actor,
                const char *unit, uint32_t year, Tdkt__ResultRecord **records, size_t n,
                struct results_outcome *out, struct fault *f);

/* One current record: the packed ResultRecord and the entry that set it. */
struct results_row {
    const char *kind;
    const char *key;
    const uint8_t *record;
    size_t record_len;
    uint64_t seq;
    uint32_t revision;
};

/* Call cb for the current records of (unit, year) that are not removed, in
 * (kind, key) order, skipping the first offset. cb returning non-zero stops
 * the walk (a negative value is returned). */
int results_each(struct ledger *l, const char *unit, uint32_t year, uint32_t offset,
                 int (*cb)(void *arg, const struct results_row *row), void *arg);

#endif
