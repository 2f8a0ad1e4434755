/* SPDX-License-Identifier: MIT */
/*
 * The outbox of the local store (store.h): mutating requests and their
 * receipts. A request gets its 128-bit id and is stored here BEFORE it is
 * sent, so a crash or a dropped link between sending and the receipt can
 * only lead to a resend with the same id, which the server answers from its
 * idempotency table without writing twice.
 *
 *   pending --receipt (store_outbox_ack)--> acked (seq, entry hash kept)
 *   pending --typed refusal, not retryable (store_outbox_refuse)--> refused
 *            (code, message kept)
 *
 * An acknowledged entry keeps its whole receipt (the signed head and the
 * audit path it was checked against) and whether reconcile has since proved
 * it in a later head (docs/reconcile.md). This module sends nothing.
 */
#ifndef TDKT_CLIENT_LIB_STORE_OUTBOX_H
#define TDKT_CLIENT_LIB_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "client/lib/store.h"

/* The kinds of outbox items: which request each item's body is. They are
 * stored in the office's database, so a kind is never renamed. The table
 * in sync.c maps each to its Envelope body. */
#define OUTBOX_NOTE_PUT        "note.put"
#define OUTBOX_RESULTS_PUT     "results.put"
#define OUTBOX_REGISTRY_PUT    "registry.put"
#define OUTBOX_BALLOT_OPEN     "ballot.open"
#define OUTBOX_BALLOT_CAST     "ballot.cast"
#define OUTBOX_BALLOT_ACTION   "ballot.action"
#define OUTBOX_BALLOT_PAPER    "ballot.paper"
#define OUTBOX_SUBMISSION_PUT  "submission.put"
#define OUTBOX_DECISION_RECORD "decision.record"
#define OUTBOX_REVIEW_STEP     "review.step"
#define OUTBOX_COUNCIL_VOTE    "council.vote"
#define OUTBOX_COUNCIL_CAST    "council.cast"
#define OUTBOX_COUNCIL_CLOSE   "council.close"

struct store_item {
    uint8_t id[16];
    const char *kind; /* OUTBOX_* */
    const uint8_t *body;
    size_t body_len;
    int64_t created_ms;
    const char *state; /* "pending", "acked", "refused", "discarded" */
    uint64_t seq;
    const char *error;
};

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

/*
 * Set aside a refused entry, named by its id in lowercase hex or a unique
 * prefix of it (8 to 32 digits), into id: the office has read the refusal
 * and will not send it again. Local only: it is logged in the store (who,
 * when) and the entry reads as "discarded" from then on; nothing is
 * deleted, and reconcile no longer reports it. 0; TDKT_EINVAL (not such an
 * id), TDKT_ENOTFOUND, TDKT_EEXIST (the prefix names several),
 * TDKT_ECONFLICT (the entry is not refused: pending and acknowledged
 * entries stay), or < 0.
 */
int store_outbox_discard(struct store *s, const char *id_hex, const char *who, int64_t now_ms,
                         uint8_t id[16]);

/*
 * Receipts (docs/reconcile.md): acknowledged outbox entries whose inclusion
 * reconcile has not yet proved in a signed head (store_receipts_unaudited,
 * oldest first), and marking one proved.
 */
int store_receipts_unaudited(struct store *s, unsigned max,
                             int (*cb)(void *arg, uint64_t seq, const uint8_t hash[32]), void *arg);
int store_receipt_audited(struct store *s, uint64_t seq);
/* Keep the packed WriteReceipt of an acknowledged entry. */
int store_outbox_receipt(struct store *s, const uint8_t id[16], const uint8_t *receipt, size_t len);
int store_receipts_count(struct store *s, uint64_t *acked, uint64_t *audited);

#endif
