/* SPDX-License-Identifier: MIT */
/*
 * A throw-away sector PKI for tests, made with the real pki module in a fresh
 * temporary directory: the sector CA, a server certificate for 127.0.0.1, one
 * unit certificate per requested code, and a second, unrelated CA with its
 * own unit and server certificates ("wrong CA") for the refusal tests.
 * Every step asserts, so a test that gets a fixture can rely on all of it.
 *
 * Layout under dir:  ca/ca.{key,crt}  server.{key,crt}  unit-<CODE>.{key,crt}
 *                    other-ca/ca.{key,crt}  other-unit.{key,crt}
 *                    other-server.{key,crt}
 */
#ifndef TDKT_TESTS_PKI_FIXTURE_H
#define TDKT_TESTS_PKI_FIXTURE_H

#include <stddef.h>

#include "common/crypto/pki.h"
#include "testutil.h"

#define PKI_FIXTURE_UNITS_MAX 8
#define PKI_FIXTURE_HOST      "127.0.0.1" /* the server certificate's subjectAltName */

struct pki_fixture_cert {
    char code[PKI_UNIT_CODE_MAX + 1]; /* CN for units; "" for server certs */
    char cert[TU_PATH_MAX];
    char key[TU_PATH_MAX];
    char serial[PKI_SERIAL_HEX_MAX];
};

struct pki_fixture {
    char dir[TU_PATH_MAX]; /* removed by pki_fixture_destroy */
    char ca_dir[TU_PATH_MAX];
    char ca_cert[TU_PATH_MAX];
    struct pki_fixture_cert server;
    struct pki_fixture_cert units[PKI_FIXTURE_UNITS_MAX];
    size_t n_units;

    /* The unrelated CA. Its unit certificate carries the same code as
     * units[0] (or "VKSCC2"), so only the issuer differs. */
    char other_ca_dir[TU_PATH_MAX];
    char other_ca_cert[TU_PATH_MAX];
    struct pki_fixture_cert other_unit;
    struct pki_fixture_cert other_server; /* for PKI_FIXTURE_HOST */
};

/* Build everything in a new temporary directory; codes[0..n) are unit codes
 * (n <= PKI_FIXTURE_UNITS_MAX). */
void pki_fixture_create(struct pki_fixture *f, const char *const *codes, size_t n);
/* Remove the directory tree. */
void pki_fixture_destroy(struct pki_fixture *f);

#endif
