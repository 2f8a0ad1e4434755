/* SPDX-License-Identifier: MIT */
/*
 * The sector PKI on OpenSSL 3 EVP: a self-signed CA, unit and person
 * (client) and server certificates, and the one spelling of a certificate's unit code and serial
 * that the ledger and the TLS transport share (pki_x509_info).
 *
 * Every certificate is built and signed in memory first; only then are its
 * files created, both with O_EXCL so that nothing that exists is replaced. If
 * writing fails half-way, the files this call created are removed, so a
 * failed call leaves the directory as it found it.
 *
 * This module must not log, must not know about the ledger, and must not
 * write any file other than the ones it was asked to write.
 */
#include "pki.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/err.h"

#define PKI_SERIAL_BYTES    20      /* RFC 5280 allows at most 20 octets */
#define PKI_NOT_BEFORE_SKEW 300     /* seconds: tolerate a client clock running behind */
#define PKI_DNS_NAME_MAX    253     /* RFC 1035, without the trailing dot */
#define PKI_DNS_LABEL_MAX   63      /* RFC 1035 */
#define PKI_CA_NAME_MAX     64      /* X.520 ub-common-name */
#define PKI_PATH_MAX        4096    /* ca_dir + "/ca.key" */
#define PKI_ORG             "VKSND" /* O= of every unit and server certificate */
#define PKI_KEY_MODE        0600    /* private keys: owner only */
#define PKI_CERT_MODE       0644    /* certificates are public */
#define PKI_CA_DIR_MODE     0700    /* the CA directory holds the CA key */
#define PKI_EC_CURVE        "P-256"

enum pki_kind { PKI_KIND_CA, PKI_KIND_UNIT, PKI_KIND_SERVER };

/* Format a reason into err and append the newest OpenSSL error, so a person
 * sees both what we were doing and what the library objected to. The error
 * queue is cleared so that a later failure is not blamed on this one. */
__attribute__((format(printf, 3, 4))) static void pki_err_set(char *err, size_t cap,
                                                              const char *fmt, ...)
{
    unsigned long e = ERR_peek_last_error();
    if (err && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err, cap, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < cap && e != 0) {
            char ossl[256];
            ERR_error_string_n(e, ossl, sizeof ossl);
            snprintf(err + n, cap - (size_t)n, " (%s)", ossl);
        }
    }
    ERR_clear_error();
}

/* Unit codes end up in certificate subjects, ledger rows and file names, so
 * the alphabet is deliberately narrow: no case folding, no separators. */
static int pki_code_check(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n > PKI_UNIT_CODE_MAX)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return TDKT_EINVAL;
    }
    return 0;
}

/* 1 if host is an IPv4 or IPv6 literal. */
static int pki_host_is_ip(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A DNS host name as RFC 1123 allows it, lowercased into out. The last label
 * may not be all digits, so a mistyped IP address ("10.0.0.01") is refused
 * rather than certified as a name. */
static int pki_dns_name_check(const char *host, char out[PKI_DNS_NAME_MAX + 1])
{
    size_t n = strlen(host), label = 0;
    int label_digits = 1;
    if (n == 0 || n > PKI_DNS_NAME_MAX)
        return TDKT_EINVAL;
    for (size_t i = 0; i <= n; i++) {
        char c = host[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || host[i - 1] == '-')
                return TDKT_EINVAL;
            if (c == '\0' && label_digits)
                return TDKT_EINVAL;
            label = 0;
            label_digits = 1;
            out[i] = c;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-')
            return TDKT_EINVAL;
        if (c == '-' && label == 0)
            return TDKT_EINVAL;
        if (++label > PKI_DNS_LABEL_MAX)
            return TDKT_EINVAL;
        if (!isdigit((unsigned char)c))
            label_digits = 0;
        out[i] = (char)tolower((unsigned char)c);
    }
    return 0;
}

static int pki_path_join(char *buf, size_t cap, const char *dir, const char *file)
{
    int n = snprintf(buf, cap, "%s/%s", dir, file);
    return n >= 0 && (size_t)n < cap ? 0 : TDKT_ETOOBIG;
}

/* Write all of data to a file that must not exist yet. On any failure the
 * file is removed again: it was ours, since O_EXCL created it. */
static int pki_file_create(const char *path, mode_t mode, const void *data, size_t len,
                           const char *what, char *err, size_t err_cap)
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) {
        int e = errno;
        pki_err_set(err, err_cap, "cannot create %s %s: %s", what, path, strerror(e));
        return e == EEXIST ? TDKT_EEXIST : TDKT_EIO;
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        p += w;
        left -= (size_t)w;
    }
    /* A CA key that vanishes in a power cut would orphan every certificate. */
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    return 0;

fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(path);
    pki_err_set(err, err_cap, "cannot write %s %s: %s", what, path, strerror(e));
    return TDKT_EIO;
}

/* Serialise key and certificate to PEM, then create both files. The key text
 * lives in a secure-memory BIO so it is wiped when freed. */
static int pki_files_write(const char *key_path, EVP_PKEY *key, const char *cert_path, X509 *x,
                           char *err, size_t err_cap)
{
    int rc = TDKT_ENOMEM;
    BIO *kb = BIO_new(BIO_s_secmem());
    BIO *cb = BIO_new(BIO_s_mem());
    char *kp, *cp;
    long kn, cn;

    if (!kb || !cb) {
        pki_err_set(err, err_cap, "out of memory");
        goto out;
    }
    if (!PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, x)) {
        pki_err_set(err, err_cap, "cannot encode key or certificate as PEM");
        rc = TDKT_EINVAL;
        goto out;
    }
    kn = BIO_get_mem_data(kb, &kp);
    cn = BIO_get_mem_data(cb, &cp);
    if (kn <= 0 || cn <= 0) {
        pki_err_set(err, err_cap, "PEM encoding produced no data");
        rc = TDKT_EINVAL;
        goto out;
    }
    rc = pki_file_create(key_path, PKI_KEY_MODE, kp, (size_t)kn, "private key", err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_file_create(cert_path, PKI_CERT_MODE, cp, (size_t)cn, "certificate", err, err_cap);
    if (rc < 0)
        unlink(key_path); /* a key without its certificate is useless; it is ours */
out:
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

/* 20 random bytes with the top bit clear: positive and exactly what RFC 5280
 * allows. Unpredictable serials also defeat chosen-prefix collision tricks. */
static int pki_serial_set(X509 *x)
{
    unsigned char raw[PKI_SERIAL_BYTES];
    int rc = TDKT_EINVAL;
    BIGNUM *bn = NULL;

    do {
        if (RAND_bytes(raw, sizeof raw) != 1)
            goto out;
        raw[0] &= 0x7f;
        BN_free(bn);
        bn = BN_bin2bn(raw, sizeof raw, NULL);
        if (!bn)
            goto out;
    } while (BN_is_zero(bn));
    if (!BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
        goto out;
    rc = 0;
out:
    BN_free(bn);
    OPENSSL_cleanse(raw, sizeof raw);
    return rc;
}

static int pki_ext_add(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!ext)
        return TDKT_EINVAL;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : TDKT_ENOMEM;
}

/* subjectAltName built from typed values rather than a config string, so no
 * host can smuggle in a second name with a comma. */
static int pki_san_add(X509 *x, const char *host, int is_ip)
{
    int rc = TDKT_ENOMEM;
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    ASN1_STRING *val = NULL;

    if (!gens || !gen)
        goto out;
    if (is_ip) {
        val = a2i_IPADDRESS(host);
    } else {
        val = ASN1_IA5STRING_new();
        if (val && !ASN1_STRING_set(val, host, (int)strlen(host))) {
            ASN1_IA5STRING_free(val);
            val = NULL;
        }
    }
    if (!val)
        goto out;
    GENERAL_NAME_set0_value(gen, is_ip ? GEN_IPADD : GEN_DNS, val);
    if (!sk_GENERAL_NAME_push(gens, gen)) {
        goto out; /* gen still owns val */
    }
    gen = NULL;
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
        goto out;
    rc = 0;
out:
    GENERAL_NAME_free(gen);
    GENERAL_NAMES_free(gens);
    return rc;
}

static int pki_name_add(X509_NAME *name, const char *field, const char *value)
{
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value, -1,
                                      -1, 0)
               ? 0
               : TDKT_EINVAL;
}

