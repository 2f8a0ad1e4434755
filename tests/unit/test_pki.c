/* SPDX-License-Identifier: MIT */
/*
 * The sector PKI: what an operator relies on when creating the CA and issuing
 * certificates. Keys are private (0600) and never replaced; a unit
 * certificate names exactly the unit and serial the ledger records; it
 * verifies for client authentication under the sector CA and nowhere else;
 * the server certificate names its address.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/crypto/pki.h"
#include "common/err.h"
#include "testutil.h"

#define ERR_CAP 512

static X509 *cert_load(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(x);
    return x;
}

static int file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static mode_t file_mode(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static size_t file_read(const char *path, char *buf, size_t cap)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

/* A temporary directory with a CA in dir/ca. */
struct env {
    char dir[TU_PATH_MAX];
    char ca[TU_PATH_MAX];
    char ca_crt[TU_PATH_MAX];
};

_Static_assert(offsetof(struct env, dir) == 0, "tu_tmp_new gives the first member the directory");

static int env_setup(void **state)
{
    struct env *e = tu_tmp_new(sizeof *e);
    char err[ERR_CAP] = "";
    tu_path(e->ca, sizeof e->ca, "%s/ca", e->dir);
    tu_path(e->ca_crt, sizeof e->ca_crt, "%s/ca/ca.crt", e->dir);
    int rc = pki_ca_create(e->ca, "VKSND Sector CA", err, sizeof err);
    if (rc != 0)
        fail_msg("pki_ca_create: %d %s", rc, err);
    *state = e;
    return 0;
}

static void unit_issue(struct env *e, const char *code, char *key, char *crt,
                       char serial[PKI_SERIAL_HEX_MAX])
{
    char err[ERR_CAP] = "";
    tu_path(key, TU_PATH_MAX, "%s/%s.key", e->dir, code);
    tu_path(crt, TU_PATH_MAX, "%s/%s.crt", e->dir, code);
    int rc = pki_issue_unit(e->ca, code, key, crt, serial, err, sizeof err);
    if (rc != 0)
        fail_msg("pki_issue_unit(%s): %d %s", code, rc, err);
}

/* Verify x under the CA file for purpose; returns the X509_V_* result. */
static int cert_verify(const char *ca_crt, X509 *x, int purpose)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_non_null(store);
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_load_file(store, ca_crt), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, x, NULL), 1);
    assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT);
    int ok = X509_verify_cert(ctx);
    int res = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok == 1 ? X509_V_OK : (res == X509_V_OK ? -1 : res);
}

static void test_ca_files_and_modes(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX];
    tu_path(key, sizeof key, "%s/ca.key", e->ca);

    assert_int_equal(file_mode(key), 0600);
    assert_true(file_exists(e->ca_crt));

    X509 *x = cert_load(e->ca_crt);
    assert_int_equal(X509_check_ca(x), 1);
    assert_true(X509_get_extension_flags(x) & EXFLAG_SS);
    assert_true(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
    assert_false(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
    /* basicConstraints and keyUsage are critical */
    int crit = -1;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    assert_non_null(bc);
    assert_int_equal(crit, 1);
    assert_true(bc->ca);
    BASIC_CONSTRAINTS_free(bc);
    ASN1_BIT_STRING *ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
    assert_non_null(ku);
    assert_int_equal(crit, 1);
    ASN1_BIT_STRING_free(ku);
    assert_non_null(X509_get0_subject_key_id(x));
    assert_int_equal(cert_verify(e->ca_crt, x, X509_PURPOSE_ANY), X509_V_OK);
    X509_free(x);
}

static void test_ca_refuses_overwrite(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], before[4096], after[4096], err[ERR_CAP] = "";
    tu_path(key, sizeof key, "%s/ca.key", e->ca);
    size_t n1 = file_read(key, before, sizeof before);

    assert_int_equal(pki_ca_create(e->ca, "Another CA", err, sizeof err), TDKT_EEXIST);
    assert_non_null(strstr(err, "ca.key"));
    size_t n2 = file_read(key, after, sizeof after);
    assert_int_equal(n1, n2);
    assert_memory_equal(before, after, n1);
}

static void test_issue_refuses_overwrite(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], key2[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX];
    char err[ERR_CAP] = "";
    unit_issue(e, "OVERWRITE", key, crt, serial);

    /* Same key path: refused before any work. */
    tu_path(crt, sizeof crt, "%s/other.crt", e->dir);
    assert_int_equal(pki_issue_unit(e->ca, "OVERWRITE", key, crt, serial, err, sizeof err),
                     TDKT_EEXIST);
    assert_false(file_exists(crt));

    /* New key path, existing certificate: refused, and the new key is not
     * left behind without its certificate. */
    tu_path(key2, sizeof key2, "%s/other.key", e->dir);
    tu_path(crt, sizeof crt, "%s/OVERWRITE.crt", e->dir);
    assert_int_equal(pki_issue_unit(e->ca, "OVERWRITE", key2, crt, serial, err, sizeof err),
                     TDKT_EEXIST);
    assert_false(file_exists(key2));
}

