/* SPDX-License-Identifier: MIT */
/*
 * Record keys of reconciliation (RecordKey in proto/tdkt.proto): a key is
 * (unit, year, kind, key), ordered as rangedigest.h orders them. Both sides
 * build, copy and free the wire form the same way, here. Ownership: a key
 * from reckey_new or reckey_copy is malloc'd with its strings and freed by
 * reckey_free; reckey_view borrows.
 */
#ifndef TDKT_COMMON_SYNC_RECKEY_H
#define TDKT_COMMON_SYNC_RECKEY_H

#include <stdint.h>

#include "common/sync/rangedigest.h"
#include "proto/tdkt.pb-c.h"

/* A new key holding copies of the strings; NULL when out of memory. */
Tdkt__RecordKey *reckey_new(const char *unit, uint32_t year, const char *kind, const char *key);
/* A copy of k (NULL for NULL or out of memory). */
Tdkt__RecordKey *reckey_copy(const Tdkt__RecordKey *k);
/* A copy of the ordered key k. */
Tdkt__RecordKey *reckey_from_rd(const struct rd_key *k);
void reckey_free(Tdkt__RecordKey *k);
/* The ordered view of k, borrowing its strings. */
void reckey_view(const Tdkt__RecordKey *k, struct rd_key *out);

#endif
