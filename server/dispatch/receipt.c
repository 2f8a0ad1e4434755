/* SPDX-License-Identifier: MIT */
/*
 * Receipts of writes (see receipt.h): idempotency by (unit, request id), the
 * stored reply, one signed tree head per batch and each entry's audit path.
 * Runs on the database thread only, inside the batch's transaction.
 */
#include "server/dispatch/receipt.h"

#include <stdlib.h>
#include <string.h>

#include "common/crypto/merkle.h"
#include "common/crypto/sth.h"
#include "common/err.h"

/* Copy the head and audit path of a stored receipt into c. */
static int receipt_proof_load(struct receipt *c, const Tdkt__WriteReceipt *wr)
{
    const Tdkt__TreeHead *h = wr->head;
    if (!h)
        return 0; /* a receipt stored before heads were signed */
    if (h->root.len != MERKLE_HASH_LEN || h->signature.len != STH_SIG_LEN ||
        wr->n_inclusion > MERKLE_PROOF_MAX)
        return TDKT_ECORRUPT;
    c->sth.size = h->size;
    c->sth.time_ms = h->time_ms;
    memcpy(c->sth.root, h->root.data, MERKLE_HASH_LEN);
    memcpy(c->sth.sig, h->signature.data, STH_SIG_LEN);
    c->has_sth = 1;
    c->proof = malloc((wr->n_inclusion ? wr->n_inclusion : 1) * MERKLE_HASH_LEN);
    if (!c->proof)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < wr->n_inclusion; i++) {
        if (wr->inclusion[i].len != MERKLE_HASH_LEN)
            return TDKT_ECORRUPT;
        memcpy(c->proof[i], wr->inclusion[i].data, MERKLE_HASH_LEN);
    }
    c->proof_len = wr->n_inclusion;
    return 0;
}

void receipt_to_wire(const struct receipt *c, Tdkt__WriteReceipt *wr, Tdkt__TreeHead *th,
                     ProtobufCBinaryData paths[MERKLE_PROOF_MAX])
{
    /* protobuf-c's bytes fields are not const, but packing only reads them. */
    wr->seq = c->seq;
    wr->entry_hash.data = (uint8_t *)c->hash;
    wr->entry_hash.len = LEDGER_HASH_LEN;
    wr->time_ms = c->time_ms;
    wr->appended = c->appended;
    wr->unchanged = c->unchanged;
    wr->first_seq = c->first_seq;
    if (!c->has_sth)
        return;
    th->size = c->sth.size;
    th->time_ms = c->sth.time_ms;
    th->root.data = (uint8_t *)c->sth.root;
    th->root.len = MERKLE_HASH_LEN;
    th->signature.data = (uint8_t *)c->sth.sig;
    th->signature.len = STH_SIG_LEN;
    wr->head = th;
    for (size_t i = 0; i < c->proof_len; i++) {
        paths[i].data = (uint8_t *)c->proof[i];
        paths[i].len = MERKLE_HASH_LEN;
    }
    wr->inclusion = paths;
    wr->n_inclusion = c->proof_len;
}

int receipt_lookup(struct receipt *c, struct ledger *l, const struct receipt_key *k,
                   struct fault *err)
{
    uint8_t *stored = NULL;
    size_t stored_len = 0;
    int rc;

    rc = ledger_request_lookup(l, k->unit, k->request_id, k->body_hash, &stored, &stored_len);
    if (rc == 0) {
        Tdkt__WriteReceipt *wr = tdkt__write_receipt__unpack(NULL, stored_len, stored);
        free(stored);
        if (!wr || wr->entry_hash.len != LEDGER_HASH_LEN) {
            if (wr)
                tdkt__write_receipt__free_unpacked(wr, NULL);
            fault_set(err, TDKT_ECORRUPT, NULL,
                      "the stored reply for this request id is unreadable");
            return TDKT_ECORRUPT;
        }
        c->seq = wr->seq;
        memcpy(c->hash, wr->entry_hash.data, LEDGER_HASH_LEN);
        c->time_ms = wr->time_ms;
        c->appended = wr->appended;
        c->unchanged = wr->unchanged;
        c->first_seq = wr->first_seq;
        c->replayed = 1;
        rc = receipt_proof_load(c, wr);
        /* No head: written earlier in this same batch; the finish step
         * reloads it once its original has been completed. */
        if (rc == 0 && !c->has_sth)
            c->state = RECEIPT_RELOAD;
        tdkt__write_receipt__free_unpacked(wr, NULL);
        if (rc < 0) {
            fault_set(err, rc, NULL,
                      "the stored reply for this request id has an unreadable proof");
            return rc;
        }
        return 1;
    }
    if (rc == TDKT_EREUSED) {
        fault_set(err, TDKT_EREUSED, "request_id",
                  "request id was already used by this unit for a different request; "
                  "generate a new id");
        return rc;
    }
    if (rc != TDKT_ENOTFOUND) {
        fault_set(err, rc, NULL, "idempotency lookup failed: %s", tdkt_strerror(rc));
        return rc;
    }
    return 0;
}

