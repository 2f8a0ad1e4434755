/* SPDX-License-Identifier: MIT */
/*
 * Key pinning, signed heads and receipt checks on the office side. See
 * audit.h.
 */
#include "client/lib/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto/merkle.h"
#include "common/err.h"
#include "common/util/hex.h"

#define AUDIT_HEAD_TEXT_MAX 256 /* "size:time:root:sig" in hex */

int audit_pinned_key(struct store *s, uint8_t pub[STH_PUB_LEN])
{
    char hex[2 * STH_PUB_LEN + 1];
    size_t n = 0;
    int rc = store_meta_get(s, "ledger_key", hex, sizeof hex);
    if (rc < 0)
        return rc;
    if (hex_decode(hex, strlen(hex), pub, STH_PUB_LEN, &n) < 0 || n != STH_PUB_LEN)
        return TDKT_ECORRUPT;
    return 0;
}

int audit_pin_key(struct store *s, const uint8_t *key, int *pinned_now, char *why, size_t cap)
{
    uint8_t pinned[STH_PUB_LEN];
    char hex[2 * STH_PUB_LEN + 1];
    int rc;

    *pinned_now = 0;
    if (!key) {
        snprintf(why, cap, "the server sent no ledger key; it is older than this client");
        return TDKT_EPROTO;
    }
    rc = audit_pinned_key(s, pinned);
    if (rc == 0) {
        if (memcmp(pinned, key, STH_PUB_LEN) == 0)
            return 0;
        hex_encode(key, STH_PUB_LEN, hex);
        snprintf(why, cap,
                 "the server's ledger key changed (now %.16s...): its signed history cannot be "
                 "checked against what this office verified before; ask the central office",
                 hex);
        return TDKT_EAUTH;
    }
    if (rc != TDKT_ENOTFOUND)
        return rc;
    hex_encode(key, STH_PUB_LEN, hex);
    rc = store_meta_set(s, "ledger_key", hex);
    if (rc == 0)
        *pinned_now = 1;
    return rc;
}

int audit_head_from_wire(const Tdkt__TreeHead *w, struct tree_head *h)
{
    if (!w || w->root.len != STH_HASH_LEN || w->signature.len != STH_SIG_LEN)
        return TDKT_EPROTO;
    h->size = w->size;
    h->time_ms = w->time_ms;
    memcpy(h->root, w->root.data, STH_HASH_LEN);
    memcpy(h->sig, w->signature.data, STH_SIG_LEN);
    return 0;
}

int audit_head_load(struct store *s, struct tree_head *h)
{
    char text[AUDIT_HEAD_TEXT_MAX], root[2 * STH_HASH_LEN + 1], sig[2 * STH_SIG_LEN + 1];
    unsigned long long size;
    long long t;
    size_t n1 = 0, n2 = 0;
    int rc = store_meta_get(s, "head", text, sizeof text);

    if (rc < 0)
        return rc;
    if (!text[0])
        return TDKT_ENOTFOUND; /* forgotten with reconcile --forget-head */
    if (sscanf(text, "%llu:%lld:%64[0-9a-f]:%128[0-9a-f]", &size, &t, root, sig) != 4 ||
        hex_decode(root, strlen(root), h->root, STH_HASH_LEN, &n1) < 0 ||
        hex_decode(sig, strlen(sig), h->sig, STH_SIG_LEN, &n2) < 0 || n1 != STH_HASH_LEN ||
        n2 != STH_SIG_LEN)
        return TDKT_ECORRUPT;
    h->size = size;
    h->time_ms = t;
    return 0;
}

int audit_head_save(struct store *s, const struct tree_head *h)
{
    char text[AUDIT_HEAD_TEXT_MAX], root[2 * STH_HASH_LEN + 1], sig[2 * STH_SIG_LEN + 1];
    hex_encode(h->root, STH_HASH_LEN, root);
    hex_encode(h->sig, STH_SIG_LEN, sig);
    snprintf(text, sizeof text, "%" PRIu64 ":%" PRId64 ":%s:%s", h->size, h->time_ms, root, sig);
    return store_meta_set(s, "head", text);
}

int audit_receipt_verify(const uint8_t pub[STH_PUB_LEN], const Tdkt__WriteReceipt *wr, char *why,
                         size_t cap)
{
    uint8_t(*path)[MERKLE_HASH_LEN] = NULL;
    struct tree_head h;
    int rc;

    if (audit_head_from_wire(wr->head, &h) < 0 || wr->entry_hash.len != MERKLE_HASH_LEN ||
        wr->n_inclusion > MERKLE_PROOF_MAX) {
        snprintf(why, cap, "the receipt carries no well-formed signed head and proof");
        return TDKT_EPROTO;
    }
    if (sth_verify(pub, &h) != 0) {
        snprintf(why, cap,
                 "the signature on the receipt's tree head (size %" PRIu64
                 ") is not the pinned ledger key's",
                 h.size);
        return TDKT_ECORRUPT;
    }
    path = malloc((wr->n_inclusion ? wr->n_inclusion : 1) * MERKLE_HASH_LEN);
    if (!path)
        return TDKT_ENOMEM;
    for (size_t i = 0; i < wr->n_inclusion; i++) {
        if (wr->inclusion[i].len != MERKLE_HASH_LEN) {
            free(path);
            snprintf(why, cap, "the receipt's audit path is malformed");
            return TDKT_EPROTO;
        }
        memcpy(path[i], wr->inclusion[i].data, MERKLE_HASH_LEN);
    }
    rc = wr->seq == 0 || wr->seq > h.size
             ? TDKT_EINVAL
             : merkle_verify_inclusion(wr->seq - 1, h.size, wr->entry_hash.data,
                                       (const uint8_t(*)[MERKLE_HASH_LEN])path, wr->n_inclusion,
                                       h.root);
    free(path);
    if (rc != 0) {
        snprintf(why, cap,
                 "the receipt does not prove entry %" PRIu64 " in the signed tree of size %" PRIu64,
                 wr->seq, h.size);
        return TDKT_ECORRUPT;
    }
    return 0;
}
