/* SPDX-License-Identifier: MIT */
/*
 * Merkle tree: the roots and proofs a client checks the ledger with are the
 * ones RFC 6962 defines (the certificate-transparency test vectors, and a
 * naive recursive reference written straight from the RFC's definitions of
 * MTH, PATH and PROOF); every proof the server builds verifies, and any
 * change to a proof, its parameters or the tree behind it is rejected; and a
 * proof in a tree of 2^40 leaves costs a few dozen node reads, none of them
 * past the tree's size.
 */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/crypto/merkle.h"
#include "common/err.h"

#define HLEN           MERKLE_HASH_LEN
#define SMALL_MAX      70  /* every size, index and m <= n up to this is compared */
#define APPEND_MAX     300 /* leaves appended one by one */
#define TABLE_LEVELS   9   /* 2^9 > APPEND_MAX */
#define FLIP_ALL_MAX   24  /* up to this size every bit of every proof hash is flipped */
#define TAMPER_MAX     40  /* sizes for the one-leaf-changed consistency test */
#define SPARSE_SPECIAL 8   /* distinct leaves in the large consistent tree */
#define LARGE_SIZE     ((UINT64_C(1) << 40) + 12345)

/* ---- reference: RFC 6962 §2.1 as written, on an array of leaf hashes --- */

static void ref_sha256(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                       uint8_t out[HLEN])
{
    uint8_t buf[1 + 2 * HLEN + 64];
    unsigned int n = 0;

    assert_true(alen + blen <= sizeof buf);
    if (alen)
        memcpy(buf, a, alen);
    if (blen)
        memcpy(buf + alen, b, blen);
    assert_int_equal(EVP_Digest(buf, alen + blen, out, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, HLEN);
}

static void ref_leaf(const uint8_t *data, size_t len, uint8_t out[HLEN])
{
    static const uint8_t zero = 0x00;

    ref_sha256(&zero, 1, data, len, out);
}

static void ref_node(const uint8_t l[HLEN], const uint8_t r[HLEN], uint8_t out[HLEN])
{
    uint8_t buf[1 + 2 * HLEN];

    buf[0] = 0x01;
    memcpy(buf + 1, l, HLEN);
    memcpy(buf + 1 + HLEN, r, HLEN);
    ref_sha256(buf, sizeof buf, NULL, 0, out);
}

/* The largest power of two strictly below n (n >= 2), by counting. */
static uint64_t ref_split(uint64_t n)
{
    uint64_t k = 1;

    while (k <= (n - 1) / 2)
        k *= 2;
    return k;
}

/*
 * A tree for the reference: either an array of leaf hashes (small trees,
 * pure RFC recursion), or a node callback used for aligned power-of-two
 * ranges (large trees, where the recursion has to stop at stored nodes).
 */
struct ref_tree {
    const uint8_t (*leaves)[HLEN];
    merkle_node_fn get;
    void *arg;
};

/* MTH(D[a : a + n]). */
static void ref_mth(const struct ref_tree *t, uint64_t a, uint64_t n, uint8_t out[HLEN])
{
    uint8_t l[HLEN], r[HLEN];
    uint64_t k;

    if (n == 0) {
        ref_sha256(NULL, 0, NULL, 0, out);
        return;
    }
    if (t->get && (n & (n - 1)) == 0 && a % n == 0) {
        unsigned level = 0;

        while ((UINT64_C(1) << level) != n)
            level++;
        assert_int_equal(t->get(t->arg, level, a >> level, out), 0);
        return;
    }
    if (n == 1) {
        memcpy(out, t->leaves[a], HLEN);
        return;
    }
    k = ref_split(n);
    ref_mth(t, a, k, l);
    ref_mth(t, a + k, n - k, r);
    ref_node(l, r, out);
}

/* PATH(m, D[a : a + n]) appended at out; returns its length. */
static size_t ref_path(const struct ref_tree *t, uint64_t m, uint64_t a, uint64_t n,
                       uint8_t (*out)[HLEN])
{
    uint64_t k;
    size_t c;

    if (n == 1)
        return 0;
    k = ref_split(n);
    if (m < k) {
        c = ref_path(t, m, a, k, out);
        ref_mth(t, a + k, n - k, out[c]);
    } else {
        c = ref_path(t, m - k, a + k, n - k, out);
        ref_mth(t, a, k, out[c]);
    }
    return c + 1;
}

/* SUBPROOF(m, D[a : a + n], b) appended at out; returns its length. */
static size_t ref_subproof(const struct ref_tree *t, uint64_t m, uint64_t a, uint64_t n, bool b,
                           uint8_t (*out)[HLEN])
{
    uint64_t k;
    size_t c;

    if (m == n) {
        if (b)
            return 0;
        ref_mth(t, a, n, out[0]);
        return 1;
    }
    k = ref_split(n);
    if (m <= k) {
        c = ref_subproof(t, m, a, k, b, out);
        ref_mth(t, a + k, n - k, out[c]);
    } else {
        c = ref_subproof(t, m - k, a + k, n - k, false, out);
        ref_mth(t, a, k, out[c]);
    }
    return c + 1;
}

static unsigned ceil_log2(uint64_t n)
{
    unsigned d = 0;

    while (d < 64 && (UINT64_C(1) << d) < n)
        d++;
    return d;
}

/* The lookup bound merkle.h promises for one proof. */
static unsigned long proof_lookup_max(uint64_t size)
{
    return 2ul * ceil_log2(size) + 1;
}

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;

    for (; x; x &= x - 1)
        c++;
    return c;
}

