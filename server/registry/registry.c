/* SPDX-License-Identifier: MIT */
/*
 * The registry of units and certificates (see registry.h for the rules).
 * Every mutation validates its input first, then, inside one ledger
 * operation savepoint, checks the current tables, appends its entry (the
 * packed protobuf message) and updates units/certs; any failure rolls the
 * operation back, so an error never leaves an entry without its table change
 * or the reverse. The checks run under the write lock the caller's
 * transaction holds, so another process cannot register the same code
 * between check and insert.
 *
 * Statements here are prepared per call: mutations are rare administrator
 * actions and registry_auth runs once per connection, so caching them would
 * buy nothing worth a second statement cache next to ledger.c's.
 *
 * units.seq is the entry that last changed the row (register or revoke);
 * certs.issued_seq / revoked_seq name the entries of each change, and so do
 * those of person_certs, the Council members' own certificates. A person
 * is the catalog's (persons); this file only reads it, to issue a
 * certificate and to say who a connection is.
 */
#include "server/registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/crypto/pki.h"
#include "common/domain/entry_kinds.h"
#include "common/err.h"
#include "common/log.h"
#include "common/wire/utf8.h"
#include "proto/tdkt.pb-c.h"

_Static_assert((int)REGISTRY_ROLE_REGIONAL == (int)TDKT__ROLE__ROLE_REGIONAL,
               "role values match wire");
_Static_assert((int)REGISTRY_ROLE_CENTRAL == (int)TDKT__ROLE__ROLE_CENTRAL,
               "role values match wire");
_Static_assert((int)REGISTRY_ROLE_PERSON == (int)TDKT__ROLE__ROLE_PERSON, "role values match wire");

#define REGISTRY_SERIAL_HEX_MAX (PKI_SERIAL_HEX_MAX - 1) /* 20 bytes as hex */

/* --- validation ----------------------------------------------------------- */

static int registry_check_code(const char *s)
{
    size_t n;

    if (!s)
        return TDKT_EINVAL;
    n = strnlen(s, LEDGER_UNIT_MAX + 1);
    if (n == 0)
        return TDKT_EINVAL;
    if (n > LEDGER_UNIT_MAX)
        return TDKT_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return TDKT_EINVAL;
    }
    return 0;
}

/* UTF-8 text of min..max bytes without control characters: names and
 * reasons end up in logs and terminal output, where a newline or an escape
 * sequence would let one unit forge lines about another. */
static int registry_check_text(const char *s, size_t min, size_t max)
{
    size_t n;

    if (!s)
        return TDKT_EINVAL;
    n = strnlen(s, max + 1);
    if (n > max)
        return TDKT_ETOOBIG;
    if (n < min)
        return TDKT_EINVAL;
    if (utf8_validate((const uint8_t *)s, n) != 0)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return TDKT_EINVAL;
    }
    return 0;
}

static int registry_check_serial(const char *s)
{
    size_t n;

    if (!s)
        return TDKT_EINVAL;
    n = strnlen(s, REGISTRY_SERIAL_HEX_MAX + 1);
    if (n > REGISTRY_SERIAL_HEX_MAX)
        return TDKT_ETOOBIG;
    if (n == 0 || n % 2 != 0)
        return TDKT_EINVAL;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return TDKT_EINVAL;
    }
    return 0;
}

/* An ISO 8601 UTC time as the PKI writes it; only the alphabet is checked,
 * since the value is informational (TLS enforces the certificate's dates). */
static int registry_check_time(const char *s)
{
    size_t n = strnlen(s, REGISTRY_NOT_AFTER_MAX + 1);

    if (n > REGISTRY_NOT_AFTER_MAX)
        return TDKT_ETOOBIG;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == 'T' || c == 'Z' || c == ':' || c == '-' || c == '.' ||
              c == '+'))
            return TDKT_EINVAL;
    }
    return 0;
}

/* A struct registry_unit field must hold its NUL. */
static int registry_check_field(const char *s, size_t cap)
{
    return strnlen(s, cap) < cap ? 0 : TDKT_ETOOBIG;
}

/* --- database helpers ----------------------------------------------------- */

static int registry_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

    if (rc != SQLITE_OK) {
        log_error("registry: preparing \"%s\" failed: %s", sql, sqlite3_errmsg(db));
        *st = NULL;
        return TDKT_EDB;
    }
    return 0;
}

