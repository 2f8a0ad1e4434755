/* SPDX-License-Identifier: MIT */
/*
 * Receipts: what makes a write happen exactly once and provably. A mutating
 * request is identified by (unit, request id, SHA-256 of its re-encoded
 * body). This module owns the lookup of that identity, the stored reply, the
 * one tree head signed for each write batch and the audit path of each
 * entry in it. It runs on the database thread only, inside the batch's
 * transaction; it reads no clock (the database thread passes now) and does
 * no I/O but the ledger's.
 *
 * A receipt's life, on the database thread:
 *
 *   receipt_lookup()
 *     NONE --same id, same body, completed earlier----------> (replayed; done)
 *     NONE --same id, same body, earlier in this batch------> RELOAD
 *     NONE --same id, another body: REQUEST_ID_REUSED-------> (refused)
 *     NONE --new: the write runs, then receipt_store()------> SIGN
 *   receipt_finish(), after every job of the batch ran, before COMMIT:
 *     SIGN   --the batch's head (signed once), audit path---> complete, stored
 *     RELOAD --its original's completed receipt------------> complete (replayed)
 *
 * The reply is sent only after COMMIT (server/db/dbthread.c), so a receipt
 * a client holds is always durable.
 *
 * Ownership: struct receipt lives inside its request; proof is owned and
 * freed by receipt_release(). A receipt_key borrows its strings.
 */
#ifndef TDKT_SERVER_DISPATCH_RECEIPT_H
#define TDKT_SERVER_DISPATCH_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto/merkle.h"
#include "proto/tdkt.pb-c.h"
#include "server/dispatch/request_error.h"
#include "server/ledger/ledger.h"
#include "server/ledger/treelog.h"

enum receipt_state {
    RECEIPT_NONE,   /* not a write, a replay completed earlier, or not run yet */
    RECEIPT_SIGN,   /* written in this batch: finish signs and completes it */
    RECEIPT_RELOAD, /* a retry of an id first written earlier in this batch */
};

/* Who wrote what: the idempotency identity of one write. */
struct receipt_key {
    const char *unit;          /* acting unit's code */
    const uint8_t *request_id; /* REQUEST_ID_LEN bytes */
    const uint8_t *body_hash;  /* LEDGER_HASH_LEN bytes */
};

struct receipt {
    uint64_t seq; /* the last entry the write appended, or the head */
    uint8_t hash[LEDGER_HASH_LEN];
    uint64_t time_ms;
    int replayed;
    uint32_t appended, unchanged;
    uint64_t first_seq; /* 0 only when nothing was appended */
    struct tree_head sth;
    int has_sth;
    enum receipt_state state;
    uint8_t (*proof)[MERKLE_HASH_LEN]; /* owned, up to MERKLE_PROOF_MAX hashes */
    size_t proof_len;
};

/* Before a write: 1 when k was seen with the same body (c filled from the
 * stored reply, replayed set), 0 when it is new, < 0 with err set. */
int receipt_lookup(struct receipt *c, struct ledger *l, const struct receipt_key *k,
                   struct fault *err);
/* After a write, inside its savepoint: c names the head the write left and
 * is stored under k without a signed head (state SIGN), so that a retry
 * later in the same batch finds it. appended must be set by the write. */
int receipt_store(struct receipt *c, struct ledger *l, const struct receipt_key *k,
                  struct fault *err);
/* The batch's finish step (see the diagram); now signs the head. */
int receipt_finish(struct receipt *c, struct ledger *l, const struct receipt_key *k, int64_t now,
                   struct fault *err);
/* The wire form of c, pointing into c (borrowed) and into paths. */
void receipt_to_wire(const struct receipt *c, Tdkt__WriteReceipt *wr, Tdkt__TreeHead *th,
                     ProtobufCBinaryData paths[MERKLE_PROOF_MAX]);
void receipt_release(struct receipt *c);

#endif
