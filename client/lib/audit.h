/* SPDX-License-Identifier: MIT */
/*
 * The office's side of tamper evidence (docs/reconcile.md §1). The server's
 * ledger key is pinned in the local store the first time it is seen (trust
 * on first use; docs/admin.md shows how to check its fingerprint out of
 * band) and a different key is refused from then on. Every write receipt is
 * checked when it arrives: the signed head's signature and the audit path of
 * the written entry. The newest head that passed every check is kept, and
 * the next one is only accepted with a consistency proof from it (reconcile).
 *
 * Store meta keys: "ledger_key" (hex), "head" (size:time_ms:root:sig, hex).
 */
#ifndef TDKT_CLIENT_LIB_AUDIT_H
#define TDKT_CLIENT_LIB_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"
#include "common/crypto/sth.h"
#include "proto/tdkt.pb-c.h"

/* 0 when key (NULL: the server sent none) is the pinned one or was pinned
 * now (*pinned_now = 1); TDKT_EAUTH when it differs, TDKT_EPROTO when
 * missing. why gets a sentence. */
int audit_pin_key(struct store *s, const uint8_t *key, int *pinned_now, char *why, size_t cap);
int audit_pinned_key(struct store *s, uint8_t pub[STH_PUB_LEN]);

/* TDKT_EPROTO when a field has the wrong length. */
int audit_head_from_wire(const Tdkt__TreeHead *w, struct tree_head *h);
int audit_head_load(struct store *s, struct tree_head *h); /* TDKT_ENOTFOUND before the first */
int audit_head_save(struct store *s, const struct tree_head *h);

/* Check a receipt: head signed by pub and the entry (seq, entry_hash) in it.
 * TDKT_ECORRUPT with why when it does not hold. */
int audit_receipt_verify(const uint8_t pub[STH_PUB_LEN], const Tdkt__WriteReceipt *wr, char *why,
                         size_t cap);

#endif
