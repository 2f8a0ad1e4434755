/* SPDX-License-Identifier: MIT */
/*
 * The ledger as a Merkle log (RFC 6962/9162). Entry n (1-based) is leaf n-1;
 * its hash, stored in ledger.hash, is SHA-256(0x00 || canon(entry)) (see
 * ledger.h). Table merkle keeps every complete subtree above the leaves,
 * (level, idx) covering leaves [idx << level, (idx + 1) << level), so a root,
 * an inclusion proof or a consistency proof costs O(log^2 n) indexed reads
 * and never a scan. Table tree_heads keeps the signed tree heads the server
 * gave out; the public half of the signing key is pinned in meta
 * ("ledger_key", hex) the first time a head is signed.
 *
 * This module owns those two tables and the frontier arithmetic; the pure
 * tree maths is common/crypto/merkle.c and the signature common/crypto/sth.c.
 * It never commits: callers run it inside their transaction.
 */
#ifndef TDKT_SERVER_LEDGER_TREELOG_H
#define TDKT_SERVER_LEDGER_TREELOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto/merkle.h"
#include "common/crypto/sth.h"
#include "server/ledger/ledger.h"

#define TREELOG_LEVELS 64 /* a tree of up to 2^63 leaves has at most 64 levels */

/*
 * The right edge of a tree being built leaf by leaf in memory: h[L] is the
 * newest complete subtree at level L. Enough to compute every node and the
 * root at every size in one pass (verify, migration), in O(log n) memory.
 */
struct treelog_frontier {
    uint64_t size;
    uint8_t h[TREELOG_LEVELS][MERKLE_HASH_LEN];
};

void treelog_frontier_init(struct treelog_frontier *f);
/* Add the next leaf; node(arg, level, idx, hash) is called for every subtree
 * above level 0 it completes (NULL: not wanted); a negative return stops. */
int treelog_frontier_add(struct treelog_frontier *f, const uint8_t leaf[MERKLE_HASH_LEN],
                         int (*node)(void *arg, unsigned level, uint64_t idx,
                                     const uint8_t hash[MERKLE_HASH_LEN]),
                         void *arg);
/* Root of the f->size leaves added so far. */
int treelog_frontier_root(const struct treelog_frontier *f, uint8_t root[MERKLE_HASH_LEN]);

/* ledger_append: store the nodes that leaf index completes. */
int treelog_append(struct ledger *l, uint64_t index, const uint8_t leaf[MERKLE_HASH_LEN]);

/* Root of the first size entries (size <= height). */
int treelog_root(struct ledger *l, uint64_t size, uint8_t root[MERKLE_HASH_LEN]);

/*
 * The signed head at the current height: the stored one if a head of that
 * size exists, otherwise a new one signed now (time never before the previous
 * head's) and stored. Inside a transaction; TDKT_EINVAL without a signer,
 * TDKT_EAUTH when the signer is not the key pinned in meta.
 */
int treelog_head(struct ledger *l, int64_t now_ms, struct tree_head *out);
/* The newest stored head, TDKT_ENOTFOUND when none. Outside transactions too. */
int treelog_last_head(struct ledger *l, struct tree_head *out);

/* Does the newest stored head still hold: its size within the ledger, its
 * root the one the nodes give? O(log n); tdktd serve runs it at start. 0,
 * or TDKT_ECORRUPT with why. */
int treelog_check_last(struct ledger *l, char *why, size_t cap);

/* Audit paths (RFC 9162 §2.1.3 and §2.1.4) into path (cap hashes). */
int treelog_inclusion(struct ledger *l, uint64_t seq, uint64_t size,
                      uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len);
int treelog_consistency(struct ledger *l, uint64_t m, uint64_t n, uint8_t (*path)[MERKLE_HASH_LEN],
                        size_t cap, size_t *len);

/* The pinned public key from meta; TDKT_ENOTFOUND before the first head. */
int treelog_pinned_key(struct ledger *l, uint8_t pub[STH_PUB_LEN]);

/* What ledger_verify_log found; what is "" when all is well. */
struct treelog_verify {
    uint64_t entries, nodes, heads; /* checked */
    uint64_t bad_seq;               /* first entry whose hash or sequence is wrong */
    uint64_t bad_head;              /* size of the first head that does not hold */
    char what[256];
};

/*
 * Recompute every leaf hash from the entry's content, every stored node and
 * the root of every stored head, and check each head's signature with pub
 * (NULL: the key pinned in meta). 0 if all hold, TDKT_ECORRUPT with v filled
 * otherwise. One read snapshot, so concurrent appends do not disturb it.
 */
int treelog_verify(struct ledger *l, const uint8_t *pub, struct treelog_verify *v);

#endif
