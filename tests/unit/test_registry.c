/* SPDX-License-Identifier: MIT */
/*
 * The registry on a real ledger file: every mutation is exactly one entry
 * whose payload is the documented protobuf message, every refusal writes
 * nothing (checked after COMMIT, so the registry itself must have undone any
 * partial work), and registry_auth gives the documented answer for each kind
 * of peer.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"
#include "server/ledger/registry.h"

#define T0 1700000000000

struct fx {
    char dir[TU_PATH_MAX];
    char path[TU_PATH_MAX];
    struct ledger *l;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char err[256];
    assert_non_null(f);
    tu_mkdtemp(f->dir);
    tu_path(f->path, sizeof f->path, "%s/ledger.db", f->dir);
    assert_int_equal(ledger_open(f->path, LEDGER_OPEN_CREATE, &f->l, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    ledger_close(f->l);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static uint64_t height(struct ledger *l)
{
    uint64_t h = 0;
    assert_int_equal(ledger_head(l, &h, NULL), 0);
    return h;
}

static int64_t count(struct ledger *l, const char *table)
{
    char sql[128];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    assert_int_equal(sqlite3_prepare_v2(ledger_db(l), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* The state a refused mutation must leave untouched. */
struct snap {
    uint64_t height;
    int64_t units, certs;
};

static struct snap snap_take(struct ledger *l)
{
    struct snap s = {height(l), count(l, "units"), count(l, "certs")};
    return s;
}

static void snap_same(struct ledger *l, struct snap s)
{
    struct snap now = snap_take(l);
    assert_int_equal(now.height, s.height);
    assert_int_equal(now.units, s.units);
    assert_int_equal(now.certs, s.certs);
}

/* Each mutation in its own committed transaction; the transaction is
 * committed even when the mutation failed, so anything it left behind would
 * become durable and be caught by the callers' checks. */
enum op { OP_REGISTER, OP_UNIT_REVOKE, OP_CERT_ISSUE, OP_CERT_REVOKE };

static int run_op(struct ledger *l, enum op op, const char *actor, const struct registry_unit *u,
                  const char *a, const char *b)
{
    struct snap before;
    int rc = TDKT_EINVAL;

    assert_int_equal(ledger_begin(l), 0);
    before = snap_take(l);
    switch (op) {
    case OP_REGISTER:
        rc = registry_unit_register(l, T0, actor, u);
        break;
    case OP_UNIT_REVOKE:
        rc = registry_unit_revoke(l, T0, actor, a, b);
        break;
    case OP_CERT_ISSUE:
        rc = registry_cert_issue(l, T0, actor, a, b, "2030-01-01T00:00:00Z");
        break;
    case OP_CERT_REVOKE:
        rc = registry_cert_revoke(l, T0, actor, a, b);
        break;
    }
    if (rc < 0)
        snap_same(l, before);
    else
        assert_int_equal(height(l), before.height + 1);
    assert_int_equal(ledger_commit(l), 0);
    if (rc < 0)
        snap_same(l, before);
    return rc;
}

/* Copies a fixture string into a fixed field; a fixture that does not fit is a broken test. */
static void fixture_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    assert_true(n < cap);
    memcpy(dst, src, n + 1);
}

static int reg(struct ledger *l, const char *code, const char *name, int role, const char *parent)
{
    struct registry_unit u;
    memset(&u, 0, sizeof u);
    fixture_copy(u.code, sizeof u.code, code);
    fixture_copy(u.name, sizeof u.name, name);
    fixture_copy(u.parent, sizeof u.parent, parent ? parent : "");
    u.role = role;
    return run_op(l, OP_REGISTER, "ADMIN", &u, NULL, NULL);
}

/* Fetch the last entry's actor, kind and payload (malloc'd). */
static void last_entry(struct ledger *l, char *unit, char *kind, uint8_t **payload, size_t *len)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(ledger_db(l),
                                        "SELECT unit, kind, payload FROM ledger"
                                        " ORDER BY seq DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    snprintf(unit, 65, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(kind, 65, "%s", (const char *)sqlite3_column_text(st, 1));
    *len = (size_t)sqlite3_column_bytes(st, 2);
    *payload = malloc(*len + 1);
    assert_non_null(*payload);
    memcpy(*payload, sqlite3_column_blob(st, 2), *len);
    sqlite3_finalize(st);
}