/*
 * Build and sign one certificate for key. For PKI_KIND_CA the certificate is
 * self-signed (ca_cert and ca_key are NULL); otherwise ca_key signs it and
 * its validity is clamped to the CA's, since a leaf outliving its issuer
 * would only fail later and more confusingly.
 */
static int pki_cert_build(enum pki_kind kind, const char *cn, const char *host, int host_is_ip,
                          EVP_PKEY *key, X509 *ca_cert, EVP_PKEY *ca_key, X509 **out, char *err,
                          size_t err_cap)
{
    int rc = TDKT_EINVAL;
    X509 *x = X509_new();
    X509V3_CTX ctx;
    X509_NAME *name;
    long days = kind == PKI_KIND_CA ? PKI_CA_DAYS : PKI_CERT_DAYS;

    if (!x) {
        rc = TDKT_ENOMEM;
        pki_err_set(err, err_cap, "out of memory");
        goto out;
    }
    if (!X509_set_version(x, X509_VERSION_3) || pki_serial_set(x) < 0 ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -PKI_NOT_BEFORE_SKEW) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) || !X509_set_pubkey(x, key)) {
        pki_err_set(err, err_cap, "cannot set certificate fields");
        goto out;
    }
    if (ca_cert && ASN1_TIME_compare(X509_get0_notAfter(x), X509_get0_notAfter(ca_cert)) > 0 &&
        !X509_set1_notAfter(x, X509_get0_notAfter(ca_cert))) {
        pki_err_set(err, err_cap, "cannot clamp validity to the CA's");
        goto out;
    }

    name = X509_get_subject_name(x);
    if ((cn && pki_name_add(name, "CN", cn) < 0) ||
        (kind != PKI_KIND_CA && pki_name_add(name, "O", PKI_ORG) < 0)) {
        pki_err_set(err, err_cap, "cannot set subject name");
        goto out;
    }
    if (!X509_set_issuer_name(x, ca_cert ? X509_get_subject_name(ca_cert) : name)) {
        pki_err_set(err, err_cap, "cannot set issuer name");
        goto out;
    }

    X509V3_set_ctx(&ctx, ca_cert ? ca_cert : x, x, NULL, NULL, 0);
    switch (kind) {
    case PKI_KIND_CA:
        rc = pki_ext_add(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_subject_key_identifier, "hash");
        break;
    case PKI_KIND_UNIT:
    case PKI_KIND_SERVER:
        rc = pki_ext_add(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_key_usage, "critical,digitalSignature");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_ext_key_usage,
                             kind == PKI_KIND_UNIT ? "clientAuth" : "serverAuth");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_subject_key_identifier, "hash");
        if (rc == 0)
            rc = pki_ext_add(x, &ctx, NID_authority_key_identifier, "keyid:always");
        if (rc == 0 && kind == PKI_KIND_SERVER)
            rc = pki_san_add(x, host, host_is_ip);
        break;
    }
    if (rc < 0) {
        pki_err_set(err, err_cap, "cannot add certificate extensions");
        goto out;
    }

    if (X509_sign(x, ca_key ? ca_key : key, EVP_sha256()) <= 0) {
        rc = TDKT_EINVAL;
        pki_err_set(err, err_cap, "cannot sign the certificate");
        goto out;
    }
    *out = x;
    x = NULL;
    rc = 0;
