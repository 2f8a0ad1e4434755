/* SPDX-License-Identifier: MIT */
/*
 * RFC 6962 / RFC 9162 Merkle tree arithmetic over a caller's node store.
 *
 * Every range of leaves that the RFC's recursive definitions split a tree
 * into starts at a multiple of the power of two at or above its length: the
 * split point k is the largest power of two below n, and the right part
 * [k, n) is no longer than k. Such a range [a, a + c) is therefore the
 * concatenation of perfect subtrees, one per set bit of c, largest first,
 * and its hash is their right fold (merkle_range). That is how a root or a
 * proof is computed from stored perfect subtrees alone, without reading a
 * leaf that the answer does not depend on.
 *
 * Proofs are built by walking the RFC's recursion from the root down. Once
 * the walk steps into a left half, that half is perfect and every later
 * sibling is a single stored node, so only one sibling per proof is a fold
 * of several nodes; hence the bound of 2 * ceil(log2 size) + 1 lookups
 * promised in merkle.h.
 *
 * This module must not do I/O or keep state between calls. Its only heap
 * use is the digest context OpenSSL 3 allocates for each hash.
 */
#include "merkle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"

#define MERKLE_LEAF_PREFIX 0x00 /* RFC 6962 §2.1: domain separation of leaves... */
#define MERKLE_NODE_PREFIX 0x01 /* ...from interior nodes, against second preimages */

/*
 * SHA-256 of the concatenation of up to three pieces. The digest is written
 * only after every piece has been read, so out may alias any of them.
 * OpenSSL fails here only when it cannot allocate a context or find SHA-256
 * in its default provider. Returning some other 32 bytes would put a hash
 * that is not one into an append-only table for good, and the void API of
 * merkle.h has nowhere to say so; the process stops instead.
 */
static void merkle_sha256(const void *a, size_t alen, const void *b, size_t blen, const void *c,
                          size_t clen, uint8_t out[MERKLE_HASH_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;

    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, a, alen) != 1 || EVP_DigestUpdate(ctx, b, blen) != 1 ||
        EVP_DigestUpdate(ctx, c, clen) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1 ||
        n != MERKLE_HASH_LEN)
        abort();
    EVP_MD_CTX_free(ctx);
}

void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t prefix = MERKLE_LEAF_PREFIX;

    merkle_sha256(&prefix, 1, data, len, NULL, 0, out);
}

void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN])
{
    static const uint8_t prefix = MERKLE_NODE_PREFIX;

    merkle_sha256(&prefix, 1, left, MERKLE_HASH_LEN, right, MERKLE_HASH_LEN, out);
}

void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN])
{
    merkle_sha256(NULL, 0, NULL, 0, NULL, 0, out);
}

/* Number of significant bits of x; 0 for 0. */
static unsigned merkle_bit_len(uint64_t x)
{
    return x ? 64u - (unsigned)__builtin_clzll((unsigned long long)x) : 0u;
}

/* The largest power of two strictly below n (n >= 2): the RFC's split point. */
static uint64_t merkle_split(uint64_t n)
{
    assert(n >= 2);
    return UINT64_C(1) << (merkle_bit_len(n - 1) - 1);
}

/*
 * MTH(D[start : start + count]) for count >= 1, with start aligned as the
 * RFC's recursion guarantees (see the top of this file). The smallest
 * subtree sits at the right end, so folding from the right needs no buffer
 * for the others.
 */
static int merkle_range(uint64_t start, uint64_t count, merkle_node_fn get, void *arg,
                        uint8_t out[MERKLE_HASH_LEN])
{
    uint64_t end = start + count;
    uint8_t h[MERKLE_HASH_LEN];
    int first = 1;

    assert(count >= 1);
    while (count) {
        uint64_t low = count & (~count + 1);
        unsigned level = (unsigned)__builtin_ctzll((unsigned long long)low);
        int rc;

        end -= low;
        assert((end & (low - 1)) == 0);
        rc = get(arg, level, end >> level, first ? out : h);
        if (rc != 0)
            return rc;
        if (!first)
            merkle_node_hash(h, out, out);
        first = 0;
        count -= low;
    }
    return 0;
}

int merkle_root(uint64_t size, merkle_node_fn get, void *arg, uint8_t out[MERKLE_HASH_LEN])
{
    if (size == 0) {
        merkle_empty_root(out);
        return 0;
    }
    return merkle_range(0, size, get, arg, out);
}