static int registry_step_error(sqlite3 *db, int rc, const char *what)
{
    log_error("registry: %s failed: %s (%s)", what, sqlite3_errmsg(db), sqlite3_errstr(rc));
    return (rc & 0xff) == SQLITE_CORRUPT ? TDKT_ECORRUPT : TDKT_EDB;
}

/* Copy a column into a fixed field; a longer value can only come from a
 * file edited outside this module. */
static int registry_copy_col(sqlite3_stmt *st, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);

    if (!t) {
        out[0] = '\0';
        return 0;
    }
    if (n >= cap)
        return TDKT_ECORRUPT;
    memcpy(out, t, n);
    out[n] = '\0';
    return 0;
}

static int registry_fill_unit(sqlite3_stmt *st, struct registry_unit *u)
{
    memset(u, 0, sizeof *u);
    if (registry_copy_col(st, 0, u->code, sizeof u->code) < 0 ||
        registry_copy_col(st, 1, u->name, sizeof u->name) < 0 ||
        registry_copy_col(st, 3, u->parent, sizeof u->parent) < 0) {
        log_error("registry: a units row holds a value longer than its limit");
        return TDKT_ECORRUPT;
    }
    u->role = sqlite3_column_int(st, 2);
    u->revoked = sqlite3_column_int(st, 4) != 0;
    u->kind = sqlite3_column_int(st, 5);
    return 0;
}

#define REGISTRY_UNIT_COLS "code, name, role, parent, revoked, kind"

int registry_unit_get(struct ledger *l, const char *code, struct registry_unit *out)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = NULL;
    struct registry_unit u;
    int rc, ret;

    if (!code)
        return TDKT_EINVAL;
    ret = registry_prepare(db, "SELECT " REGISTRY_UNIT_COLS " FROM units WHERE code = ?1", &st);
    if (ret < 0)
        return ret;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret = registry_fill_unit(st, &u);
        if (ret == 0 && out)
            *out = u;
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = registry_step_error(db, rc, "reading a unit");
    }
    sqlite3_finalize(st);
    return ret;
}

int registry_unit_list(struct ledger *l, int (*cb)(void *arg, const struct registry_unit *u),
                       void *arg)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = NULL;
    struct registry_unit u;
    int rc, ret;

    if (!cb)
        return TDKT_EINVAL;
    ret = registry_prepare(db, "SELECT " REGISTRY_UNIT_COLS " FROM units ORDER BY code", &st);
    if (ret < 0)
        return ret;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = registry_fill_unit(st, &u);
        if (ret < 0)
            goto out;
        int stop = cb(arg, &u);
        if (stop != 0) {
            ret = stop < 0 ? stop : 0;
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        ret = registry_step_error(db, rc, "listing units");
out:
    sqlite3_finalize(st);
    return ret;
}

/* Run a write statement whose parameters are bound by the caller. */
static int registry_exec(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    int ret = 0;

    if (rc != SQLITE_DONE)
        ret = registry_step_error(db, rc, what);
    sqlite3_finalize(st);
    return ret;
}

/* --- mutations ------------------------------------------------------------ */