#define NAME_VN "Phòng Cảnh sát PCCC số 2"

static void test_register_get_list(void **state)
{
    struct fx *f = *state;
    struct registry_unit u;

    assert_int_equal(reg(f->l, "CENTRAL", "Cục Cảnh sát", REGISTRY_ROLE_CENTRAL, NULL), 0);
    assert_int_equal(reg(f->l, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(reg(f->l, "VKSCC1", "Số 1", REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(height(f->l), 3);

    assert_int_equal(registry_unit_get(f->l, "VKSCC2", &u), 0);
    assert_string_equal(u.code, "VKSCC2");
    assert_string_equal(u.name, NAME_VN);
    assert_string_equal(u.parent, "CENTRAL");
    assert_int_equal(u.role, REGISTRY_ROLE_REGIONAL);
    assert_int_equal(u.revoked, 0);
    assert_int_equal(registry_unit_get(f->l, "CENTRAL", &u), 0);
    assert_string_equal(u.parent, "");
    assert_int_equal(registry_unit_get(f->l, "NOPE", &u), TDKT_ENOTFOUND);
}

struct list_acc {
    char codes[8][LEDGER_UNIT_MAX + 1];
    int n, stop_after, ret;
};

static int list_cb(void *arg, const struct registry_unit *u)
{
    struct list_acc *acc = arg;
    snprintf(acc->codes[acc->n], sizeof acc->codes[0], "%s", u->code);
    acc->n++;
    return acc->n == acc->stop_after ? acc->ret : 0;
}

static void test_list_order_and_stop(void **state)
{
    struct fx *f = *state;
    struct list_acc acc;

    assert_int_equal(reg(f->l, "B", "b", REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(reg(f->l, "C", "c", REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(reg(f->l, "A", "a", REGISTRY_ROLE_CENTRAL, NULL), 0);

    memset(&acc, 0, sizeof acc);
    assert_int_equal(registry_unit_list(f->l, list_cb, &acc), 0);
    assert_int_equal(acc.n, 3);
    assert_string_equal(acc.codes[0], "A");
    assert_string_equal(acc.codes[1], "B");
    assert_string_equal(acc.codes[2], "C");

    memset(&acc, 0, sizeof acc);
    acc.stop_after = 2;
    acc.ret = 1;
    assert_int_equal(registry_unit_list(f->l, list_cb, &acc), 0);
    assert_int_equal(acc.n, 2);

    memset(&acc, 0, sizeof acc);
    acc.stop_after = 1;
    acc.ret = TDKT_ENOMEM;
    assert_int_equal(registry_unit_list(f->l, list_cb, &acc), TDKT_ENOMEM);
    assert_int_equal(acc.n, 1);
}

static void test_register_refusals_write_nothing(void **state)
{
    struct fx *f = *state;
    struct registry_unit u;
    char long_code[LEDGER_UNIT_MAX + 2];

    assert_int_equal(reg(f->l, "CENTRAL", "Cục", REGISTRY_ROLE_CENTRAL, NULL), 0);

    assert_int_equal(reg(f->l, "vks", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "A B", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "A.B", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "\xC3\x28", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "\xC0\xAF", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "\xED\xA0\x80", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "two\nlines", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "x", 0, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "x", 3, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "x", REGISTRY_ROLE_REGIONAL, "NOPARENT"), TDKT_ENOTFOUND);
    assert_int_equal(reg(f->l, "OK", "x", REGISTRY_ROLE_REGIONAL, "bad parent"), TDKT_EINVAL);
    assert_int_equal(reg(f->l, "OK", "x", REGISTRY_ROLE_REGIONAL, "OK"), TDKT_ENOTFOUND);
    assert_int_equal(reg(f->l, "CENTRAL", "again", REGISTRY_ROLE_CENTRAL, NULL), TDKT_EEXIST);

    /* Longest code is fine; one more byte (no room for the NUL) is not. */
    memset(long_code, 'X', sizeof long_code);
    long_code[LEDGER_UNIT_MAX] = '\0';
    assert_int_equal(reg(f->l, long_code, "x", REGISTRY_ROLE_REGIONAL, NULL), 0);
    memset(&u, 0, sizeof u);
    memset(u.code, 'Y', sizeof u.code);
    snprintf(u.name, sizeof u.name, "x");
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f->l, OP_REGISTER, "ADMIN", &u, NULL, NULL), TDKT_ETOOBIG);
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "OK");
    memset(u.name, 'n', sizeof u.name);
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f->l, OP_REGISTER, "ADMIN", &u, NULL, NULL), TDKT_ETOOBIG);
    /* The actor follows the code rules too. */
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "OK");
    snprintf(u.name, sizeof u.name, "x");
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f->l, OP_REGISTER, "admin", &u, NULL, NULL), TDKT_EINVAL);
    assert_int_equal(run_op(f->l, OP_REGISTER, "", &u, NULL, NULL), TDKT_EINVAL);
    long_code[LEDGER_UNIT_MAX] = 'X';
    long_code[LEDGER_UNIT_MAX + 1] = '\0';
    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, long_code, "x"), TDKT_ETOOBIG);

    /* A parent that was revoked takes no new children. */
    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "CENTRAL", "closed"), 0);
    assert_int_equal(reg(f->l, "CHILD", "x", REGISTRY_ROLE_REGIONAL, "CENTRAL"), TDKT_EREVOKED);

    /* A mutation outside a transaction is refused before it writes. */
    uint64_t h = height(f->l);
    assert_int_equal(registry_unit_register(f->l, T0, "ADMIN", &u), TDKT_EINVAL);
    assert_int_equal(height(f->l), h);
    assert_int_equal(count(f->l, "units"), 2);
}

