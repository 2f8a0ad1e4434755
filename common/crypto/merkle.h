/* SPDX-License-Identifier: MIT */
/*
 * The Merkle tree hash of RFC 6962 / RFC 9162 with SHA-256: leaf and node
 * hashes, the root of a tree of any size, the nodes a new leaf completes,
 * and inclusion and consistency proofs, both built and verified.
 *
 *   leaf = SHA-256(0x00 || data)    node = SHA-256(0x01 || left || right)
 *   root of the empty tree = SHA-256("")
 *
 * This module owns only the arithmetic. It does no I/O and keeps no state;
 * the only memory it takes is OpenSSL's digest context, freed before each
 * hash function returns. The tree's stored nodes come through a
 * merkle_node_fn that the caller backs with its own storage (the ledger's
 * SQLite table), and new nodes leave through a merkle_put_fn. Only perfect
 * subtrees (2^level leaves, aligned) are ever asked for, and never one that
 * reaches past the tree size in question, so a store that keeps exactly the
 * complete subtrees of an append-only log is enough. Hashes of the other
 * ranges a proof needs are folded from perfect ones, so no call touches
 * every leaf: a root costs at most 64 lookups and a proof at most
 * 2 * ceil(log2 size) + 1.
 */
#ifndef TDKT_COMMON_CRYPTO_MERKLE_H
#define TDKT_COMMON_CRYPTO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH_LEN 32

/*
 * Hashes in any proof for any tree size that fits in uint64_t. An inclusion
 * path has one hash per level below the root, at most ceil(log2 size) <= 64.
 * A consistency proof is the path of leaf m - 1 in the new tree with the
 * levels it shares with the old tree's last subtree replaced by that
 * subtree's hash, so at most one more: 65.
 */
#define MERKLE_PROOF_MAX 65

/*
 * The caller's node store. Writes the hash of the perfect subtree at (level,
 * index), covering leaves [index << level, (index + 1) << level), to out;
 * level 0 is a leaf hash. It is called only for subtrees that lie entirely
 * within the tree in question. Returns 0 or a TDKT_E* code, which the
 * calling merkle_* function returns unchanged.
 */
typedef int (*merkle_node_fn)(void *arg, unsigned level, uint64_t index,
                              uint8_t out[MERKLE_HASH_LEN]);
/* Stores a subtree hash computed by merkle_append(); 0 or a TDKT_E* code. */
typedef int (*merkle_put_fn)(void *arg, unsigned level, uint64_t index,
                             const uint8_t hash[MERKLE_HASH_LEN]);

/*
 * The three hash functions cannot fail short of OpenSSL being unable to
 * allocate a digest context; they abort then rather than hand back 32 bytes
 * that are not the hash (see merkle_sha256 in merkle.c).
 */

/* SHA-256(0x00 || data): the leaf hash of an entry. */
void merkle_leaf_hash(const uint8_t *data, size_t len, uint8_t out[MERKLE_HASH_LEN]);
/* SHA-256(0x01 || left || right). out may be the same buffer as left or
 * right, so a caller can fold a running hash in place. */
void merkle_node_hash(const uint8_t left[MERKLE_HASH_LEN], const uint8_t right[MERKLE_HASH_LEN],
                      uint8_t out[MERKLE_HASH_LEN]);
/* SHA-256 of nothing: the root of the tree of size 0. */
void merkle_empty_root(uint8_t out[MERKLE_HASH_LEN]);

/*
 * MTH(D[0:size]): the root of the first size leaves. It is the right fold of
 * the perfect subtrees given by size's binary digits, so it costs one lookup
 * per set bit of size and none for size 0.
 */
int merkle_root(uint64_t size, merkle_node_fn get, void *arg, uint8_t out[MERKLE_HASH_LEN]);

/*
 * Leaf index (0-based) has just been stored at level 0 with hash leaf, after
 * leaves 0 .. index - 1. Computes every perfect subtree this leaf completes,
 * one per trailing 1 bit of index, fetching each left sibling with get, and
 * hands each to put (level >= 1), lowest first. TDKT_EINVAL when index is
 * UINT64_MAX, since the tree size would not fit in uint64_t.
 */
int merkle_append(uint64_t index, const uint8_t leaf[MERKLE_HASH_LEN], merkle_node_fn get,
                  merkle_put_fn put, void *arg);

/*
 * The inclusion path of leaf index in the tree of size leaves (RFC 9162
 * §2.1.3.1), the sibling nearest the leaf first. path has room for cap
 * hashes; *len gets the count, 0 on any error. TDKT_EINVAL when index >=
 * size, TDKT_ETOOBIG when cap is too small (checked before any lookup).
 */
int merkle_inclusion_proof(uint64_t index, uint64_t size, merkle_node_fn get, void *arg,
                           uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len);

/*
 * The consistency proof from the tree of m leaves to the tree of n leaves
 * (RFC 9162 §2.1.4.1); m == n gives an empty proof. Lookups stay within the
 * first n leaves. TDKT_EINVAL unless 0 < m <= n, TDKT_ETOOBIG when cap is too
 * small (checked before any lookup).
 */
int merkle_consistency_proof(uint64_t m, uint64_t n, merkle_node_fn get, void *arg,
                             uint8_t (*path)[MERKLE_HASH_LEN], size_t cap, size_t *len);

/*
 * RFC 9162 §2.1.3.2: 0 when path proves that leaf is leaf index of the tree
 * of size leaves whose root is root. TDKT_ECORRUPT when the hashes do not
 * lead to root; TDKT_EINVAL when no proof of that shape can exist (index >=
 * size, or len is not the path length for index and size).
 */
int merkle_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[MERKLE_HASH_LEN],
                            const uint8_t (*path)[MERKLE_HASH_LEN], size_t len,
                            const uint8_t root[MERKLE_HASH_LEN]);

/*
 * RFC 9162 §2.1.4.2: 0 when path proves that the tree of m leaves with root
 * old_root is a prefix of the tree of n leaves with root new_root. For
 * m == n the proof must be empty and the roots equal. TDKT_ECORRUPT when the
 * hashes do not match the roots; TDKT_EINVAL for m == 0, m > n, or a len
 * that is not the proof length for m and n.
 */
int merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t old_root[MERKLE_HASH_LEN],
                              const uint8_t new_root[MERKLE_HASH_LEN],
                              const uint8_t (*path)[MERKLE_HASH_LEN], size_t len);

#endif
