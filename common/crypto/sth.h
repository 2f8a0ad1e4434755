/* SPDX-License-Identifier: MIT */
/*
 * Signed tree heads (STH): the server's Ed25519 signature over the ledger's
 * Merkle root at a size and time. The server signs with its ledger key (a
 * PEM file next to, but not inside, the database); clients pin the public
 * key the first time they see it and verify every head afterwards. This
 * module owns the to-be-signed encoding and the key file; it does no
 * networking and keeps no state.
 *
 *   tbs = "tdkt-sth-v1" || u64be(size) || root[32] || i64be(time_ms)
 *
 * Ownership: sth_key_load() hands the caller an EVP_PKEY to free with
 * sth_key_free().
 */
#ifndef TDKT_COMMON_CRYPTO_STH_H
#define TDKT_COMMON_CRYPTO_STH_H

#include <stddef.h>
#include <stdint.h>

#define STH_HASH_LEN 32
#define STH_SIG_LEN  64
#define STH_PUB_LEN  32
#define STH_TBS_LEN  (11 + 8 + STH_HASH_LEN + 8)

typedef struct evp_pkey_st EVP_PKEY;

struct tree_head {
    uint64_t size;
    uint8_t root[STH_HASH_LEN];
    int64_t time_ms;
    uint8_t sig[STH_SIG_LEN];
};

/* Load the Ed25519 private key in path; with create, make a new one (mode
 * 0600, O_EXCL) when the file does not exist. TDKT_ENOTFOUND when missing and
 * not create; TDKT_EINVAL when the file holds no Ed25519 key. */
int sth_key_load(const char *path, int create, EVP_PKEY **out, char *err, size_t err_cap);
void sth_key_free(EVP_PKEY *key);
int sth_key_public(EVP_PKEY *key, uint8_t pub[STH_PUB_LEN]);

void sth_tbs(const struct tree_head *h, uint8_t out[STH_TBS_LEN]);
/* Fill h->sig. */
int sth_sign(EVP_PKEY *key, struct tree_head *h);
/* 0 when h->sig is pub's signature over h; TDKT_ECORRUPT otherwise. */
int sth_verify(const uint8_t pub[STH_PUB_LEN], const struct tree_head *h);

#endif
