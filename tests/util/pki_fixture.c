/* SPDX-License-Identifier: MIT */
/*
 * Test PKI built with the production pki module, so the tests exercise the
 * same certificates the sector will deploy. See pki_fixture.h.
 */
#include "pki_fixture.h"

#include <stdio.h>
#include <string.h>

static void pki_fixture_issue_unit(const char *ca_dir, const char *dir, const char *prefix,
                                   const char *code, struct pki_fixture_cert *c)
{
    char err[512] = "";
    snprintf(c->code, sizeof c->code, "%s", code);
    tu_path(c->cert, sizeof c->cert, "%s/%s.crt", dir, prefix);
    tu_path(c->key, sizeof c->key, "%s/%s.key", dir, prefix);
    int rc = pki_issue_unit(ca_dir, code, c->key, c->cert, c->serial, err, sizeof err);
    if (rc != 0)
        fail_msg("pki_issue_unit(%s): %d %s", code, rc, err);
}

static void pki_fixture_issue_server(const char *ca_dir, const char *dir, const char *prefix,
                                     struct pki_fixture_cert *c)
{
    char err[512] = "";
    c->code[0] = '\0';
    tu_path(c->cert, sizeof c->cert, "%s/%s.crt", dir, prefix);
    tu_path(c->key, sizeof c->key, "%s/%s.key", dir, prefix);
    int rc =
        pki_issue_server(ca_dir, PKI_FIXTURE_HOST, c->key, c->cert, c->serial, err, sizeof err);
    if (rc != 0)
        fail_msg("pki_issue_server: %d %s", rc, err);
}

static void pki_fixture_ca(const char *ca_dir, const char *name, char *cert, size_t cert_cap)
{
    char err[512] = "";
    int rc = pki_ca_create(ca_dir, name, err, sizeof err);
    if (rc != 0)
        fail_msg("pki_ca_create(%s): %d %s", ca_dir, rc, err);
    tu_path(cert, cert_cap, "%s/ca.crt", ca_dir);
}

void pki_fixture_create(struct pki_fixture *f, const char *const *codes, size_t n)
{
    char prefix[TU_PATH_MAX];

    memset(f, 0, sizeof *f);
    assert_true(n <= PKI_FIXTURE_UNITS_MAX);
    tu_mkdtemp(f->dir);

    tu_path(f->ca_dir, sizeof f->ca_dir, "%s/ca", f->dir);
    pki_fixture_ca(f->ca_dir, "VKSND test CA", f->ca_cert, sizeof f->ca_cert);
    pki_fixture_issue_server(f->ca_dir, f->dir, "server", &f->server);
    for (size_t i = 0; i < n; i++) {
        tu_path(prefix, sizeof prefix, "unit-%s", codes[i]);
        pki_fixture_issue_unit(f->ca_dir, f->dir, prefix, codes[i], &f->units[i]);
    }
    f->n_units = n;

    tu_path(f->other_ca_dir, sizeof f->other_ca_dir, "%s/other-ca", f->dir);
    pki_fixture_ca(f->other_ca_dir, "Unrelated CA", f->other_ca_cert, sizeof f->other_ca_cert);
    pki_fixture_issue_unit(f->other_ca_dir, f->dir, "other-unit", n > 0 ? codes[0] : "VKSCC2",
                           &f->other_unit);
    pki_fixture_issue_server(f->other_ca_dir, f->dir, "other-server", &f->other_server);
}

void pki_fixture_destroy(struct pki_fixture *f)
{
    if (f->dir[0])
        tu_rm_rf(f->dir);
    memset(f, 0, sizeof *f);
}