int registry_unit_register(struct ledger *l, int64_t time_ms, const char *actor,
                           const struct registry_unit *u)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = NULL;
    struct registry_unit parent;
    uint64_t seq = 0;
    int ret;

    if (!u)
        return TDKT_EINVAL;
    if ((ret = registry_check_code(actor)) < 0 ||
        (ret = registry_check_field(u->code, sizeof u->code)) < 0 ||
        (ret = registry_check_code(u->code)) < 0 ||
        (ret = registry_check_field(u->name, sizeof u->name)) < 0 ||
        (ret = registry_check_text(u->name, 1, REGISTRY_NAME_MAX)) < 0 ||
        (ret = registry_check_field(u->parent, sizeof u->parent)) < 0 ||
        (u->parent[0] && (ret = registry_check_code(u->parent)) < 0))
        return ret;
    if (u->role != REGISTRY_ROLE_REGIONAL && u->role != REGISTRY_ROLE_CENTRAL)
        return TDKT_EINVAL;
    if (u->kind < 0 || u->kind > REGISTRY_KIND_MAX)
        return TDKT_EINVAL;

    ret = ledger_op_begin(l);
    if (ret < 0)
        return ret;
    if (u->parent[0]) {
        ret = registry_unit_get(l, u->parent, &parent);
        if (ret < 0)
            goto out;
        if (parent.revoked) {
            ret = TDKT_EREVOKED;
            goto out;
        }
    }
    ret = registry_unit_get(l, u->code, NULL);
    if (ret == 0)
        ret = TDKT_EEXIST;
    if (ret != TDKT_ENOTFOUND)
        goto out;

    Tdkt__Unit pu = TDKT__UNIT__INIT;
    Tdkt__UnitRegister m = TDKT__UNIT_REGISTER__INIT;
    pu.code = (char *)u->code;
    pu.name = (char *)u->name;
    pu.role = (Tdkt__Role)u->role;
    m.unit = &pu;
    m.parent_code = (char *)u->parent;
    m.kind = (Tdkt__UnitKind)u->kind;
    ret = ledger_append_msg(l, time_ms, actor, ENTRY_UNIT_REGISTER, &m.base, &seq);
    if (ret < 0)
        goto out;

    ret = registry_prepare(db,
                           "INSERT INTO units(code, name, role, parent, revoked, seq, kind)"
                           " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
                           &st);
    if (ret < 0)
        goto out;
    sqlite3_bind_text(st, 1, u->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, u->name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, u->role);
    if (u->parent[0])
        sqlite3_bind_text(st, 4, u->parent, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)seq);
    sqlite3_bind_int(st, 6, u->kind);
    ret = registry_exec(db, st, "inserting a unit");
out:
    return ledger_op_end(l, ret);
}

int registry_unit_revoke(struct ledger *l, int64_t time_ms, const char *actor, const char *code,
                         const char *reason)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = NULL;
    struct registry_unit u;
    uint64_t seq = 0;
    int ret;

    if (!reason)
        reason = "";
    if ((ret = registry_check_code(actor)) < 0 || (ret = registry_check_code(code)) < 0 ||
        (ret = registry_check_text(reason, 0, REGISTRY_REASON_MAX)) < 0)
        return ret;

    ret = ledger_op_begin(l);
    if (ret < 0)
        return ret;
    ret = registry_unit_get(l, code, &u);
    if (ret < 0)
        goto out;
    if (u.revoked) {
        ret = TDKT_EEXIST;
        goto out;
    }

    Tdkt__UnitRevoke m = TDKT__UNIT_REVOKE__INIT;
    m.unit_code = (char *)code;
    m.reason = (char *)reason;
    ret = ledger_append_msg(l, time_ms, actor, ENTRY_UNIT_REVOKE, &m.base, &seq);
    if (ret < 0)
        goto out;

    ret = registry_prepare(db, "UPDATE units SET revoked = 1, seq = ?1 WHERE code = ?2", &st);
    if (ret < 0)
        goto out;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    ret = registry_exec(db, st, "revoking a unit");
    if (ret == 0 && sqlite3_changes(db) != 1)
        ret = TDKT_EDB;
out:
    return ledger_op_end(l, ret);
}

/*
 * The two tables of certificate holders, written the same way: a unit's
 * (certs) and a Council member's (person_certs). One set of helpers reads
 * and writes either, named by its table.
 */
struct cert_table {
    const char *get_sql, *insert_sql, *revoke_sql;
    const char *reading, *inserting, *revoking; /* what a SQLite error is about */
};

static const struct cert_table unit_certs = {
    "SELECT unit, revoked FROM certs WHERE serial = ?1",
    "INSERT INTO certs(serial, unit, not_after, revoked, issued_seq) VALUES (?1, ?2, ?3, 0, ?4)",
    "UPDATE certs SET revoked = 1, revoked_seq = ?1 WHERE serial = ?2",
    "reading a certificate",
    "inserting a certificate",
    "revoking a certificate"};

static const struct cert_table person_certs = {
    "SELECT person, revoked FROM person_certs WHERE serial = ?1",
    "INSERT INTO person_certs(serial, person, not_after, revoked, issued_seq)"
    " VALUES (?1, ?2, ?3, 0, ?4)",
    "UPDATE person_certs SET revoked = 1, revoked_seq = ?1 WHERE serial = ?2",
    "reading a person certificate",
    "inserting a person certificate",
    "revoking a person certificate"};