int merkle_append(uint64_t index, const uint8_t leaf[MERKLE_HASH_LEN], merkle_node_fn get,
                  merkle_put_fn put, void *arg)
{
    uint8_t h[MERKLE_HASH_LEN], left[MERKLE_HASH_LEN];
    unsigned level = 0;

    if (index == UINT64_MAX)
        return TDKT_EINVAL;
    memcpy(h, leaf, MERKLE_HASH_LEN);
    /* An odd index at a level is a right child: its parent is now complete. */
    while (index & 1) {
        int rc = get(arg, level, index - 1, left);

        if (rc != 0)
            return rc;
        merkle_node_hash(left, h, h);
        level++;
        index >>= 1;
        rc = put(arg, level, index, h);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * Where a proof walk puts its hashes. The RFC appends a sibling after the
 * proof of the part below it, so the walk, which goes top-down, meets the
 * hashes in reverse: the k-th one met is path[len - k]. With path NULL the
 * walk only counts, so that cap is checked before any lookup.
 */
struct merkle_sink {
    merkle_node_fn get;
    void *arg;
    uint8_t (*path)[MERKLE_HASH_LEN];
    size_t len;  /* total, known on the second walk */
    size_t seen; /* hashes met so far */
};

static int merkle_sink_add(struct merkle_sink *s, uint64_t start, uint64_t count)
{
    s->seen++;
    if (!s->path)
        return 0;
    return merkle_range(start, count, s->get, s->arg, s->path[s->len - s->seen]);
}

/* PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, unrolled. */
static int merkle_inclusion_walk(uint64_t index, uint64_t size, struct merkle_sink *s)
{
    uint64_t start = 0, count = size;

    while (count > 1) {
        uint64_t k = merkle_split(count);
        int rc;

        if (index - start < k) {
            rc = merkle_sink_add(s, start + k, count - k);
            count = k;
        } else {
            rc = merkle_sink_add(s, start, k);
            start += k;
            count -= k;
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* SUBPROOF(m, D[0:n], true) of RFC 9162 §2.1.4.1, unrolled; whole is the
 * RFC's b: the old tree is still the whole of the current range. */
static int merkle_consistency_walk(uint64_t m, uint64_t n, struct merkle_sink *s)
{
    uint64_t start = 0, count = n;
    int whole = 1;

    while (m != count) {
        uint64_t k = merkle_split(count);
        int rc;

        if (m <= k) {
            rc = merkle_sink_add(s, start + k, count - k);
            count = k;
        } else {
            rc = merkle_sink_add(s, start, k);
            m -= k;
            start += k;
            count -= k;
            whole = 0;
        }
        if (rc != 0)
            return rc;
    }
    /* The verifier knows the old root when the old tree is a whole subtree
     * here; otherwise it needs this subtree's hash to start from. */
    return whole ? 0 : merkle_sink_add(s, start, count);
}

/* Runs walk twice: once to count, once to fill; see struct merkle_sink. */
static int merkle_proof(uint64_t a, uint64_t b,
                        int (*walk)(uint64_t, uint64_t, struct merkle_sink *), merkle_node_fn get,
                        void *arg, uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len)
{
    struct merkle_sink s = {get, arg, NULL, 0, 0};
    int rc;

    *len = 0;
    rc = walk(a, b, &s);
    if (rc != 0)
        return rc;
    if (s.seen > cap)
        return TDKT_ETOOBIG;
    s.path = path;
    s.len = s.seen;
    s.seen = 0;
    rc = walk(a, b, &s);
    if (rc != 0)
        return rc;
    *len = s.len;
    return 0;
}

int merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_node_fn get, void *arg,
                           uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len)
{
    *len = 0;
    if (index >= size)
        return TDKT_EINVAL;
    return merkle_proof(index, size, merkle_inclusion_walk, get, arg, path, cap, len);
}

int merkle_consistency_proof(uint64_t m, uint64_t n, merkle_node_fn get, void *arg,
                             uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len)
{
    *len = 0;
    if (m == 0 || m > n)
        return TDKT_EINVAL;
    return merkle_proof(m, n, merkle_consistency_walk, get, arg, path, cap, len);
}

/*
 * The verifiers follow RFC 9162's bit arithmetic step by step. fn and sn are
 * the positions of the running hash and of the tree's last node at the
 * current level; the proof has the right length exactly when sn reaches 0
 * as the last hash is used. A length mismatch is reported as TDKT_EINVAL,
 * because no tree of that size has such a proof, and a hash mismatch as
 * TDKT_ECORRUPT.
 */
int merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN],
                            const uint8_t (*path)[MERKLE_HASH_LEN], size_t len,
                            const uint8_t root[MERKLE_HASH_LEN])
{
    uint64_t fn, sn;
    uint8_t r[MERKLE_HASH_LEN];

    if (index >= size)
        return TDKT_EINVAL;
    fn = index;
    sn = size - 1;
    memcpy(r, leaf, MERKLE_HASH_LEN);
    for (size_t i = 0; i < len; i++) {
        if (sn == 0)
            return TDKT_EINVAL;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(path[i], r, r);
            /* A right-edge node with no right sibling moves up unchanged. */
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(r, path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return TDKT_EINVAL;
    return memcmp(r, root, MERKLE_HASH_LEN) == 0 ? 0 : TDKT_ECORRUPT;
}

int merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[MERKLE_HASH_LEN],
                              const uint8_t new_root[MERKLE_HASH_LEN],
                              const uint8_t (*path)[MERKLE_HASH_LEN], size_t len)
{
    uint64_t fn, sn;
    uint8_t fr[MERKLE_HASH_LEN], sr[MERKLE_HASH_LEN];
    size_t i = 0;

    if (m == 0 || m > n)
        return TDKT_EINVAL;
    if (m == n) {
        if (len != 0)
            return TDKT_EINVAL;
        return memcmp(old_root, new_root, MERKLE_HASH_LEN) == 0 ? 0 : TDKT_ECORRUPT;
    }
    if (len == 0)
        return TDKT_EINVAL;
    /* When m is a power of two the old tree is a whole subtree of the new
     * one, so the proof starts from old_root instead of carrying it. */
    if ((m & (m - 1)) == 0) {
        memcpy(fr, old_root, MERKLE_HASH_LEN);
    } else {
        memcpy(fr, path[0], MERKLE_HASH_LEN);
        i = 1;
    }
    memcpy(sr, fr, MERKLE_HASH_LEN);
    fn = m - 1;
    sn = n - 1;
    /* Levels inside the old tree's last subtree are covered by its hash. */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < len; i++) {
        if (sn == 0)
            return TDKT_EINVAL;
        if ((fn & 1) || fn == sn) {
            merkle_node_hash(path[i], fr, fr);
            merkle_node_hash(path[i], sr, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            merkle_node_hash(sr, path[i], sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return TDKT_EINVAL;
    if (memcmp(fr, old_root, MERKLE_HASH_LEN) != 0 || memcmp(sr, new_root, MERKLE_HASH_LEN) != 0)
        return TDKT_ECORRUPT;
    return 0;
}
