/* SPDX-License-Identifier: MIT */
/*
 * Signed tree heads with Ed25519 on OpenSSL 3 EVP. sth.h gives the encoding.
 * The key file is written once with O_EXCL and fsync'd: a ledger key that is
 * silently replaced would make every earlier head unverifiable.
 */
#include "sth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/err.h"

#define STH_KEY_MODE 0600
#define STH_KEY_MAX  4096 /* bytes in a PEM Ed25519 key file, with room to spare */
#define STH_LABEL    "tdkt-sth-v1"

static int key_create(const char *path, EVP_PKEY **out, char *err, size_t cap)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    BIO *b = NULL;
    char *pem;
    long len;
    int fd = -1, rc = TDKT_EIO;

    if (!key) {
        tdkt_errf(err, cap, "cannot generate an Ed25519 key");
        return TDKT_ENOMEM;
    }
    b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
        tdkt_errf(err, cap, "cannot encode the ledger key");
        rc = TDKT_ENOMEM;
        goto out;
    }
    len = BIO_get_mem_data(b, &pem);
    fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, STH_KEY_MODE);
    if (fd < 0) {
        tdkt_errf(err, cap, "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    if (write(fd, pem, (size_t)len) != len || fsync(fd) != 0) {
        tdkt_errf(err, cap, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        fd = -1;
        unlink(path);
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    BIO_free(b);
    if (rc < 0)
        EVP_PKEY_free(key);
    else
        *out = key;
    return rc;
}

int sth_key_load(const char *path, int create, EVP_PKEY **out, char *err, size_t err_cap)
{
    FILE *f;
    EVP_PKEY *key;

    *out = NULL;
    f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT && create)
            return key_create(path, out, err, err_cap);
        tdkt_errf(err, err_cap, "cannot open the ledger key %s: %s", path, strerror(errno));
        return errno == ENOENT ? TDKT_ENOTFOUND : TDKT_EIO;
    }
    key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ERR_clear_error();
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(key);
        tdkt_errf(err, err_cap, "%s holds no Ed25519 private key", path);
        return TDKT_EINVAL;
    }
    *out = key;
    return 0;
}

void sth_key_free(EVP_PKEY *key)
{
    EVP_PKEY_free(key);
}

int sth_key_public(EVP_PKEY *key, uint8_t pub[STH_PUB_LEN])
{
    size_t len = STH_PUB_LEN;
    if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != STH_PUB_LEN)
        return TDKT_EINVAL;
    return 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

void sth_tbs(const struct tree_head *h, uint8_t out[STH_TBS_LEN])
{
    memcpy(out, STH_LABEL, 11);
    put_be64(out + 11, h->size);
    memcpy(out + 19, h->root, STH_HASH_LEN);
    put_be64(out + 19 + STH_HASH_LEN, (uint64_t)h->time_ms);
}

int sth_sign(EVP_PKEY *key, struct tree_head *h)
{
    uint8_t tbs[STH_TBS_LEN];
    size_t len = STH_SIG_LEN;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = TDKT_EINVAL;

    if (!ctx)
        return TDKT_ENOMEM;
    sth_tbs(h, tbs);
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestSign(ctx, h->sig, &len, tbs, sizeof tbs) == 1 && len == STH_SIG_LEN)
        rc = 0;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int sth_verify(const uint8_t pub[STH_PUB_LEN], const struct tree_head *h)
{
    uint8_t tbs[STH_TBS_LEN];
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, STH_PUB_LEN);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = TDKT_ECORRUPT;

    if (!key || !ctx) {
        rc = key ? TDKT_ENOMEM : TDKT_EINVAL;
        goto out;
    }
    sth_tbs(h, tbs);
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestVerify(ctx, h->sig, STH_SIG_LEN, tbs, sizeof tbs) == 1)
        rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return rc;
}