out:
    X509_free(x);
    return rc;
}

static int pki_key_generate(EVP_PKEY **out, char *err, size_t err_cap)
{
    *out = EVP_EC_gen(PKI_EC_CURVE);
    if (!*out) {
        pki_err_set(err, err_cap, "cannot generate an EC %s key", PKI_EC_CURVE);
        return TDKT_ENOMEM;
    }
    return 0;
}

/* Load ca_dir's CA and check the pair belongs together and is a CA, so a
 * mixed-up directory fails here rather than issuing unverifiable certs. */
static int pki_ca_load(const char *ca_dir, X509 **cert, EVP_PKEY **key, char *err, size_t err_cap)
{
    char kpath[PKI_PATH_MAX], cpath[PKI_PATH_MAX];
    int rc = TDKT_EINVAL;
    BIO *kb = NULL, *cb = NULL;

    *cert = NULL;
    *key = NULL;
    if (pki_path_join(kpath, sizeof kpath, ca_dir, "ca.key") < 0 ||
        pki_path_join(cpath, sizeof cpath, ca_dir, "ca.crt") < 0) {
        pki_err_set(err, err_cap, "CA directory path is too long");
        return TDKT_ETOOBIG;
    }
    kb = BIO_new_file(kpath, "r");
    cb = BIO_new_file(cpath, "r");
    if (!kb || !cb) {
        rc = TDKT_ENOTFOUND;
        pki_err_set(err, err_cap, "cannot open the CA in %s (ca.key, ca.crt)", ca_dir);
        goto out;
    }
    *key = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    *cert = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    if (!*key || !*cert) {
        pki_err_set(err, err_cap, "cannot parse the CA key or certificate in %s", ca_dir);
        goto out;
    }
    if (X509_check_private_key(*cert, *key) != 1) {
        pki_err_set(err, err_cap, "%s does not match %s", kpath, cpath);
        goto out;
    }
    if (X509_check_ca(*cert) == 0) {
        pki_err_set(err, err_cap, "%s is not a CA certificate", cpath);
        goto out;
    }
    rc = 0;
out:
    BIO_free(cb);
    BIO_free(kb);
    if (rc < 0) {
        X509_free(*cert);
        EVP_PKEY_free(*key);
        *cert = NULL;
        *key = NULL;
    }
    return rc;
}