static void test_cert_issue_revoke(void **state)
{
    struct fx *f = *state;
    char serial_long[64];

    assert_int_equal(reg(f->l, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "0a1b2c", "VKSCC2"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "0a1b2c", "VKSCC2"), TDKT_EEXIST);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "ff", "NOUNIT"), TDKT_ENOTFOUND);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "0A1B", "VKSCC2"), TDKT_EINVAL);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "abc", "VKSCC2"), TDKT_EINVAL);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "", "VKSCC2"), TDKT_EINVAL);
    memset(serial_long, 'a', 42);
    serial_long[42] = '\0';
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, serial_long, "VKSCC2"),
                     TDKT_ETOOBIG);
    serial_long[40] = '\0'; /* 20 bytes: the longest serial */
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, serial_long, "VKSCC2"), 0);

    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "dead", "lost"), TDKT_ENOTFOUND);
    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "bad\x1b[2J"),
                     TDKT_EINVAL);
    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "key lost"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "again"), TDKT_EEXIST);
    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, serial_long, NULL), 0);

    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(ledger_db(f->l),
                                        "SELECT unit, not_after, revoked, issued_seq, revoked_seq"
                                        " FROM certs WHERE serial = '0a1b2c'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "VKSCC2");
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "2030-01-01T00:00:00Z");
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int64(st, 3), 2);
    assert_int_equal(sqlite3_column_int64(st, 4), 4);
    sqlite3_finalize(st);

    /* A revoked unit gets no new certificate. */
    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "closed"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "beef", "VKSCC2"), TDKT_EREVOKED);
}

static void test_auth(void **state)
{
    struct fx *f = *state;
    struct registry_unit u;

    assert_int_equal(reg(f->l, "CENTRAL", "Cục", REGISTRY_ROLE_CENTRAL, NULL), 0);
    assert_int_equal(reg(f->l, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(reg(f->l, "VKSCC3", "Số 3", REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "01", "VKSCC2"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "02", "VKSCC2"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "03", "VKSCC3"), 0);
    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "ADMIN", NULL, "04", "CENTRAL"), 0);

    memset(&u, 0, sizeof u);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "01", &u), 0);
    assert_string_equal(u.code, "VKSCC2");
    assert_string_equal(u.name, NAME_VN);
    assert_int_equal(u.role, REGISTRY_ROLE_REGIONAL);
    assert_int_equal(registry_auth(f->l, "CENTRAL", "04", &u), 0);
    assert_int_equal(u.role, REGISTRY_ROLE_CENTRAL);

    assert_int_equal(registry_auth(f->l, "NOBODY", "01", &u), TDKT_ENOTFOUND);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "99", &u), TDKT_ENOTFOUND);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "03", &u), TDKT_ENOTFOUND); /* VKSCC3's */
    assert_int_equal(registry_auth(f->l, "vkscc2", "01", &u), TDKT_ENOTFOUND);

    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "01", "lost"), 0);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "01", &u), TDKT_EREVOKED);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "02", &u), 0); /* the other still works */

    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "merged"), 0);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "02", &u), TDKT_EREVOKED);
    assert_int_equal(registry_unit_get(f->l, "VKSCC2", &u), 0);
    assert_int_equal(u.revoked, 1); /* marked, never deleted */
    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "x"), TDKT_EEXIST);
    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "NOBODY", "x"), TDKT_ENOTFOUND);
    /* Other units are unaffected. */
    assert_int_equal(registry_auth(f->l, "VKSCC3", "03", &u), 0);
}

