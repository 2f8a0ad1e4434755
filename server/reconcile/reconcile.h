/* SPDX-License-Identifier: MIT */
/*
 * The server's side of reconciliation (docs/reconcile.md). An office asks,
 * in one request, for the signed head with a consistency proof from the head
 * it last verified, for inclusion proofs of its receipts, for the comparison
 * of key ranges by digest, and for records it found missing. The scope is
 * always the results of the units the acting office owns (its own unit and
 * its divisions, catalog_unit_owner), whatever the ranges say.
 *
 * reconcile_check_caps() is pure: the count of every repeated field against
 * its named limit (common/sync/rangedigest.h), the first thing done with a
 * request, so an oversized one costs nothing but its decoding.
 * reconcile_prepare() runs on the loop thread and validates; reconcile_answer()
 * on the database thread, read-only except that it may sign a new tree head.
 *
 * Ownership: *copy and *out are the caller's; free them with
 * tdkt__reconcile_request__free_unpacked() and reconcile_reply_free().
 */
#ifndef TDKT_SERVER_RECONCILE_RECONCILE_H
#define TDKT_SERVER_RECONCILE_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

struct fault;

/*
 * One cap: a repeated field of ReconcileRequest and the most entries it may
 * hold. Every repeated field of the request and of what it nests is listed
 * (RangeSummary and RecordKey have none; tests/unit/test_reconcile_caps.c
 * walks the schema to keep it so).
 */
struct reconcile_cap {
    const char *name; /* the field's name in proto/tdkt.proto, e.g. "audit_seqs" */
    size_t max;
};

#define RECONCILE_CAPS_N 3
extern const struct reconcile_cap reconcile_caps[RECONCILE_CAPS_N];

/* 0, or TDKT_EINVAL with err naming the first field (in field-number order)
 * above its cap: "reconcile.audit_seqs: at most 256 entries, got 257". */
int reconcile_check_caps(const Tdkt__ReconcileRequest *m, struct fault *err);
int reconcile_prepare(const Tdkt__ReconcileRequest *m, Tdkt__ReconcileRequest **copy,
                      struct fault *err);
int reconcile_answer(struct ledger *l, const struct registry_unit *actor,
                     const Tdkt__ReconcileRequest *m, int64_t now_ms, Tdkt__ReconcileReply **out,
                     struct fault *err);
void reconcile_reply_free(Tdkt__ReconcileReply *r);

#endif