int pki_ca_create(const char *ca_dir, const char *name, char *err, size_t err_cap)
{
    char kpath[PKI_PATH_MAX], cpath[PKI_PATH_MAX];
    int rc;
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    size_t nlen = name ? strlen(name) : 0;

    ERR_clear_error();
    if (!ca_dir || nlen == 0 || nlen > PKI_CA_NAME_MAX) {
        pki_err_set(err, err_cap, "CA name must be 1..%d bytes", PKI_CA_NAME_MAX);
        return TDKT_EINVAL;
    }
    for (size_t i = 0; i < nlen; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f) {
            pki_err_set(err, err_cap, "CA name contains a control character");
            return TDKT_EINVAL;
        }
    }
    if (pki_path_join(kpath, sizeof kpath, ca_dir, "ca.key") < 0 ||
        pki_path_join(cpath, sizeof cpath, ca_dir, "ca.crt") < 0) {
        pki_err_set(err, err_cap, "CA directory path is too long");
        return TDKT_ETOOBIG;
    }
    if (mkdir(ca_dir, PKI_CA_DIR_MODE) != 0 && errno != EEXIST) {
        pki_err_set(err, err_cap, "cannot create CA directory %s: %s", ca_dir, strerror(errno));
        return TDKT_EIO;
    }
    /* Checked up front so an existing CA costs no key generation; O_EXCL in
     * pki_files_write is what actually guarantees it is never replaced. */
    if (access(kpath, F_OK) == 0) {
        pki_err_set(err, err_cap, "%s already exists; refusing to replace the CA key", kpath);
        return TDKT_EEXIST;
    }

    rc = pki_key_generate(&key, err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_cert_build(PKI_KIND_CA, name, NULL, 0, key, NULL, NULL, &x, err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_files_write(kpath, key, cpath, x, err, err_cap);
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return rc;
}

/* Shared by unit and server issuance: everything but the subject and the
 * extensions that differ. */
static int pki_leaf_issue(enum pki_kind kind, const char *ca_dir, const char *cn, const char *host,
                          int host_is_ip, const char *key_path, const char *cert_path,
                          char serial_hex[PKI_SERIAL_HEX_MAX], char *err, size_t err_cap)
{
    int rc;
    X509 *ca_cert = NULL, *x = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;

    if (!key_path || !cert_path || !serial_hex) {
        pki_err_set(err, err_cap, "key path, certificate path and serial buffer are required");
        return TDKT_EINVAL;
    }
    if (access(key_path, F_OK) == 0) {
        pki_err_set(err, err_cap, "%s already exists; refusing to replace a private key", key_path);
        return TDKT_EEXIST;
    }
    rc = pki_ca_load(ca_dir, &ca_cert, &ca_key, err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_key_generate(&key, err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_cert_build(kind, cn, host, host_is_ip, key, ca_cert, ca_key, &x, err, err_cap);
    if (rc < 0)
        goto out;
    rc = pki_serial_hex(X509_get0_serialNumber(x), serial_hex);
    if (rc < 0) {
        pki_err_set(err, err_cap, "cannot format the serial");
        goto out;
    }
    rc = pki_files_write(key_path, key, cert_path, x, err, err_cap);
out:
    X509_free(x);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    X509_free(ca_cert);
    return rc;
}

int pki_issue_unit(const char *ca_dir, const char *unit_code, const char *key_path,
                   const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                   size_t err_cap)
{
    ERR_clear_error();
    if (!ca_dir || pki_code_check(unit_code) < 0) {
        pki_err_set(err, err_cap, "unit code must be 1..%d characters of A-Z, 0-9, _ and -",
                    PKI_UNIT_CODE_MAX);
        return TDKT_EINVAL;
    }
    return pki_leaf_issue(PKI_KIND_UNIT, ca_dir, unit_code, NULL, 0, key_path, cert_path,
                          serial_hex, err, err_cap);
}

int pki_issue_person(const char *ca_dir, const char *person_id, const char *key_path,
                     const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                     size_t err_cap)
{
    ERR_clear_error();
    if (!ca_dir || pki_code_check(person_id) < 0) {
        pki_err_set(err, err_cap, "person id must be 1..%d characters of A-Z, 0-9, _ and -",
                    PKI_UNIT_CODE_MAX);
        return TDKT_EINVAL;
    }
    return pki_leaf_issue(PKI_KIND_UNIT, ca_dir, person_id, NULL, 0, key_path, cert_path,
                          serial_hex, err, err_cap);
}

int pki_issue_server(const char *ca_dir, const char *host, const char *key_path,
                     const char *cert_path, char serial_hex[PKI_SERIAL_HEX_MAX], char *err,
                     size_t err_cap)
{
    char name[PKI_DNS_NAME_MAX + 1];
    int is_ip;

    ERR_clear_error();
    if (!ca_dir || !host || strlen(host) > PKI_DNS_NAME_MAX) {
        pki_err_set(err, err_cap, "server host must be an IP address or a DNS name");
        return TDKT_EINVAL;
    }
    is_ip = pki_host_is_ip(host);
    if (is_ip) {
        memcpy(name, host, strlen(host) + 1);
    } else if (pki_dns_name_check(host, name) < 0) {
        pki_err_set(err, err_cap, "'%s' is neither an IP address nor a valid DNS name", host);
        return TDKT_EINVAL;
    }
    /* The CN is only a label for people; clients match the subjectAltName.
     * X.520 caps a CN at 64 bytes, so a longer DNS name goes without one. */
    return pki_leaf_issue(PKI_KIND_SERVER, ca_dir, strlen(name) <= PKI_CA_NAME_MAX ? name : NULL,
                          name, is_ip, key_path, cert_path, serial_hex, err, err_cap);
}

int pki_serial_hex(const ASN1_INTEGER *serial, char out[PKI_SERIAL_HEX_MAX])
{
    int rc = TDKT_EINVAL;
    BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
    char *hex = NULL;

    out[0] = '\0';
    if (!bn)
        goto out;
    if (BN_is_negative(bn))
        goto out;
    if (BN_num_bytes(bn) > PKI_SERIAL_BYTES) {
        rc = TDKT_ETOOBIG;
        goto out;
    }
    hex = BN_bn2hex(bn);
    if (!hex) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    size_t n = strlen(hex);
    if (n >= PKI_SERIAL_HEX_MAX) {
        rc = TDKT_ETOOBIG;
        goto out;
    }
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)tolower((unsigned char)hex[i]);
    rc = 0;
out:
    OPENSSL_free(hex);
    BN_free(bn);
    return rc;
}

int pki_x509_info(const X509 *cert, char *unit_code, size_t code_cap,
                  char serial_hex[PKI_SERIAL_HEX_MAX], char *err, size_t err_cap)
{
    int rc = TDKT_EAUTH;
    unsigned char *utf8 = NULL;
    const X509_NAME *name;
    int idx, len;

    if (!cert || !unit_code || code_cap == 0 || !serial_hex) {
        pki_err_set(err, err_cap, "invalid arguments");
        return TDKT_EINVAL;
    }
    unit_code[0] = '\0';
    name = X509_get_subject_name(cert);
    idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0) {
        pki_err_set(err, err_cap, "certificate subject has no CN");
        goto out;
    }
    /* Two CNs would let different readers see different identities. */
    if (X509_NAME_get_index_by_NID(name, NID_commonName, idx) >= 0) {
        pki_err_set(err, err_cap, "certificate subject has more than one CN");
        goto out;
    }
    len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
    if (len <= 0 || len > PKI_UNIT_CODE_MAX || memchr(utf8, '\0', (size_t)len)) {
        pki_err_set(err, err_cap, "certificate CN is empty, longer than %d bytes or has a NUL",
                    PKI_UNIT_CODE_MAX);
        goto out;
    }
    if ((size_t)len >= code_cap) {
        rc = TDKT_EINVAL;
        pki_err_set(err, err_cap, "unit code buffer too small");
        goto out;
    }
    rc = pki_serial_hex(X509_get0_serialNumber(cert), serial_hex);
    if (rc < 0) {
        pki_err_set(err, err_cap, "certificate serial is negative or longer than %d bytes",
                    PKI_SERIAL_BYTES);
        rc = TDKT_EAUTH;
        goto out;
    }
    memcpy(unit_code, utf8, (size_t)len);
    unit_code[len] = '\0';
    rc = 0;
out:
    OPENSSL_free(utf8);
    return rc;
}

int pki_cert_info(const char *cert_path, char *unit_code, size_t code_cap,
                  char serial_hex[PKI_SERIAL_HEX_MAX], char *err, size_t err_cap)
{
    int rc;
    BIO *b;
    X509 *x = NULL;

    ERR_clear_error();
    b = cert_path ? BIO_new_file(cert_path, "r") : NULL;
    if (!b) {
        pki_err_set(err, err_cap, "cannot open certificate %s", cert_path ? cert_path : "(null)");
        return TDKT_ENOTFOUND;
    }
    x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    if (!x) {
        rc = TDKT_EINVAL;
        pki_err_set(err, err_cap, "%s is not a PEM certificate", cert_path);
        goto out;
    }
    rc = pki_x509_info(x, unit_code, code_cap, serial_hex, err, err_cap);
out:
    X509_free(x);
    BIO_free(b);
    return rc;
}
