/* SPDX-License-Identifier: MIT */
/*
 * Range digests: ordering and summaries of result records. See rangedigest.h.
 */
#include "common/sync/rangedigest.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/err.h"

#define RD_FIELD_MAX 0xffff /* a u16 length prefix */

int rd_key_cmp(const struct rd_key *a, const struct rd_key *b)
{
    int c = strcmp(a->unit, b->unit);
    if (c)
        return c;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    c = strcmp(a->kind, b->kind);
    if (c)
        return c;
    return strcmp(a->key, b->key);
}

void rd_value_hash(const uint8_t *record, size_t len, uint8_t out[RD_HASH_LEN])
{
    unsigned int n = RD_HASH_LEN;
    EVP_Digest(len ? record : (const uint8_t *)"", len, out, &n, EVP_sha256(), NULL);
}

void rd_acc_init(struct rd_acc *a)
{
    a->ctx = NULL;
    a->count = 0;
}

static int put_str(EVP_MD_CTX *ctx, const char *s)
{
    size_t n = strlen(s);
    uint8_t len[2];
    if (n > RD_FIELD_MAX)
        return TDKT_ETOOBIG;
    len[0] = (uint8_t)(n >> 8);
    len[1] = (uint8_t)n;
    EVP_DigestUpdate(ctx, len, 2);
    EVP_DigestUpdate(ctx, s, n);
    return 0;
}

int rd_acc_add(struct rd_acc *a, const struct rd_key *k, const uint8_t hash[RD_HASH_LEN])
{
    uint8_t year[4] = {(uint8_t)(k->year >> 24), (uint8_t)(k->year >> 16), (uint8_t)(k->year >> 8),
                       (uint8_t)k->year};
    EVP_MD_CTX *ctx = a->ctx;
    int rc;

    if (!ctx) {
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
            EVP_MD_CTX_free(ctx);
            return TDKT_ENOMEM;
        }
        a->ctx = ctx;
    }
    rc = put_str(ctx, k->unit);
    if (rc == 0) {
        EVP_DigestUpdate(ctx, year, 4);
        rc = put_str(ctx, k->kind);
    }
    if (rc == 0)
        rc = put_str(ctx, k->key);
    if (rc == 0) {
        EVP_DigestUpdate(ctx, hash, RD_HASH_LEN);
        a->count++;
    }
    return rc;
}

void rd_acc_final(struct rd_acc *a, uint8_t digest[RD_HASH_LEN])
{
    unsigned int n = RD_HASH_LEN;
    if (a->ctx) {
        EVP_DigestFinal_ex(a->ctx, digest, &n);
        EVP_MD_CTX_free(a->ctx);
        a->ctx = NULL;
    } else {
        EVP_Digest("", 0, digest, &n, EVP_sha256(), NULL);
    }
    a->count = 0;
}

void rd_acc_free(struct rd_acc *a)
{
    EVP_MD_CTX_free(a->ctx);
    a->ctx = NULL;
}
