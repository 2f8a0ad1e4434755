/* SPDX-License-Identifier: MIT */
/*
 * tdktd unit, ca, cert and registry: the units, their certificates, the
 * Council members' certificates and the registry file, written to the
 * ledger as the ADMIN actor.
 */
#include "server/admin/admin.h"

#include <string.h>

#include "common/crypto/pki.h"
#include "common/err.h"
#include "common/text/i18n.h"
#include "common/domain/registry_json.h"
#include "server/clock/clock.h"
#include "server/registry/catalog.h"
#include "server/registry/registry.h"
#include "server/loop/server.h"

/* Run one registry mutation in its own transaction. */
static int admin_commit(struct ledger *l, int rc, const char *what)
{
    if (rc < 0) {
        ledger_rollback(l);
        fprintf(stderr, "tdktd: %s: %s\n", what, tdkt_strerror(rc));
        return 1;
    }
    rc = ledger_commit(l);
    if (rc < 0) {
        fprintf(stderr, _("tdktd: %s: commit failed: %s\n"), what, tdkt_strerror(rc));
        return 1;
    }
    return 0;
}

static int parse_role(const char *s, int *role)
{
    if (strcmp(s, "regional") == 0)
        *role = REGISTRY_ROLE_REGIONAL;
    else if (strcmp(s, "central") == 0)
        *role = REGISTRY_ROLE_CENTRAL;
    else
        return -1;
    return 0;
}

int admin_cmd_unit_add(const struct opts *o)
{
    struct registry_unit u = {0};
    struct ledger *l;
    if (!admin_need(o->code, "--code") || !admin_need(o->name, "--name") ||
        !admin_need(o->role, "--role"))
        return ADMIN_EXIT_USAGE;
    if (parse_role(o->role, &u.role) < 0) {
        fprintf(stderr, _("tdktd: --role must be 'regional' or 'central', not '%s'\n"), o->role);
        return ADMIN_EXIT_USAGE;
    }
    if (strlen(o->code) > LEDGER_UNIT_MAX || strlen(o->name) > REGISTRY_NAME_MAX ||
        (o->parent && strlen(o->parent) > LEDGER_UNIT_MAX)) {
        fprintf(stderr, _("tdktd: code or name too long (code %d, name %d bytes at most)\n"),
                LEDGER_UNIT_MAX, REGISTRY_NAME_MAX);
        return ADMIN_EXIT_USAGE;
    }
    snprintf(u.code, sizeof u.code, "%s", o->code);
    snprintf(u.name, sizeof u.name, "%s", o->name);
    snprintf(u.parent, sizeof u.parent, "%s", o->parent ? o->parent : "");
    if (admin_open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_unit_register(l, clock_now_ms(), ADMIN_ACTOR, &u);
    int st = admin_commit(l, rc, "unit add");
    ledger_close(l);
    if (st == 0)
        printf(_("unit %s registered (%s): %s\n"), u.code, o->role, u.name);
    return st;
}

int admin_cmd_registry_import(const struct opts *o)
{
    const char *path = o->file;
    Tdkt__RegistryRecord **recs = NULL;
    struct fault f;
    struct ledger *l;
    size_t n = 0, appended = 0;
    char err[512];
    int rc, a = 0;

    if (!path) {
        fprintf(stderr, _("tdktd: registry import needs the registry FILE as its last argument\n"));
        return ADMIN_EXIT_USAGE;
    }
    if (registry_json_load_file(path, &recs, &n, err, sizeof err) < 0) {
        fprintf(stderr, "tdktd: %s\n", err);
        return ADMIN_EXIT_USAGE;
    }
    if (admin_open_ledger(o, 0, &l) < 0) {
        registry_records_free(recs, n);
        return 1;
    }
    int64_t t = clock_now_ms();
    rc = ledger_begin(l);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        memset(&f, 0, sizeof f);
        rc = catalog_apply(l, t, ADMIN_ACTOR, recs[i], &a, &f);
        if (rc < 0)
            fprintf(stderr, _("tdktd: %s: record %zu: %s%s%s\n"), path, i + 1, f.field,
                    f.field[0] ? ": " : "", f.why.text[0] ? f.why.text : tdkt_strerror(rc));
        appended += a ? 1 : 0;
    }
    int st = admin_commit(l, rc, "registry import");
    ledger_close(l);
    if (st == 0)
        printf(_("registry %s: %zu records, %zu changed the ledger, %zu already current\n"), path,
               n, appended, n - appended);
    registry_records_free(recs, n);
    return st;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

struct list_ctx {
    int json, n;
};

static int print_unit(void *arg, const struct registry_unit *u)
{
    struct list_ctx *ctx = arg;
    const char *role = u->role == REGISTRY_ROLE_CENTRAL ? "central" : "regional";
    if (ctx->json) {
        printf("%s{\"code\":", ctx->n ? "," : "");
        json_str(stdout, u->code);
        printf(",\"name\":");
        json_str(stdout, u->name);
        printf(",\"role\":\"%s\",\"parent\":", role);
        json_str(stdout, u->parent);
        printf(",\"revoked\":%s}", u->revoked ? "true" : "false");
    } else {
        printf("%-12s %-8s %-8s %s%s\n", u->code, role, u->parent[0] ? u->parent : "-", u->name,
               u->revoked ? "  [revoked]" : "");
    }
    ctx->n++;
    return 0;
}

int admin_cmd_unit_list(const struct opts *o)
{
    struct ledger *l;
    struct list_ctx ctx = {o->json, 0};
    if (admin_open_ledger(o, LEDGER_OPEN_READONLY, &l) < 0)
        return 1;
    if (o->json)
        printf("[");
    int rc = registry_unit_list(l, print_unit, &ctx);
    if (o->json)
        printf("]\n");
    ledger_close(l);
    if (rc < 0) {
        fprintf(stderr, _("tdktd: unit list: %s\n"), tdkt_strerror(rc));
        return 1;
    }
    return 0;
}

int admin_cmd_unit_revoke(const struct opts *o)
{
    struct ledger *l;
    if (!admin_need(o->code, "--code"))
        return ADMIN_EXIT_USAGE;
    if (admin_open_ledger(o, 0, &l) < 0)
        return 1;
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_unit_revoke(l, clock_now_ms(), ADMIN_ACTOR, o->code,
                                  o->reason ? o->reason : "");
    int st = admin_commit(l, rc, "unit revoke");
    ledger_close(l);
    if (st == 0)
        printf(_("unit %s revoked: its certificates no longer connect\n"), o->code);
    return st;
}

int admin_cmd_ca_init(const struct opts *o)
{
    char err[512];
    if (!admin_need(o->ca, "--ca"))
        return ADMIN_EXIT_USAGE;
    if (mkdir(o->ca, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("tdktd: cannot create %s: %s\n"), o->ca, strerror(errno));
        return 1;
    }
    int rc = pki_ca_create(o->ca, o->name ? o->name : "VKSND TDKT CA", err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, _("tdktd: ca init: %s\n"), err);
        return 1;
    }
    printf(_("CA created: %s/ca.crt (keep %s/ca.key offline)\n"), o->ca, o->ca);
    return 0;
}

