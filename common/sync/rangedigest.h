/* SPDX-License-Identifier: MIT */
/*
 * Range digests for reconciliation (docs/reconcile.md): the one definition,
 * shared by the office and the server, of how result records are ordered and
 * how a run of them is summarised. An item is a record key (unit, year, kind,
 * key) and the SHA-256 of its packed ResultRecord. Items are ordered by unit,
 * year, kind, key, strings compared bytewise (SQLite's BINARY collation, so
 * both sides can let their primary-key index do the sorting). The digest of a
 * range is SHA-256 over its items in that order, each encoded as
 *   u16be(len unit) unit u32be(year) u16be(len kind) kind u16be(len key) key
 *   hash[32]
 * This module is pure: no I/O, no allocation.
 */
#ifndef TDKT_COMMON_SYNC_RANGEDIGEST_H
#define TDKT_COMMON_SYNC_RANGEDIGEST_H

#include <stddef.h>
#include <stdint.h>

#define RD_HASH_LEN 32

/* Reconciliation limits, checked by the server on every request. */
#define RECON_FANOUT     16   /* sub-ranges a differing range is split into */
#define RECON_LEAF_MAX   16   /* a differing range this small is listed item by item */
#define RECON_RANGES_MAX 4096 /* ranges in one request */
#define RECON_FETCH_MAX  4096 /* records asked for in one request */
#define RECON_AUDIT_MAX  256  /* receipts proved in one request */
#define RECON_YEAR_END   9999 /* above every valid year: "end of this unit's keys" */

struct rd_key {
    const char *unit; /* borrowed */
    uint32_t year;
    const char *kind;
    const char *key;
};

/* <0, 0, >0 as a sorts before, equal to, after b. */
int rd_key_cmp(const struct rd_key *a, const struct rd_key *b);

/* SHA-256 of a packed ResultRecord: the item's value. */
void rd_value_hash(const uint8_t *record, size_t len, uint8_t out[RD_HASH_LEN]);

struct rd_acc {
    void *ctx; /* an EVP_MD_CTX, owned; NULL before the first item */
    uint64_t count;
};

void rd_acc_init(struct rd_acc *a);
/* Add the next item, in order. TDKT_ENOMEM, TDKT_ETOOBIG (a field too long). */
int rd_acc_add(struct rd_acc *a, const struct rd_key *k, const uint8_t hash[RD_HASH_LEN]);
/* Write the digest (of no items: SHA-256 of nothing) and reset a. */
void rd_acc_final(struct rd_acc *a, uint8_t digest[RD_HASH_LEN]);
void rd_acc_free(struct rd_acc *a);

#endif