/* Look up a certificate of t: its holder (holder_cap bytes) and revoked flag. */
static int cert_get(sqlite3 *db, const struct cert_table *t, const char *serial_hex, char *holder,
                    size_t holder_cap, int *revoked)
{
    sqlite3_stmt *st = NULL;
    int rc, ret;

    ret = registry_prepare(db, t->get_sql, &st);
    if (ret < 0)
        return ret;
    sqlite3_bind_text(st, 1, serial_hex, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret = registry_copy_col(st, 0, holder, holder_cap);
        *revoked = sqlite3_column_int(st, 1) != 0;
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = registry_step_error(db, rc, t->reading);
    }
    sqlite3_finalize(st);
    return ret;
}

static int registry_cert_get(sqlite3 *db, const char *serial_hex, char *unit, size_t unit_cap,
                             int *revoked)
{
    return cert_get(db, &unit_certs, serial_hex, unit, unit_cap, revoked);
}

static int registry_person_cert_get(sqlite3 *db, const char *serial_hex, char *person,
                                    size_t person_cap, int *revoked)
{
    return cert_get(db, &person_certs, serial_hex, person, person_cap, revoked);
}

/* Record a certificate of t issued in entry seq. */
static int cert_insert(sqlite3 *db, const struct cert_table *t, const char *serial_hex,
                       const char *holder, const char *not_after, uint64_t seq)
{
    sqlite3_stmt *st = NULL;
    int ret = registry_prepare(db, t->insert_sql, &st);

    if (ret < 0)
        return ret;
    sqlite3_bind_text(st, 1, serial_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC);
    if (not_after[0])
        sqlite3_bind_text(st, 3, not_after, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    return registry_exec(db, st, t->inserting);
}

/* Mark a certificate of t revoked by entry seq. */
static int cert_mark_revoked(sqlite3 *db, const struct cert_table *t, const char *serial_hex,
                             uint64_t seq)
{
    sqlite3_stmt *st = NULL;
    int ret = registry_prepare(db, t->revoke_sql, &st);

    if (ret < 0)
        return ret;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    sqlite3_bind_text(st, 2, serial_hex, -1, SQLITE_STATIC);
    ret = registry_exec(db, st, t->revoking);
    if (ret == 0 && sqlite3_changes(db) != 1)
        ret = TDKT_EDB;
    return ret;
}

/* The checks both revocations start with, then the certificate of t: its
 * holder into owner; TDKT_EEXIST when already revoked. The caller is in
 * ledger_op_begin. */
static int cert_revocable(sqlite3 *db, const struct cert_table *t, const char *serial_hex,
                          char owner[LEDGER_UNIT_MAX + 1])
{
    int revoked = 0;
    int ret = cert_get(db, t, serial_hex, owner, LEDGER_UNIT_MAX + 1, &revoked);

    return ret < 0 ? ret : revoked ? TDKT_EEXIST : 0;
}

/* The arguments every issue and revocation checks first. */
static int cert_args_ok(const char *actor, const char *serial_hex, const char *holder,
                        const char *not_after, const char *reason)
{
    int ret;

    if ((ret = registry_check_code(actor)) < 0 || (ret = registry_check_serial(serial_hex)) < 0)
        return ret;
    if (holder && (ret = registry_check_code(holder)) < 0)
        return ret;
    if (not_after && (ret = registry_check_time(not_after)) < 0)
        return ret;
    return reason ? registry_check_text(reason, 0, REGISTRY_REASON_MAX) : 0;
}

/* 0 when no certificate, a unit's or a person's, has the serial;
 * TDKT_EEXIST when one has. A serial names one holder. */
static int registry_serial_free(sqlite3 *db, const char *serial_hex)
{
    char owner[LEDGER_UNIT_MAX + 1];
    int revoked = 0;
    int ret = registry_cert_get(db, serial_hex, owner, sizeof owner, &revoked);

    if (ret == TDKT_ENOTFOUND)
        ret = registry_person_cert_get(db, serial_hex, owner, sizeof owner, &revoked);
    if (ret == 0)
        return TDKT_EEXIST;
    return ret == TDKT_ENOTFOUND ? 0 : ret;
}

int registry_cert_issue(struct ledger *l, int64_t time_ms, const char *actor,
                        const char *serial_hex, const char *unit_code, const char *not_after)
{
    sqlite3 *db = ledger_db(l);
    struct registry_unit u;
    uint64_t seq = 0;
    int ret;

    if (!not_after)
        not_after = "";
    if ((ret = cert_args_ok(actor, serial_hex, unit_code, not_after, NULL)) < 0)
        return ret;
    if ((ret = ledger_op_begin(l)) < 0)
        return ret;
    ret = registry_unit_get(l, unit_code, &u);
    if (ret == 0 && u.revoked)
        ret = TDKT_EREVOKED;
    if (ret == 0)
        ret = registry_serial_free(db, serial_hex);
    if (ret == 0) {
        Tdkt__CertIssue m = TDKT__CERT_ISSUE__INIT;
        m.serial_hex = (char *)serial_hex;
        m.unit_code = (char *)unit_code;
        m.not_after = (char *)not_after;
        ret = ledger_append_msg(l, time_ms, actor, ENTRY_CERT_ISSUE, &m.base, &seq);
    }
    if (ret == 0)
        ret = cert_insert(db, &unit_certs, serial_hex, unit_code, not_after, seq);
    return ledger_op_end(l, ret);
}

int registry_cert_revoke(struct ledger *l, int64_t time_ms, const char *actor,
                         const char *serial_hex, const char *reason)
{
    sqlite3 *db = ledger_db(l);
    char owner[LEDGER_UNIT_MAX + 1];
    uint64_t seq = 0;
    int ret;

    if (!reason)
        reason = "";
    if ((ret = cert_args_ok(actor, serial_hex, NULL, NULL, reason)) < 0)
        return ret;
    if ((ret = ledger_op_begin(l)) < 0)
        return ret;
    ret = cert_revocable(db, &unit_certs, serial_hex, owner);
    if (ret == 0) {
        Tdkt__CertRevoke m = TDKT__CERT_REVOKE__INIT;
        m.serial_hex = (char *)serial_hex;
        m.unit_code = owner;
        m.reason = (char *)reason;
        ret = ledger_append_msg(l, time_ms, actor, ENTRY_CERT_REVOKE, &m.base, &seq);
    }
    if (ret == 0)
        ret = cert_mark_revoked(db, &unit_certs, serial_hex, seq);
    return ledger_op_end(l, ret);
}

/* --- the Council members' own certificates --------------------------------- */

int registry_person_get(struct ledger *l, const char *person_id, struct registry_unit *out)
{
    sqlite3 *db = ledger_db(l);
    sqlite3_stmt *st = NULL;
    struct registry_unit p;
    int rc, ret;

    if (!person_id)
        return TDKT_EINVAL;
    ret = registry_prepare(db, "SELECT id, name, unit FROM persons WHERE id = ?1", &st);
    if (ret < 0)
        return ret;
    sqlite3_bind_text(st, 1, person_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(&p, 0, sizeof p);
        /* A person's name may be longer than a unit's (RECORD_NAME_MAX): it
         * only labels the connection, so a long one is shown shortened. */
        utf8_format(p.name, sizeof p.name, "%s",
                    sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
        if (registry_copy_col(st, 0, p.code, sizeof p.code) < 0 ||
            registry_copy_col(st, 2, p.parent, sizeof p.parent) < 0) {
            log_error("registry: a persons row holds a value longer than its limit");
            ret = TDKT_ECORRUPT;
        } else {
            p.role = REGISTRY_ROLE_PERSON;
            if (out)
                *out = p;
        }
    } else if (rc == SQLITE_DONE) {
        ret = TDKT_ENOTFOUND;
    } else {
        ret = registry_step_error(db, rc, "reading a person");
    }
    sqlite3_finalize(st);
    return ret;
}

int registry_person_cert_issue(struct ledger *l, int64_t time_ms, const char *actor,
                               const char *serial_hex, const char *person_id, const char *not_after)
{
    sqlite3 *db = ledger_db(l);
    uint64_t seq = 0;
    int ret;

    if (!not_after)
        not_after = "";
    if ((ret = cert_args_ok(actor, serial_hex, person_id, not_after, NULL)) < 0)
        return ret;
    if ((ret = ledger_op_begin(l)) < 0)
        return ret;
    ret = registry_person_get(l, person_id, NULL);
    /* A person id that is also a unit's code would read that unit's entries. */
    if (ret == 0) {
        ret = registry_unit_get(l, person_id, NULL);
        ret = ret == 0 ? TDKT_EEXIST : ret == TDKT_ENOTFOUND ? 0 : ret;
    }
    if (ret == 0)
        ret = registry_serial_free(db, serial_hex);
    if (ret == 0) {
        Tdkt__PersonCertIssue m = TDKT__PERSON_CERT_ISSUE__INIT;
        m.serial_hex = (char *)serial_hex;
        m.person_id = (char *)person_id;
        m.not_after = (char *)not_after;
        ret = ledger_append_msg(l, time_ms, actor, ENTRY_PERSON_CERT_ISSUE, &m.base, &seq);
    }
    if (ret == 0)
        ret = cert_insert(db, &person_certs, serial_hex, person_id, not_after, seq);
    return ledger_op_end(l, ret);
}

int registry_person_cert_revoke(struct ledger *l, int64_t time_ms, const char *actor,
                                const char *serial_hex, const char *reason,
                                char person_id[LEDGER_UNIT_MAX + 1])
{
    sqlite3 *db = ledger_db(l);
    char owner[LEDGER_UNIT_MAX + 1] = "";
    uint64_t seq = 0;
    int ret;

    if (!reason)
        reason = "";
    if ((ret = cert_args_ok(actor, serial_hex, NULL, NULL, reason)) < 0)
        return ret;
    if ((ret = ledger_op_begin(l)) < 0)
        return ret;
    ret = cert_revocable(db, &person_certs, serial_hex, owner);
    if (person_id && ret != TDKT_ENOTFOUND && owner[0])
        memcpy(person_id, owner, sizeof owner);
    if (ret == 0) {
        Tdkt__PersonCertRevoke m = TDKT__PERSON_CERT_REVOKE__INIT;
        m.serial_hex = (char *)serial_hex;
        m.person_id = owner;
        m.reason = (char *)reason;
        ret = ledger_append_msg(l, time_ms, actor, ENTRY_PERSON_CERT_REVOKE, &m.base, &seq);
    }
    if (ret == 0)
        ret = cert_mark_revoked(db, &person_certs, serial_hex, seq);
    return ledger_op_end(l, ret);
}

/* --- authentication ------------------------------------------------------- */

int registry_auth(struct ledger *l, const char *code, const char *serial_hex,
                  struct registry_unit *out)
{
    struct registry_unit u;
    char owner[LEDGER_UNIT_MAX + 1];
    int revoked = 0;
    int ret;

    if (!code || !serial_hex)
        return TDKT_EINVAL;
    ret = registry_unit_get(l, code, &u);
    if (ret < 0)
        return ret;
    ret = registry_cert_get(ledger_db(l), serial_hex, owner, sizeof owner, &revoked);
    if (ret < 0)
        return ret;
    /* A certificate of another unit is no certificate of this one: the
     * identity check comes before any revocation answer. */
    if (strcmp(owner, u.code) != 0)
        return TDKT_ENOTFOUND;
    if (u.revoked || revoked)
        return TDKT_EREVOKED;
    if (out)
        *out = u;
    return 0;
}

int registry_person_auth(struct ledger *l, const char *person_id, const char *serial_hex,
                         struct registry_unit *out)
{
    char owner[LEDGER_UNIT_MAX + 1];
    int revoked = 0;
    int ret;

    if (!person_id || !serial_hex)
        return TDKT_EINVAL;
    ret = registry_person_cert_get(ledger_db(l), serial_hex, owner, sizeof owner, &revoked);
    if (ret < 0)
        return ret;
    /* A person certificate whose CN names someone else is no certificate of
     * either: the identity check comes before any revocation answer. */
    if (strcmp(owner, person_id) != 0)
        return TDKT_EAUTH;
    ret = registry_person_get(l, owner, out);
    if (ret == TDKT_ENOTFOUND)
        return TDKT_EAUTH;
    if (ret < 0)
        return ret;
    return revoked ? TDKT_EREVOKED : 0;
}