static void test_entries_carry_protobuf(void **state)
{
    struct fx *f = *state;
    char unit[65], kind[65];
    uint8_t *p = NULL;
    size_t n = 0;
    uint64_t bad = 0;

    assert_int_equal(reg(f->l, "CENTRAL", "Cục", REGISTRY_ROLE_CENTRAL, NULL), 0);
    assert_int_equal(reg(f->l, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(height(f->l), 2);
    last_entry(f->l, unit, kind, &p, &n);
    assert_string_equal(unit, "ADMIN");
    assert_string_equal(kind, "unit.register");
    Tdkt__UnitRegister *ur = tdkt__unit_register__unpack(NULL, n, p);
    assert_non_null(ur);
    assert_non_null(ur->unit);
    assert_string_equal(ur->unit->code, "VKSCC2");
    assert_string_equal(ur->unit->name, NAME_VN);
    assert_int_equal(ur->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    assert_string_equal(ur->parent_code, "CENTRAL");
    tdkt__unit_register__free_unpacked(ur, NULL);
    free(p);

    assert_int_equal(run_op(f->l, OP_CERT_ISSUE, "CENTRAL", NULL, "00ff", "VKSCC2"), 0);
    assert_int_equal(height(f->l), 3);
    last_entry(f->l, unit, kind, &p, &n);
    assert_string_equal(unit, "CENTRAL");
    assert_string_equal(kind, "cert.issue");
    Tdkt__CertIssue *ci = tdkt__cert_issue__unpack(NULL, n, p);
    assert_non_null(ci);
    assert_string_equal(ci->serial_hex, "00ff");
    assert_string_equal(ci->unit_code, "VKSCC2");
    assert_string_equal(ci->not_after, "2030-01-01T00:00:00Z");
    tdkt__cert_issue__free_unpacked(ci, NULL);
    free(p);

    assert_int_equal(run_op(f->l, OP_CERT_REVOKE, "ADMIN", NULL, "00ff", "khóa bị mất"), 0);
    assert_int_equal(height(f->l), 4);
    last_entry(f->l, unit, kind, &p, &n);
    assert_string_equal(kind, "cert.revoke");
    Tdkt__CertRevoke *cr = tdkt__cert_revoke__unpack(NULL, n, p);
    assert_non_null(cr);
    assert_string_equal(cr->serial_hex, "00ff");
    assert_string_equal(cr->unit_code, "VKSCC2");
    assert_string_equal(cr->reason, "khóa bị mất");
    tdkt__cert_revoke__free_unpacked(cr, NULL);
    free(p);

    assert_int_equal(run_op(f->l, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "merged"), 0);
    assert_int_equal(height(f->l), 5);
    last_entry(f->l, unit, kind, &p, &n);
    assert_string_equal(kind, "unit.revoke");
    Tdkt__UnitRevoke *rv = tdkt__unit_revoke__unpack(NULL, n, p);
    assert_non_null(rv);
    assert_string_equal(rv->unit_code, "VKSCC2");
    assert_string_equal(rv->reason, "merged");
    tdkt__unit_revoke__free_unpacked(rv, NULL);
    free(p);

    assert_int_equal(ledger_verify_log(f->l, &bad), 0);

    /* The derived tables name the entries that changed them. */
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(ledger_db(f->l),
                                        "SELECT seq, revoked FROM units WHERE code = 'VKSCC2'", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 5);
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    sqlite3_finalize(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_get_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_order_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_issue_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entries_carry_protobuf, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