/* Pack c; *buf is malloc'd. */
static int receipt_pack(const struct receipt *c, uint8_t **buf, size_t *len)
{
    Tdkt__WriteReceipt wr = TDKT__WRITE_RECEIPT__INIT;
    Tdkt__TreeHead th = TDKT__TREE_HEAD__INIT;
    ProtobufCBinaryData paths[MERKLE_PROOF_MAX];

    receipt_to_wire(c, &wr, &th, paths);
    *len = tdkt__write_receipt__get_packed_size(&wr);
    *buf = malloc(*len ? *len : 1);
    if (!*buf)
        return TDKT_ENOMEM;
    tdkt__write_receipt__pack(&wr, *buf);
    return 0;
}

int receipt_store(struct receipt *c, struct ledger *l, const struct receipt_key *k,
                  struct fault *err)
{
    uint8_t *buf;
    size_t n;
    int rc;

    rc = ledger_head(l, &c->seq, c->hash);
    if (rc < 0) {
        fault_set(err, rc, NULL, "cannot read the ledger head: %s", tdkt_strerror(rc));
        return rc;
    }
    c->time_ms = (uint64_t)ledger_head_time(l);
    /* A request's entries are appended one after another in its savepoint,
     * so the first is known from the last and their count (docs/protocol.md
     * §7.8: first_seq is 0 only when nothing was appended). */
    if (c->appended > 0 && c->first_seq == 0)
        c->first_seq = c->seq - c->appended + 1;
    c->has_sth = 0;
    rc = receipt_pack(c, &buf, &n);
    if (rc < 0) {
        fault_set(err, rc, NULL, "server out of memory");
        return rc;
    }
    rc = ledger_request_store(l, k->unit, k->request_id, k->body_hash, c->seq, buf, n);
    free(buf);
    if (rc < 0) {
        fault_set(err, rc, NULL, "cannot record the request id: %s", tdkt_strerror(rc));
        return rc;
    }
    c->state = RECEIPT_SIGN;
    return 0;
}

int receipt_finish(struct receipt *c, struct ledger *l, const struct receipt_key *k, int64_t now,
                   struct fault *err)
{
    uint8_t *buf;
    size_t n;
    int rc;

    if (c->state == RECEIPT_RELOAD) {
        free(c->proof);
        c->proof = NULL;
        c->proof_len = 0;
        c->has_sth = 0;
        rc = receipt_lookup(c, l, k, err);
        return rc < 0 ? rc : 0;
    }
    if (c->state != RECEIPT_SIGN)
        return 0;
    c->proof = malloc(MERKLE_PROOF_MAX * MERKLE_HASH_LEN);
    if (!c->proof) {
        fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    rc = treelog_head(l, now, &c->sth);
    if (rc == 0)
        rc = treelog_inclusion(l, c->seq, c->sth.size, c->proof, MERKLE_PROOF_MAX, &c->proof_len);
    if (rc < 0) {
        fault_set(err, rc, NULL, "cannot sign the tree head: %s", tdkt_strerror(rc));
        return rc;
    }
    c->has_sth = 1;
    rc = receipt_pack(c, &buf, &n);
    if (rc < 0) {
        fault_set(err, rc, NULL, "server out of memory");
        return rc;
    }
    rc = ledger_request_set_reply(l, k->unit, k->request_id, buf, n);
    free(buf);
    if (rc < 0)
        fault_set(err, rc, NULL, "cannot record the receipt: %s", tdkt_strerror(rc));
    return rc;
}

void receipt_release(struct receipt *c)
{
    free(c->proof);
    c->proof = NULL;
    c->proof_len = 0;
}