static int mkdir_out(const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, _("tdktd: cannot create %s: %s\n"), dir, strerror(errno));
        return -1;
    }
    return 0;
}

int admin_cmd_cert_server(const struct opts *o)
{
    char key[PATH_MAX], crt[PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[512];
    if (!admin_need(o->ca, "--ca") || !admin_need(o->host, "--host") ||
        !admin_need(o->out, "--out"))
        return ADMIN_EXIT_USAGE;
    if (mkdir_out(o->out) < 0)
        return 1;
    snprintf(key, sizeof key, "%s/server.key", o->out);
    snprintf(crt, sizeof crt, "%s/server.crt", o->out);
    if (pki_issue_server(o->ca, o->host, key, crt, serial, err, sizeof err) < 0) {
        fprintf(stderr, _("tdktd: cert server: %s\n"), err);
        return 1;
    }
    printf(_("server certificate for %s: %s (serial %s)\n"), o->host, crt, serial);
    return 0;
}

/* The person whose certificate --person asks for, before any file is
 * written: registered, and no unit's code (docs/council.md). Prints why
 * not; 0 or 1. */
static int person_cert_check(struct ledger *l, const char *id, struct registry_unit *p)
{
    int rc = registry_person_get(l, id, p);

    if (rc == TDKT_ENOTFOUND) {
        fprintf(stderr,
                _("tdktd: cert issue: no person '%s' is registered; import them first (the "
                  "registry file's persons, tdktd registry import)\n"),
                id);
        return 1;
    }
    if (rc < 0) {
        fprintf(stderr, _("tdktd: cert issue: cannot read person '%s': %s\n"), id,
                tdkt_strerror(rc));
        return 1;
    }
    if (registry_unit_get(l, id, NULL) == 0) {
        fprintf(stderr,
                _("tdktd: cert issue: '%s' is both a person id and a unit code; a person "
                  "certificate needs an id no unit has\n"),
                id);
        return 1;
    }
    return 0;
}

int admin_cmd_cert_issue(const struct opts *o)
{
    char key[PATH_MAX], crt[PATH_MAX], serial[PKI_SERIAL_HEX_MAX], err[512];
    struct registry_unit u;
    struct ledger *l;
    const char *who = o->person ? o->person : o->code;
    int rc, st;

    if (o->person && o->code)
        return admin_usage("cert issue takes --unit CODE or --person ID, not both");
    if (!admin_need(o->ca, "--ca") || !admin_need(who, "--unit (or --person)") ||
        !admin_need(o->out, "--out"))
        return ADMIN_EXIT_USAGE;
    if (admin_open_ledger(o, 0, &l) < 0)
        return 1;
    /* Refuse before writing any file: the unit must exist and be active,
     * the person be registered. */
    if (o->person) {
        if (person_cert_check(l, o->person, &u) != 0) {
            ledger_close(l);
            return 1;
        }
    } else {
        rc = registry_unit_get(l, o->code, &u);
        if (rc < 0 || u.revoked) {
            fprintf(stderr,
                    _("tdktd: cert issue: unit %s is %s; register it first (tdktd unit add)\n"),
                    o->code, rc < 0 ? "not registered" : "revoked");
            ledger_close(l);
            return 1;
        }
    }
    if (mkdir_out(o->out) < 0) {
        ledger_close(l);
        return 1;
    }
    snprintf(key, sizeof key, "%s/%s.key", o->out, who);
    snprintf(crt, sizeof crt, "%s/%s.crt", o->out, who);
    if ((o->person ? pki_issue_person(o->ca, who, key, crt, serial, err, sizeof err)
                   : pki_issue_unit(o->ca, who, key, crt, serial, err, sizeof err)) < 0) {
        fprintf(stderr, _("tdktd: cert issue: %s\n"), err);
        ledger_close(l);
        return 1;
    }
    rc = ledger_begin(l);
    if (rc == 0)
        rc = o->person ? registry_person_cert_issue(l, clock_now_ms(), ADMIN_ACTOR, serial, who, "")
                       : registry_cert_issue(l, clock_now_ms(), ADMIN_ACTOR, serial, who, "");
    st = admin_commit(l, rc, "cert issue");
    ledger_close(l);
    if (st != 0) {
        /* A certificate not in the ledger cannot connect; remove it so an
         * operator is not misled into handing it out. */
        remove(key);
        remove(crt);
        return st;
    }
    if (o->person)
        printf(_("certificate for %s (%s), who casts the Council's electronic votes: %s, key %s "
                 "(serial %s)\n"),
               u.name, who, crt, key, serial);
    else
        printf(_("certificate for %s: %s, key %s (serial %s)\n"), who, crt, key, serial);
    return 0;
}

int admin_cmd_cert_revoke(const struct opts *o)
{
    char serial[PKI_SERIAL_HEX_MAX], code[PKI_UNIT_CODE_MAX + 1], err[512];
    struct ledger *l;
    if (!o->serial && !o->cert)
        return admin_usage("cert revoke needs --serial HEX or --cert FILE");
    if (o->cert) {
        if (pki_cert_info(o->cert, code, sizeof code, serial, err, sizeof err) < 0) {
            fprintf(stderr, _("tdktd: cert revoke: %s\n"), err);
            return 1;
        }
    } else {
        snprintf(serial, sizeof serial, "%s", o->serial);
    }
    if (admin_open_ledger(o, 0, &l) < 0)
        return 1;
    char person[LEDGER_UNIT_MAX + 1] = "";
    int rc = ledger_begin(l);
    if (rc == 0)
        rc = registry_cert_revoke(l, clock_now_ms(), ADMIN_ACTOR, serial,
                                  o->reason ? o->reason : "");
    /* Not a unit's: perhaps a Council member's (a serial names one holder). */
    if (rc == TDKT_ENOTFOUND)
        rc = registry_person_cert_revoke(l, clock_now_ms(), ADMIN_ACTOR, serial,
                                         o->reason ? o->reason : "", person);
    if (rc == TDKT_EEXIST) {
        ledger_rollback(l);
        ledger_close(l);
        fprintf(stderr, _("tdktd: cert revoke: certificate %s is already revoked\n"), serial);
        return 1;
    }
    if (rc == TDKT_ENOTFOUND) {
        ledger_rollback(l);
        ledger_close(l);
        fprintf(stderr,
                _("tdktd: cert revoke: no unit's or person's certificate has serial %s in this "
                  "ledger\n"),
                serial);
        return 1;
    }
    int st = admin_commit(l, rc, "cert revoke");
    ledger_close(l);
    if (st == 0 && person[0])
        printf(_("certificate %s of person %s revoked: it no longer connects\n"), serial, person);
    else if (st == 0)
        printf(_("certificate %s revoked\n"), serial);
    return st;
}

/* --- serve ---------------------------------------------------------------- */