static void test_unit_cert_info(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX];
    char code[PKI_UNIT_CODE_MAX + 1], serial2[PKI_SERIAL_HEX_MAX], err[ERR_CAP] = "";
    unit_issue(e, "VKSCC2", key, crt, serial);

    assert_int_equal(file_mode(key), 0600);
    assert_int_equal(pki_cert_info(crt, code, sizeof code, serial2, err, sizeof err), 0);
    assert_string_equal(code, "VKSCC2");
    assert_string_equal(serial, serial2);
    /* lowercase hex, at most 20 bytes, no sign */
    size_t n = strlen(serial);
    assert_true(n > 0 && n <= 40);
    assert_int_equal(strspn(serial, "0123456789abcdef"), n);

    X509 *x = cert_load(crt);
    char o[16];
    assert_int_equal(
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_organizationName, o, sizeof o), 5);
    assert_string_equal(o, "VKSND");
    assert_int_equal(X509_check_ca(x), 0);
    assert_true(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
    assert_false(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
    assert_true(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
    assert_non_null(X509_get0_authority_key_id(x));
    /* The serial is positive, 20 bytes at most, and pki_serial_hex of it is
     * what issue returned. */
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    assert_non_null(bn);
    assert_false(BN_is_negative(bn));
    assert_true(BN_num_bytes(bn) <= 20);
    BN_free(bn);
    assert_int_equal(pki_serial_hex(X509_get0_serialNumber(x), serial2), 0);
    assert_string_equal(serial, serial2);
    X509_free(x);

    /* A buffer one byte short for the code is refused, not truncated. */
    char small[6];
    assert_int_equal(pki_cert_info(crt, small, sizeof small, serial2, err, sizeof err),
                     TDKT_EINVAL);
}

static void test_serials_differ(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], s1[PKI_SERIAL_HEX_MAX], s2[PKI_SERIAL_HEX_MAX];
    unit_issue(e, "SERIAL-A", key, crt, s1);
    unit_issue(e, "SERIAL-B", key, crt, s2);
    assert_string_not_equal(s1, s2);
}

static void test_bad_unit_codes(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[ERR_CAP];
    char long_code[PKI_UNIT_CODE_MAX + 2];
    const char *bad[] = {"",         "vkscc2",  "VKS CC2", "VKS/CC2", "VKS.CC2", "VKS\xc3\x84",
                         "VKS\nCC2", long_code, NULL};

    memset(long_code, 'A', PKI_UNIT_CODE_MAX + 1);
    long_code[PKI_UNIT_CODE_MAX + 1] = '\0';
    tu_path(key, sizeof key, "%s/bad.key", e->dir);
    tu_path(crt, sizeof crt, "%s/bad.crt", e->dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(pki_issue_unit(e->ca, bad[i], key, crt, serial, err, sizeof err),
                         TDKT_EINVAL);
        assert_non_null(strstr(err, "unit code"));
        assert_false(file_exists(key));
        assert_false(file_exists(crt));
    }

    /* The longest allowed code works. */
    long_code[PKI_UNIT_CODE_MAX] = '\0';
    assert_int_equal(pki_issue_unit(e->ca, long_code, key, crt, serial, err, sizeof err), 0);
    char code[PKI_UNIT_CODE_MAX + 1], serial2[PKI_SERIAL_HEX_MAX];
    assert_int_equal(pki_cert_info(crt, code, sizeof code, serial2, err, sizeof err), 0);
    assert_string_equal(code, long_code);
}

static void test_unit_verifies_for_client_auth(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[ERR_CAP] = "";
    char other[TU_PATH_MAX], other_crt[TU_PATH_MAX];
    unit_issue(e, "VERIFY", key, crt, serial);

    X509 *x = cert_load(crt);
    assert_int_equal(cert_verify(e->ca_crt, x, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    /* Not usable as a server certificate. */
    assert_int_equal(cert_verify(e->ca_crt, x, X509_PURPOSE_SSL_SERVER),
                     X509_V_ERR_INVALID_PURPOSE);

    /* Not trusted under an unrelated CA. */
    tu_path(other, sizeof other, "%s/other-ca", e->dir);
    tu_path(other_crt, sizeof other_crt, "%s/other-ca/ca.crt", e->dir);
    assert_int_equal(pki_ca_create(other, "Other CA", err, sizeof err), 0);
    assert_int_not_equal(cert_verify(other_crt, x, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
    X509_free(x);
}

static void test_server_cert(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[ERR_CAP] = "";
    char code[PKI_UNIT_CODE_MAX + 1], serial2[PKI_SERIAL_HEX_MAX];

    tu_path(key, sizeof key, "%s/server.key", e->dir);
    tu_path(crt, sizeof crt, "%s/server.crt", e->dir);
    assert_int_equal(pki_issue_server(e->ca, "127.0.0.1", key, crt, serial, err, sizeof err), 0);
    assert_int_equal(file_mode(key), 0600);
    assert_int_equal(pki_cert_info(crt, code, sizeof code, serial2, err, sizeof err), 0);
    assert_string_equal(serial, serial2);

    X509 *x = cert_load(crt);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.2", 0), 0);
    assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
    assert_false(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
    assert_int_equal(cert_verify(e->ca_crt, x, X509_PURPOSE_SSL_SERVER), X509_V_OK);
    assert_int_equal(cert_verify(e->ca_crt, x, X509_PURPOSE_SSL_CLIENT),
                     X509_V_ERR_INVALID_PURPOSE);
    /* The IP is in the subjectAltName, not only in the CN. */
    GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    assert_non_null(san);
    assert_int_equal(sk_GENERAL_NAME_num(san), 1);
    assert_int_equal(sk_GENERAL_NAME_value(san, 0)->type, GEN_IPADD);
    GENERAL_NAMES_free(san);
    X509_free(x);

    /* A DNS name is certified lowercased in a DNS SAN. */
    tu_path(key, sizeof key, "%s/dns.key", e->dir);
    tu_path(crt, sizeof crt, "%s/dns.crt", e->dir);
    assert_int_equal(
        pki_issue_server(e->ca, "Ledger.VKSND.example", key, crt, serial, err, sizeof err), 0);
    x = cert_load(crt);
    assert_int_equal(X509_check_host(x, "ledger.vksnd.example", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(x, "other.vksnd.example", 0, 0, NULL), 0);
    X509_free(x);

    /* IPv6 literal. */
    tu_path(key, sizeof key, "%s/v6.key", e->dir);
    tu_path(crt, sizeof crt, "%s/v6.crt", e->dir);
    assert_int_equal(pki_issue_server(e->ca, "::1", key, crt, serial, err, sizeof err), 0);
    x = cert_load(crt);
    assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
    X509_free(x);
}

static void test_bad_server_hosts(void **state)
{
    struct env *e = *state;
    char key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[ERR_CAP];
    const char *bad[] = {"",       "bad host",  "a..b",          "-a.example", "a-.example",
                         ".a.b",   "a.b.",      "10.0.0.01",     "1.2.3",      "a,DNS:evil",
                         "a_b.cd", "*.example", "host\n.example"};

    tu_path(key, sizeof key, "%s/badhost.key", e->dir);
    tu_path(crt, sizeof crt, "%s/badhost.crt", e->dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pki_issue_server(e->ca, bad[i], key, crt, serial, err, sizeof err),
                         TDKT_EINVAL);
        assert_false(file_exists(key));
    }
}

static void test_missing_ca(void **state)
{
    struct env *e = *state;
    char ca[TU_PATH_MAX], key[TU_PATH_MAX], crt[TU_PATH_MAX], serial[PKI_SERIAL_HEX_MAX];
    char err[ERR_CAP] = "";
    tu_path(ca, sizeof ca, "%s/no-such-ca", e->dir);
    tu_path(key, sizeof key, "%s/x.key", e->dir);
    tu_path(crt, sizeof crt, "%s/x.crt", e->dir);
    assert_int_equal(pki_issue_unit(ca, "VKSCC2", key, crt, serial, err, sizeof err),
                     TDKT_ENOTFOUND);
    assert_non_null(strstr(err, "no-such-ca"));
    assert_false(file_exists(key));
}

static void test_serial_hex_spelling(void **state)
{
    (void)state;
    char hex[PKI_SERIAL_HEX_MAX];
    ASN1_INTEGER *ai = ASN1_INTEGER_new();
    BIGNUM *bn = NULL;
    assert_non_null(ai);

    /* A leading zero nibble is kept: whole bytes, as BN_bn2hex writes. */
    assert_int_equal(BN_hex2bn(&bn, "0ABCDEF0"), 8);
    assert_non_null(BN_to_ASN1_INTEGER(bn, ai));
    assert_int_equal(pki_serial_hex(ai, hex), 0);
    assert_string_equal(hex, "0abcdef0");

    /* Negative serials are refused. */
    BN_set_negative(bn, 1);
    assert_non_null(BN_to_ASN1_INTEGER(bn, ai));
    assert_int_equal(pki_serial_hex(ai, hex), TDKT_EINVAL);

    /* 21 bytes exceed RFC 5280. */
    assert_int_equal(BN_hex2bn(&bn, "010203040506070809101112131415161718192021"), 42);
    assert_non_null(BN_to_ASN1_INTEGER(bn, ai));
    assert_int_equal(pki_serial_hex(ai, hex), TDKT_ETOOBIG);

    BN_free(bn);
    ASN1_INTEGER_free(ai);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_files_and_modes),
        cmocka_unit_test(test_ca_refuses_overwrite),
        cmocka_unit_test(test_issue_refuses_overwrite),
        cmocka_unit_test(test_unit_cert_info),
        cmocka_unit_test(test_serials_differ),
        cmocka_unit_test(test_bad_unit_codes),
        cmocka_unit_test(test_unit_verifies_for_client_auth),
        cmocka_unit_test(test_server_cert),
        cmocka_unit_test(test_bad_server_hosts),
        cmocka_unit_test(test_missing_ca),
        cmocka_unit_test(test_serial_hex_spelling),
    };
    return cmocka_run_group_tests(tests, env_setup, tu_tmp_cmocka_teardown);
}
