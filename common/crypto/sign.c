/* SPDX-License-Identifier: MIT */
/*
 * Certificate-key signatures on OpenSSL 3 EVP. See sign.h.
 */
#include "common/crypto/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/crypto/pki.h"
#include "common/err.h"

/* Ed25519 signs the message itself; other keys hash it with SHA-256. */
static const EVP_MD *md_for(EVP_PKEY *k)
{
    return EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

int sign_file_key(const char *key_path, const uint8_t *data, size_t len, uint8_t **sig,
                  size_t *sig_len, char *err, size_t err_cap)
{
    FILE *f = fopen(key_path, "re");
    EVP_PKEY *k;
    EVP_MD_CTX *ctx = NULL;
    size_t n = 0;
    int rc = TDKT_EINVAL;

    *sig = NULL;
    if (!f) {
        tdkt_errf(err, err_cap, "cannot open the key %s", key_path);
        return TDKT_EIO;
    }
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k) {
        tdkt_errf(err, err_cap, "%s holds no private key", key_path);
        goto out;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, md_for(k), NULL, k) != 1 ||
        EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || n == 0 || n > SIGN_SIG_MAX) {
        tdkt_errf(err, err_cap, "cannot sign with %s", key_path);
        goto out;
    }
    *sig = malloc(n);
    if (!*sig) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    if (EVP_DigestSign(ctx, *sig, &n, data, len) != 1) {
        free(*sig);
        *sig = NULL;
        tdkt_errf(err, err_cap, "cannot sign with %s", key_path);
        goto out;
    }
    *sig_len = n;
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    ERR_clear_error();
    return rc;
}

int sign_cert_der(const char *cert_path, uint8_t **der, size_t *len, char *err, size_t err_cap)
{
    FILE *f = fopen(cert_path, "re");
    X509 *x;
    unsigned char *p = NULL;
    int n;

    *der = NULL;
    if (!f) {
        tdkt_errf(err, err_cap, "cannot open the certificate %s", cert_path);
        return TDKT_EIO;
    }
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x) {
        ERR_clear_error();
        tdkt_errf(err, err_cap, "%s holds no certificate", cert_path);
        return TDKT_EINVAL;
    }
    n = i2d_X509(x, &p);
    X509_free(x);
    if (n <= 0 || n > SIGN_CERT_MAX) {
        OPENSSL_free(p);
        return TDKT_EINVAL;
    }
    *der = malloc((size_t)n);
    if (!*der) {
        OPENSSL_free(p);
        return TDKT_ENOMEM;
    }
    memcpy(*der, p, (size_t)n);
    OPENSSL_free(p);
    *len = (size_t)n;
    return 0;
}

static int issued_by(X509 *x, const char *ca_path)
{
    FILE *f = fopen(ca_path, "re");
    X509 *ca;
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    int ok = 0;

    if (!f)
        return 0;
    ca = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!ca)
        return 0;
    store = X509_STORE_new();
    ctx = X509_STORE_CTX_new();
    if (store && ctx && X509_STORE_add_cert(store, ca) == 1 &&
        X509_STORE_CTX_init(ctx, store, x, NULL) == 1) {
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
        /* A signature is judged by the certificate as issued: a ballot
         * signed years ago still verifies after the certificate expired. */
        X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
        ok = X509_verify_cert(ctx) == 1;
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    X509_free(ca);
    return ok;
}

int sign_verify_cert(const uint8_t *der, size_t der_len, const uint8_t *data, size_t len,
                     const uint8_t *sig, size_t sig_len, const char *ca_path, char *unit,
                     char *serial)
{
    const unsigned char *p = der;
    X509 *x = der_len <= SIGN_CERT_MAX ? d2i_X509(NULL, &p, (long)der_len) : NULL;
    EVP_PKEY *k = NULL;
    EVP_MD_CTX *ctx = NULL;
    char code[PKI_UNIT_CODE_MAX + 1], ser[PKI_SERIAL_HEX_MAX];
    int rc = TDKT_EINVAL;

    if (!x || p != der + der_len)
        goto out;
    if (pki_x509_info(x, code, sizeof code, ser, NULL, 0) < 0)
        goto out;
    if (unit)
        snprintf(unit, PKI_UNIT_CODE_MAX + 1, "%s", code);
    if (serial)
        snprintf(serial, PKI_SERIAL_HEX_MAX, "%s", ser);
    if (ca_path && !issued_by(x, ca_path)) {
        rc = TDKT_EAUTH;
        goto out;
    }
    k = X509_get_pubkey(x);
    ctx = EVP_MD_CTX_new();
    if (!k || !ctx || EVP_DigestVerifyInit(ctx, NULL, md_for(k), NULL, k) != 1)
        goto out;
    rc = EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1 ? 0 : TDKT_ECORRUPT;
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    X509_free(x);
    ERR_clear_error();
    return rc;
}
