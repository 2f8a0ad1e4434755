/* SPDX-License-Identifier: MIT */
/*
 * The canonical encoding of a ledger entry and the hashes over it (ledger.h
 * gives the formula): the Merkle leaf hash every entry stores, the chain
 * hash of schema v2 files, which only their migration checks, and SHA-256
 * of a request body. Pure: no database, no state; OpenSSL does the digest.
 */
#include "server/ledger/ledger.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/log.h"

static void put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u64be(uint8_t *p, uint64_t v)
{
    put_u32be(p, (uint32_t)(v >> 32));
    put_u32be(p + 4, (uint32_t)v);
}

/* SHA-256(prefix || canon(entry)); see ledger.h. The length prefixes make
 * the encoding injective, so no two entries share a canon. The prefix is
 * 0x00 for a Merkle leaf, or the previous chain hash when a schema v2 file
 * is checked before migration. */
static int entry_digest(const uint8_t *prefix, size_t prefix_len, uint64_t seq, int64_t time_ms,
                        const char *unit, size_t unit_len, const char *kind, size_t kind_len,
                        const uint8_t *payload, size_t payload_len, uint8_t out[LEDGER_HASH_LEN])
{
    uint8_t fixed[16], len_unit[4], len_kind[4], len_payload[4];
    unsigned int out_len = 0;
    int rc = TDKT_ENOMEM;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (!ctx)
        return TDKT_ENOMEM;
    put_u64be(fixed, seq);
    put_u64be(fixed + 8, (uint64_t)time_ms);
    put_u32be(len_unit, (uint32_t)unit_len);
    put_u32be(len_kind, (uint32_t)kind_len);
    put_u32be(len_payload, (uint32_t)payload_len);
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, prefix, prefix_len) != 1 ||
        EVP_DigestUpdate(ctx, fixed, sizeof fixed) != 1 ||
        EVP_DigestUpdate(ctx, len_unit, sizeof len_unit) != 1 ||
        EVP_DigestUpdate(ctx, unit, unit_len) != 1 ||
        EVP_DigestUpdate(ctx, len_kind, sizeof len_kind) != 1 ||
        EVP_DigestUpdate(ctx, kind, kind_len) != 1 ||
        EVP_DigestUpdate(ctx, len_payload, sizeof len_payload) != 1 ||
        (payload_len && EVP_DigestUpdate(ctx, payload, payload_len) != 1) ||
        EVP_DigestFinal_ex(ctx, out, &out_len) != 1 || out_len != LEDGER_HASH_LEN) {
        log_error("ledger: SHA-256 failed in OpenSSL");
        goto out;
    }
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    return rc;
}

int ledger_chain_hash(const uint8_t prev[LEDGER_HASH_LEN], uint64_t seq, int64_t time_ms,
                      const char *unit, const char *kind, const uint8_t *payload,
                      size_t payload_len, uint8_t out[LEDGER_HASH_LEN])
{
    if (!prev || !unit || !kind || (!payload && payload_len))
        return TDKT_EINVAL;
    return entry_digest(prev, LEDGER_HASH_LEN, seq, time_ms, unit, strlen(unit), kind, strlen(kind),
                        payload, payload_len, out);
}

int ledger_leaf_hash(uint64_t seq, int64_t time_ms, const char *unit, const char *kind,
                     const uint8_t *payload, size_t payload_len, uint8_t out[LEDGER_HASH_LEN])
{
    static const uint8_t leaf_prefix = 0x00;
    if (!unit || !kind || (!payload && payload_len))
        return TDKT_EINVAL;
    return entry_digest(&leaf_prefix, 1, seq, time_ms, unit, strlen(unit), kind, strlen(kind),
                        payload, payload_len, out);
}

void ledger_sha256(const uint8_t *data, size_t len, uint8_t out[LEDGER_HASH_LEN])
{
    unsigned int out_len = 0;

    /* The signature has no error path: a SHA-256 that fails means OpenSSL's
     * default provider is unusable, and nothing this process could do next
     * (hash a body, extend the chain) would be trustworthy. */
    if (EVP_Digest(len ? data : (const uint8_t *)"", len, out, &out_len, EVP_sha256(), NULL) != 1 ||
        out_len != LEDGER_HASH_LEN) {
        log_error("ledger: SHA-256 failed in OpenSSL; stopping");
        abort();
    }
}