static void hex32(const char *s, uint8_t out[HLEN])
{
    assert_int_equal(strlen(s), 2 * HLEN);
    for (size_t i = 0; i < HLEN; i++) {
        unsigned v;

        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void assert_rejected(int rc)
{
    assert_true(rc == TDKT_ECORRUPT || rc == TDKT_EINVAL);
}

/* ---- node tables: what the ledger keeps in SQLite, in memory ---------- */

struct table {
    uint64_t size;       /* no lookup or store may reach past this many leaves */
    unsigned long calls; /* lookups since the last reset */
    unsigned long puts;
    bool have[TABLE_LEVELS][APPEND_MAX];
    uint8_t h[TABLE_LEVELS][APPEND_MAX][HLEN];
};

static int table_get(void *arg, unsigned level, uint64_t index, uint8_t out[HLEN])
{
    struct table *t = arg;

    t->calls++;
    assert_true(level < TABLE_LEVELS);
    assert_true(index < (t->size >> level)); /* (index + 1) << level <= size */
    assert_true(t->have[level][index]);
    memcpy(out, t->h[level][index], HLEN);
    return 0;
}

static int table_put(void *arg, unsigned level, uint64_t index, const uint8_t hash[HLEN])
{
    struct table *t = arg;

    t->puts++;
    assert_true(level >= 1 && level < TABLE_LEVELS);
    assert_true(index < (t->size >> level));
    assert_false(t->have[level][index]);
    t->have[level][index] = true;
    memcpy(t->h[level][index], hash, HLEN);
    return 0;
}

/* Fill every perfect subtree of the first n leaves from the reference. */
static void table_fill(struct table *t, const uint8_t (*leaves)[HLEN], uint64_t n)
{
    struct ref_tree rt = {leaves, NULL, NULL};

    memset(t, 0, sizeof *t);
    for (unsigned level = 0; level < TABLE_LEVELS; level++)
        for (uint64_t i = 0; i < (n >> level); i++) {
            ref_mth(&rt, i << level, UINT64_C(1) << level, t->h[level][i]);
            t->have[level][i] = true;
        }
}

static uint8_t g_leaves[APPEND_MAX][HLEN];
static uint8_t g_roots[APPEND_MAX + 1][HLEN]; /* g_roots[n]: reference root of n leaves */
static struct table g_table;                  /* g_leaves' nodes, from the reference */
static struct table g_scratch;

static int group_setup(void **state)
{
    for (unsigned i = 0; i < APPEND_MAX; i++) {
        uint8_t entry[8] = {'e', 'n', 't', 'r', 'y', (uint8_t)(i >> 8), (uint8_t)i, 0x5a};

        ref_leaf(entry, sizeof entry, g_leaves[i]);
    }
    table_fill(&g_table, (const uint8_t(*)[HLEN])g_leaves, APPEND_MAX);
    for (unsigned n = 0; n <= APPEND_MAX; n++) {
        struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};

        ref_mth(&rt, 0, n, g_roots[n]);
    }
    return 0;
}

/* ---- RFC 6962 test vectors (certificate-transparency) ----------------- */

static const struct {
    const char *data;
    size_t len;
} ct_leaves[8] = {
    {"", 0},
    {"\x00", 1},
    {"\x10", 1},
    {"\x20\x21", 2},
    {"\x30\x31", 2},
    {"\x40\x41\x42\x43", 4},
    {"\x50\x51\x52\x53\x54\x55\x56\x57", 8},
    {"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16},
};

static const char *const ct_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

#define CT_EMPTY_ROOT "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Audit paths and consistency proofs from the same test suite. */
static const struct {
    uint64_t a, n; /* leaf index and size, or m and n */
    bool consistency;
    size_t len;
    const char *hash[3];
} ct_proofs[] = {
    {0,
     8,
     false,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     false,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, false, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     false,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {1, 1, true, 0, {NULL}},
    {1,
     8,
     true,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     true,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     true,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static void test_rfc6962_vectors(void **state)
{
    uint8_t leaves[8][HLEN], want[HLEN], got[HLEN], ref[HLEN];
    uint8_t path[MERKLE_PROOF_MAX][HLEN], ref_p[MERKLE_PROOF_MAX][HLEN];
    struct ref_tree rt = {(const uint8_t(*)[HLEN])leaves, NULL, NULL};
    struct table *t = &g_scratch;

    merkle_empty_root(got);
    hex32(CT_EMPTY_ROOT, want);
    assert_memory_equal(got, want, HLEN);
    ref_mth(&rt, 0, 0, ref);
    assert_memory_equal(ref, want, HLEN);

    /* The nodes come from merkle_append, so the vectors check it too. */
    memset(t, 0, sizeof *t);
    for (unsigned i = 0; i < 8; i++) {
        merkle_leaf_hash((const uint8_t *)ct_leaves[i].data, ct_leaves[i].len, leaves[i]);
        ref_leaf((const uint8_t *)ct_leaves[i].data, ct_leaves[i].len, ref);
        assert_memory_equal(leaves[i], ref, HLEN);
        t->size = i + 1;
        t->have[0][i] = true;
        memcpy(t->h[0][i], leaves[i], HLEN);
        assert_int_equal(merkle_append(i, leaves[i], table_get, table_put, t), 0);
    }
    for (unsigned n = 1; n <= 8; n++) {
        hex32(ct_roots[n - 1], want);
        t->size = n;
        assert_int_equal(merkle_root(n, table_get, t, got), 0);
        assert_memory_equal(got, want, HLEN);
        ref_mth(&rt, 0, n, ref);
        assert_memory_equal(ref, want, HLEN);
    }

    for (size_t v = 0; v < sizeof ct_proofs / sizeof ct_proofs[0]; v++) {
        uint64_t a = ct_proofs[v].a, n = ct_proofs[v].n;
        uint8_t old_root[HLEN], new_root[HLEN];
        size_t len = 99, ref_len;

        t->size = n;
        hex32(ct_roots[n - 1], new_root);
        if (ct_proofs[v].consistency) {
            hex32(ct_roots[a - 1], old_root);
            assert_int_equal(
                merkle_consistency_proof(a, n, table_get, t, path, MERKLE_PROOF_MAX, &len), 0);
            ref_len = ref_subproof(&rt, a, 0, n, true, ref_p);
            assert_int_equal(merkle_verify_consistency(a, n, old_root, new_root,
                                                       (const uint8_t(*)[HLEN])path, len),
                             0);
        } else {
            assert_int_equal(
                merkle_inclusion_proof(a, n, table_get, t, path, MERKLE_PROOF_MAX, &len), 0);
            ref_len = ref_path(&rt, a, 0, n, ref_p);
            assert_int_equal(merkle_verify_inclusion(a, n, leaves[a], (const uint8_t(*)[HLEN])path,
                                                     len, new_root),
                             0);
        }
        assert_int_equal(len, ct_proofs[v].len);
        assert_int_equal(ref_len, ct_proofs[v].len);
        for (size_t i = 0; i < len; i++) {
            hex32(ct_proofs[v].hash[i], want);
            assert_memory_equal(path[i], want, HLEN);
            assert_memory_equal(ref_p[i], want, HLEN);
        }
    }
}

/* Folding a running hash in place is how callers use merkle_node_hash. */
static void test_node_hash_in_place(void **state)
{
    uint8_t l[HLEN], r[HLEN], want[HLEN];

    memcpy(l, g_leaves[0], HLEN);
    memcpy(r, g_leaves[1], HLEN);
    ref_node(l, r, want);
    merkle_node_hash(l, r, l);
    assert_memory_equal(l, want, HLEN);
    memcpy(l, g_leaves[0], HLEN);
    merkle_node_hash(l, r, r);
    assert_memory_equal(r, want, HLEN);
}

static void test_root_matches_reference(void **state)
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    uint8_t got[HLEN], want[HLEN];

    for (uint64_t n = 0; n <= APPEND_MAX; n++) {
        g_table.size = n;
        g_table.calls = 0;
        assert_int_equal(merkle_root(n, table_get, &g_table, got), 0);
        ref_mth(&rt, 0, n, want);
        assert_memory_equal(got, want, HLEN);
        assert_int_equal(g_table.calls, popcount64(n));
    }
}

/* Flip bits of each proof hash in turn: all 256 of them for small sizes, a
 * spread of them otherwise. Every flip must fail as a hash mismatch. */
static bool flip_this_bit(uint64_t size, size_t hash, unsigned bit)
{
    return size <= FLIP_ALL_MAX || bit == (hash * 37 + size * 11) % (8 * HLEN) ||
           bit == (hash * 101 + size) % (8 * HLEN);
}

static void check_inclusion(uint64_t index, uint64_t size, const uint8_t root[HLEN])
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    uint8_t path[MERKLE_PROOF_MAX + 1][HLEN], ref_p[MERKLE_PROOF_MAX][HLEN], bad[HLEN];
    const uint8_t(*cpath)[HLEN] = (const uint8_t(*)[HLEN])path;
    const uint8_t *leaf = g_leaves[index];
    size_t len = 0;

    g_table.size = size;
    g_table.calls = 0;
    assert_int_equal(
        merkle_inclusion_proof(index, size, table_get, &g_table, path, MERKLE_PROOF_MAX, &len), 0);
    assert_true(g_table.calls <= proof_lookup_max(size));
    assert_int_equal(len, ref_path(&rt, index, 0, size, ref_p));
    assert_memory_equal(path, ref_p, len * HLEN);
    assert_int_equal(merkle_verify_inclusion(index, size, leaf, cpath, len, root), 0);

    /* Too small a buffer is refused before any lookup. */
    if (len > 0) {
        size_t len2 = 99;

        g_table.calls = 0;
        assert_int_equal(
            merkle_inclusion_proof(index, size, table_get, &g_table, path, len - 1, &len2),
            TDKT_ETOOBIG);
        assert_int_equal(g_table.calls, 0);
        assert_int_equal(len2, 0);
    }

    for (size_t i = 0; i < len; i++)
        for (unsigned bit = 0; bit < 8 * HLEN; bit++) {
            if (!flip_this_bit(size, i, bit))
                continue;
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(merkle_verify_inclusion(index, size, leaf, cpath, len, root),
                             TDKT_ECORRUPT);
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }

    /* A client holds a signed (size, root) pair, so a wrong size comes with
     * the root of that size. (A proof can hold for another size against the
     * same root: the shape of a path does not pin the size, the signed head
     * does.) */
    if (index > 0)
        assert_rejected(merkle_verify_inclusion(index - 1, size, leaf, cpath, len, root));
    if (index + 1 < size)
        assert_rejected(merkle_verify_inclusion(index + 1, size, leaf, cpath, len, root));
    if (index > 0)
        assert_rejected(
            merkle_verify_inclusion(index - 1, size, g_leaves[index - 1], cpath, len, root));
    if (size > index + 1)
        assert_rejected(
            merkle_verify_inclusion(index, size - 1, leaf, cpath, len, g_roots[size - 1]));
    assert_rejected(merkle_verify_inclusion(index, size + 1, leaf, cpath, len, g_roots[size + 1]));
    assert_int_equal(merkle_verify_inclusion(index, index, leaf, cpath, len, root), TDKT_EINVAL);
    if (len > 0)
        assert_int_equal(merkle_verify_inclusion(index, size, leaf, cpath, len - 1, root),
                         TDKT_EINVAL);
    memcpy(path[len], g_leaves[(index + 7) % APPEND_MAX], HLEN);
    assert_int_equal(merkle_verify_inclusion(index, size, leaf, cpath, len + 1, root), TDKT_EINVAL);

    memcpy(bad, root, HLEN);
    bad[HLEN - 1] ^= 0x80;
    assert_int_equal(merkle_verify_inclusion(index, size, leaf, cpath, len, bad), TDKT_ECORRUPT);
    memcpy(bad, leaf, HLEN);
    bad[0] ^= 0x01;
    assert_int_equal(merkle_verify_inclusion(index, size, bad, cpath, len, root), TDKT_ECORRUPT);
}

static void test_inclusion_matches_reference(void **state)
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    uint8_t path[MERKLE_PROOF_MAX][HLEN], root[HLEN];
    size_t len = 99;

    for (uint64_t size = 1; size <= SMALL_MAX; size++) {
        ref_mth(&rt, 0, size, root);
        for (uint64_t index = 0; index < size; index++)
            check_inclusion(index, size, root);
        assert_int_equal(
            merkle_inclusion_proof(size, size, table_get, &g_table, path, MERKLE_PROOF_MAX, &len),
            TDKT_EINVAL);
        assert_int_equal(len, 0);
    }
}

static void check_consistency(uint64_t m, uint64_t n, const uint8_t old_root[HLEN],
                              const uint8_t new_root[HLEN])
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    uint8_t path[MERKLE_PROOF_MAX + 1][HLEN], ref_p[MERKLE_PROOF_MAX][HLEN], bad[HLEN];
    const uint8_t(*cpath)[HLEN] = (const uint8_t(*)[HLEN])path;
    size_t len = 99;

    g_table.size = n;
    g_table.calls = 0;
    assert_int_equal(
        merkle_consistency_proof(m, n, table_get, &g_table, path, MERKLE_PROOF_MAX, &len), 0);
    assert_true(g_table.calls <= proof_lookup_max(n));
    assert_int_equal(len, ref_subproof(&rt, m, 0, n, true, ref_p));
    assert_memory_equal(path, ref_p, len * HLEN);
    assert_int_equal(merkle_verify_consistency(m, n, old_root, new_root, cpath, len), 0);
    if (m == n)
        assert_int_equal(len, 0);

    if (len > 0) {
        size_t len2 = 99;

        g_table.calls = 0;
        assert_int_equal(merkle_consistency_proof(m, n, table_get, &g_table, path, len - 1, &len2),
                         TDKT_ETOOBIG);
        assert_int_equal(g_table.calls, 0);
        assert_int_equal(len2, 0);
    }

    for (size_t i = 0; i < len; i++)
        for (unsigned bit = 0; bit < 8 * HLEN; bit++) {
            if (!flip_this_bit(n, i, bit))
                continue;
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(merkle_verify_consistency(m, n, old_root, new_root, cpath, len),
                             TDKT_ECORRUPT);
            path[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }

    /* As for inclusion, a wrong size comes with the root of that size. */
    if (m > 1)
        assert_rejected(merkle_verify_consistency(m - 1, n, g_roots[m - 1], new_root, cpath, len));
    if (m < n)
        assert_rejected(merkle_verify_consistency(m + 1, n, g_roots[m + 1], new_root, cpath, len));
    if (n > m)
        assert_rejected(merkle_verify_consistency(m, n - 1, old_root, g_roots[n - 1], cpath, len));
    assert_rejected(merkle_verify_consistency(m, n + 1, old_root, g_roots[n + 1], cpath, len));
    assert_int_equal(merkle_verify_consistency(0, n, old_root, new_root, cpath, len), TDKT_EINVAL);
    assert_int_equal(merkle_verify_consistency(n + 1, n, old_root, new_root, cpath, len),
                     TDKT_EINVAL);
    if (len > 0)
        assert_int_equal(merkle_verify_consistency(m, n, old_root, new_root, cpath, len - 1),
                         TDKT_EINVAL);
    memcpy(path[len], g_leaves[(m + n) % APPEND_MAX], HLEN);
    assert_int_equal(merkle_verify_consistency(m, n, old_root, new_root, cpath, len + 1),
                     TDKT_EINVAL);

    memcpy(bad, old_root, HLEN);
    bad[5] ^= 0x10;
    assert_int_equal(merkle_verify_consistency(m, n, bad, new_root, cpath, len), TDKT_ECORRUPT);
    memcpy(bad, new_root, HLEN);
    bad[HLEN - 1] ^= 0x01;
    assert_int_equal(merkle_verify_consistency(m, n, old_root, bad, cpath, len), TDKT_ECORRUPT);
}

static void test_consistency_matches_reference(void **state)
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    uint8_t path[MERKLE_PROOF_MAX][HLEN], roots[SMALL_MAX + 1][HLEN];
    size_t len = 99;

    for (uint64_t n = 1; n <= SMALL_MAX; n++)
        ref_mth(&rt, 0, n, roots[n]);
    for (uint64_t n = 1; n <= SMALL_MAX; n++) {
        for (uint64_t m = 1; m <= n; m++)
            check_consistency(m, n, roots[m], roots[n]);
        g_table.size = n;
        assert_int_equal(
            merkle_consistency_proof(0, n, table_get, &g_table, path, MERKLE_PROOF_MAX, &len),
            TDKT_EINVAL);
        assert_int_equal(
            merkle_consistency_proof(n + 1, n, table_get, &g_table, path, MERKLE_PROOF_MAX, &len),
            TDKT_EINVAL);
        assert_int_equal(len, 0);
    }
}

/*
 * The attack a consistency proof exists to catch: after publishing the root
 * of m leaves, the log rewrites leaf j < m. Whatever the tampered log proves
 * from m to n, it cannot tie its new root to the root it published.
 */
static void test_consistency_detects_rewritten_leaf(void **state)
{
    static uint8_t tampered[APPEND_MAX][HLEN];
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    struct ref_tree rt_bad = {(const uint8_t(*)[HLEN])tampered, NULL, NULL};
    struct table *t = &g_scratch;
    uint8_t path[MERKLE_PROOF_MAX][HLEN], old_roots[TAMPER_MAX + 1][HLEN];

    for (uint64_t m = 1; m <= TAMPER_MAX; m++)
        ref_mth(&rt, 0, m, old_roots[m]);
    for (uint64_t j = 0; j < TAMPER_MAX; j++) {
        memcpy(tampered, g_leaves, sizeof tampered);
        tampered[j][j % HLEN] ^= 0x04;
        table_fill(t, (const uint8_t(*)[HLEN])tampered, TAMPER_MAX);
        for (uint64_t n = j + 1; n <= TAMPER_MAX; n++) {
            uint8_t new_root[HLEN];

            ref_mth(&rt_bad, 0, n, new_root);
            for (uint64_t m = j + 1; m <= n; m++) {
                const uint8_t(*cpath)[HLEN] = (const uint8_t(*)[HLEN])path;
                size_t len;

                t->size = n;
                assert_int_equal(
                    merkle_consistency_proof(m, n, table_get, t, path, MERKLE_PROOF_MAX, &len), 0);
                assert_int_equal(
                    merkle_verify_consistency(m, n, old_roots[m], new_root, cpath, len),
                    TDKT_ECORRUPT);
            }
        }
    }
}

static void test_append_fills_table(void **state)
{
    struct ref_tree rt = {(const uint8_t(*)[HLEN])g_leaves, NULL, NULL};
    struct table *t = &g_scratch;
    uint8_t got[HLEN], want[HLEN];

    memset(t, 0, sizeof *t);
    for (uint64_t i = 0; i < APPEND_MAX; i++) {
        unsigned long puts = t->puts;
        unsigned trailing_ones = 0;

        while ((i >> trailing_ones) & 1)
            trailing_ones++;
        t->size = i + 1;
        t->have[0][i] = true;
        memcpy(t->h[0][i], g_leaves[i], HLEN);
        assert_int_equal(merkle_append(i, g_leaves[i], table_get, table_put, t), 0);
        assert_int_equal(t->puts - puts, trailing_ones);

        assert_int_equal(merkle_root(i + 1, table_get, t, got), 0);
        ref_mth(&rt, 0, i + 1, want);
        assert_memory_equal(got, want, HLEN);
    }
    /* Exactly the complete subtrees, each with the reference's hash. */
    for (unsigned level = 0; level < TABLE_LEVELS; level++)
        for (uint64_t i = 0; i < APPEND_MAX; i++) {
            assert_int_equal(t->have[level][i], g_table.have[level][i]);
            if (t->have[level][i])
                assert_memory_equal(t->h[level][i], g_table.h[level][i], HLEN);
        }

    assert_int_equal(merkle_append(UINT64_MAX, g_leaves[0], table_get, table_put, t), TDKT_EINVAL);
}

/* ---- large trees ------------------------------------------------------ */

/*
 * A tree far too big to build: every node's hash is derived from its
 * (level, index) alone, so two different nodes never look alike and a
 * proof that picks a wrong node differs from the reference. The hashes do
 * not chain, so these proofs are compared, not verified.
 */
struct synth {
    uint64_t size;
    unsigned long calls;
};

static int synth_get(void *arg, unsigned level, uint64_t index, uint8_t out[HLEN])
{
    struct synth *s = arg;
    uint8_t buf[9];

    s->calls++;
    assert_true(level < 64);
    assert_true(index < (s->size >> level));
    buf[0] = (uint8_t)level;
    for (int i = 0; i < 8; i++)
        buf[1 + i] = (uint8_t)(index >> (8 * i));
    ref_sha256(buf, sizeof buf, NULL, 0, out);
    return 0;
}

/*
 * A large tree whose hashes do chain: every leaf is the same background
 * leaf except a few special ones, so a perfect subtree without a special
 * leaf has the hash bg[level], and one with a special leaf is computed from
 * its children. Proofs in it verify against merkle_root.
 */
struct sparse {
    uint64_t size;
    unsigned long calls;
    size_t nspecial;
    uint64_t special[SPARSE_SPECIAL];
    uint8_t bg[64][HLEN];
};

static void sparse_node(const struct sparse *s, unsigned level, uint64_t index, uint8_t out[HLEN])
{
    uint64_t lo = index << level, hi = lo + ((UINT64_C(1) << level) - 1);
    uint8_t l[HLEN], r[HLEN];
    bool hit = false;

    for (size_t i = 0; i < s->nspecial; i++)
        if (s->special[i] >= lo && s->special[i] <= hi)
            hit = true;
    if (!hit) {
        memcpy(out, s->bg[level], HLEN);
    } else if (level == 0) {
        uint8_t buf[8];

        for (int i = 0; i < 8; i++)
            buf[i] = (uint8_t)(index >> (8 * i));
        ref_leaf(buf, sizeof buf, out);
    } else {
        sparse_node(s, level - 1, 2 * index, l);
        sparse_node(s, level - 1, 2 * index + 1, r);
        ref_node(l, r, out);
    }
}

static int sparse_get(void *arg, unsigned level, uint64_t index, uint8_t out[HLEN])
{
    struct sparse *s = arg;

    s->calls++;
    assert_true(level < 64);
    assert_true(index < (s->size >> level));
    sparse_node(s, level, index, out);
    return 0;
}

static void sparse_init(struct sparse *s)
{
    static const uint8_t bg_entry[] = "background";

    memset(s, 0, sizeof *s);
    ref_leaf(bg_entry, sizeof bg_entry - 1, s->bg[0]);
    for (unsigned level = 1; level < 64; level++)
        ref_node(s->bg[level - 1], s->bg[level - 1], s->bg[level]);
}

static void sparse_special(struct sparse *s, uint64_t leaf)
{
    assert_true(s->nspecial < SPARSE_SPECIAL);
    s->special[s->nspecial++] = leaf;
}

static void check_large_inclusion(uint64_t index, uint64_t size)
{
    uint8_t path[MERKLE_PROOF_MAX][HLEN], ref_p[MERKLE_PROOF_MAX][HLEN], root[HLEN], leaf[HLEN];
    struct synth sy = {size, 0};
    struct ref_tree rt = {NULL, synth_get, &sy};
    static struct sparse sp;
    size_t len = 0;

    assert_int_equal(
        merkle_inclusion_proof(index, size, synth_get, &sy, path, MERKLE_PROOF_MAX, &len), 0);
    assert_true(len <= MERKLE_PROOF_MAX);
    assert_true(len <= ceil_log2(size));
    assert_true(sy.calls <= proof_lookup_max(size));
    assert_int_equal(len, ref_path(&rt, index, 0, size, ref_p));
    assert_memory_equal(path, ref_p, len * HLEN);

    sparse_init(&sp);
    sp.size = size;
    sparse_special(&sp, index);
    sparse_special(&sp, index ^ 1);
    sparse_special(&sp, size - 1);
    sparse_special(&sp, 0);
    assert_int_equal(
        merkle_inclusion_proof(index, size, sparse_get, &sp, path, MERKLE_PROOF_MAX, &len), 0);
    assert_true(sp.calls <= proof_lookup_max(size));
    assert_int_equal(merkle_root(size, sparse_get, &sp, root), 0);
    sparse_node(&sp, 0, index, leaf);
    assert_int_equal(
        merkle_verify_inclusion(index, size, leaf, (const uint8_t(*)[HLEN])path, len, root), 0);
    path[len / 2][7] ^= 0x02;
    assert_int_equal(
        merkle_verify_inclusion(index, size, leaf, (const uint8_t(*)[HLEN])path, len, root),
        TDKT_ECORRUPT);
    path[len / 2][7] ^= 0x02;
    if (index + 1 < size)
        assert_rejected(merkle_verify_inclusion(index + 1, size, leaf, (const uint8_t(*)[HLEN])path,
                                                len, root));
}

static void check_large_consistency(uint64_t m, uint64_t n, size_t want_len)
{
    uint8_t path[MERKLE_PROOF_MAX][HLEN], ref_p[MERKLE_PROOF_MAX][HLEN];
    uint8_t old_root[HLEN], new_root[HLEN];
    struct synth sy = {n, 0};
    struct ref_tree rt = {NULL, synth_get, &sy};
    static struct sparse sp;
    size_t len = 0;

    assert_int_equal(merkle_consistency_proof(m, n, synth_get, &sy, path, MERKLE_PROOF_MAX, &len),
                     0);
    assert_true(len <= MERKLE_PROOF_MAX);
    assert_true(sy.calls <= proof_lookup_max(n));
    assert_int_equal(len, ref_subproof(&rt, m, 0, n, true, ref_p));
    assert_memory_equal(path, ref_p, len * HLEN);
    if (want_len)
        assert_int_equal(len, want_len);

    sparse_init(&sp);
    sparse_special(&sp, m - 1);
    sparse_special(&sp, m);
    sparse_special(&sp, m / 2);
    sparse_special(&sp, n - 1);
    sp.size = m;
    assert_int_equal(merkle_root(m, sparse_get, &sp, old_root), 0);
    sp.size = n;
    assert_int_equal(merkle_root(n, sparse_get, &sp, new_root), 0);
    sp.calls = 0;
    assert_int_equal(merkle_consistency_proof(m, n, sparse_get, &sp, path, MERKLE_PROOF_MAX, &len),
                     0);
    assert_true(sp.calls <= proof_lookup_max(n));
    assert_int_equal(
        merkle_verify_consistency(m, n, old_root, new_root, (const uint8_t(*)[HLEN])path, len), 0);
    if (len > 0) {
        path[len - 1][0] ^= 0x01;
        assert_int_equal(
            merkle_verify_consistency(m, n, old_root, new_root, (const uint8_t(*)[HLEN])path, len),
            TDKT_ECORRUPT);
    }
}

static void test_large_tree(void **state)
{
    static const uint64_t sizes[] = {
        LARGE_SIZE,
        UINT64_C(1) << 40,
        (UINT64_C(1) << 63) + 1,
        UINT64_MAX,
    };
    uint8_t root[HLEN];

    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        const uint64_t probes[] = {0, 1, n / 3, n / 2, (n - 1) & ~UINT64_C(0xff), n - 2, n - 1};
        struct synth sy = {n, 0};

        assert_int_equal(merkle_root(n, synth_get, &sy, root), 0);
        assert_int_equal(sy.calls, popcount64(n));
        for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            check_large_inclusion(probes[p], n);
            if (probes[p] > 0)
                check_large_consistency(probes[p], n, 0);
        }
        check_large_consistency(n, n, 0);
    }
    /* The bound in merkle.h is reached: leaf 2's path in the largest tree
     * has 64 hashes, and the proof from 3 leaves adds the seed. */
    check_large_consistency(3, UINT64_MAX, MERKLE_PROOF_MAX);
    check_large_consistency(LARGE_SIZE - 1, LARGE_SIZE, 0);
    check_large_consistency(UINT64_C(1) << 40, LARGE_SIZE, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6962_vectors),
        cmocka_unit_test(test_node_hash_in_place),
        cmocka_unit_test(test_root_matches_reference),
        cmocka_unit_test(test_inclusion_matches_reference),
        cmocka_unit_test(test_consistency_matches_reference),
        cmocka_unit_test(test_consistency_detects_rewritten_leaf),
        cmocka_unit_test(test_append_fills_table),
        cmocka_unit_test(test_large_tree),
    };

    return cmocka_run_group_tests(tests, group_setup, NULL);
}
