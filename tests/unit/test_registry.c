/* SPDX-License-Identifier: MIT */
/*
 * The registry on a real ledger file: every mutation is exactly one entry
 * whose payload is the documented protobuf message, every refusal writes
 * nothing (checked after COMMIT, so the registry itself must have undone any
 * partial work), and registry_auth and registry_person_auth give the
 * documented answer for each kind of peer.
 */
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/err.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

#define T0 1700000000000

/* The state a refused mutation must leave untouched. */
struct snap {
    uint64_t height;
    int64_t units, certs;
};

static struct snap snap_take(struct tu_ledger *t)
{
    struct snap s = {tu_ledger_height(t), tu_ledger_sql_int(t, "SELECT count(*) FROM units"),
                     tu_ledger_sql_int(t, "SELECT count(*) FROM certs")};
    return s;
}

static void snap_same(struct tu_ledger *t, struct snap s)
{
    struct snap now = snap_take(t);
    assert_int_equal(now.height, s.height);
    assert_int_equal(now.units, s.units);
    assert_int_equal(now.certs, s.certs);
}

/* Each mutation in its own committed transaction; the transaction is
 * committed even when the mutation failed, so anything it left behind would
 * become durable and be caught by the callers' checks. */
enum op { OP_REGISTER, OP_UNIT_REVOKE, OP_CERT_ISSUE, OP_CERT_REVOKE };

static int run_op(struct tu_ledger *t, enum op op, const char *actor, const struct registry_unit *u,
                  const char *a, const char *b)
{
    struct snap before;
    int rc = TDKT_EINVAL;

    assert_int_equal(ledger_begin(t->l), 0);
    before = snap_take(t);
    switch (op) {
    case OP_REGISTER:
        rc = registry_unit_register(t->l, T0, actor, u);
        break;
    case OP_UNIT_REVOKE:
        rc = registry_unit_revoke(t->l, T0, actor, a, b);
        break;
    case OP_CERT_ISSUE:
        rc = registry_cert_issue(t->l, T0, actor, a, b, "2030-01-01T00:00:00Z");
        break;
    case OP_CERT_REVOKE:
        rc = registry_cert_revoke(t->l, T0, actor, a, b);
        break;
    }
    if (rc < 0)
        snap_same(t, before);
    else
        assert_int_equal(tu_ledger_height(t), before.height + 1);
    assert_int_equal(ledger_commit(t->l), 0);
    if (rc < 0)
        snap_same(t, before);
    return rc;
}

/* Copies a fixture string into a fixed field; a fixture that does not fit is a broken test. */
static void fixture_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    assert_true(n < cap);
    memcpy(dst, src, n + 1);
}

static int reg(struct tu_ledger *t, const char *code, const char *name, int role,
               const char *parent)
{
    struct registry_unit u;
    memset(&u, 0, sizeof u);
    fixture_copy(u.code, sizeof u.code, code);
    fixture_copy(u.name, sizeof u.name, name);
    fixture_copy(u.parent, sizeof u.parent, parent ? parent : "");
    u.role = role;
    return run_op(t, OP_REGISTER, "ADMIN", &u, NULL, NULL);
}

/* The ledger is height entries high and its last entry is actor's, of kind,
 * with a payload of type; returns the payload, unpacked (the caller frees it
 * with protobuf_c_message_free_unpacked). */
static ProtobufCMessage *last_entry(struct tu_ledger *t, uint64_t height, const char *actor,
                                    const char *kind, const ProtobufCMessageDescriptor *type)
{
    sqlite3_stmt *st;
    ProtobufCMessage *m;

    assert_int_equal(tu_ledger_height(t), height);
    st = tu_ledger_row(t, "SELECT unit, kind, payload FROM ledger ORDER BY seq DESC LIMIT 1");
    assert_string_equal((const char *)sqlite3_column_text(st, 0), actor);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), kind);
    m = protobuf_c_message_unpack(type, NULL, (size_t)sqlite3_column_bytes(st, 2),
                                  sqlite3_column_blob(st, 2));
    sqlite3_finalize(st);
    assert_non_null(m);
    return m;
}

#define NAME_VN "Phòng Cảnh sát PCCC số 2"

/* A central office, CENTRAL, and two regional ones under it: VKSCC2 and
 * other; three entries. */
static void reg_three(struct tu_ledger *t, const char *central_name, const char *other,
                      const char *other_name)
{
    assert_int_equal(reg(t, "CENTRAL", central_name, REGISTRY_ROLE_CENTRAL, NULL), 0);
    assert_int_equal(reg(t, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(reg(t, other, other_name, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    assert_int_equal(tu_ledger_height(t), 3);
}

static void test_register_get_list(void **state)
{
    struct tu_ledger *f = *state;
    struct registry_unit u;

    reg_three(f, "Cục Cảnh sát", "VKSCC1", "Số 1");

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
    struct tu_ledger *f = *state;
    struct list_acc acc;

    assert_int_equal(reg(f, "B", "b", REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(reg(f, "C", "c", REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(reg(f, "A", "a", REGISTRY_ROLE_CENTRAL, NULL), 0);

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
    struct tu_ledger *f = *state;
    struct registry_unit u;
    char long_code[LEDGER_UNIT_MAX + 2];

    assert_int_equal(reg(f, "CENTRAL", "Cục", REGISTRY_ROLE_CENTRAL, NULL), 0);

    assert_int_equal(reg(f, "vks", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "A B", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "A.B", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "", "x", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "\xC3\x28", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "\xC0\xAF", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "\xED\xA0\x80", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "two\nlines", REGISTRY_ROLE_REGIONAL, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "x", 0, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "x", 3, NULL), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "x", REGISTRY_ROLE_REGIONAL, "NOPARENT"), TDKT_ENOTFOUND);
    assert_int_equal(reg(f, "OK", "x", REGISTRY_ROLE_REGIONAL, "bad parent"), TDKT_EINVAL);
    assert_int_equal(reg(f, "OK", "x", REGISTRY_ROLE_REGIONAL, "OK"), TDKT_ENOTFOUND);
    assert_int_equal(reg(f, "CENTRAL", "again", REGISTRY_ROLE_CENTRAL, NULL), TDKT_EEXIST);

    /* Longest code is fine; one more byte (no room for the NUL) is not. */
    memset(long_code, 'X', sizeof long_code);
    long_code[LEDGER_UNIT_MAX] = '\0';
    assert_int_equal(reg(f, long_code, "x", REGISTRY_ROLE_REGIONAL, NULL), 0);
    memset(&u, 0, sizeof u);
    memset(u.code, 'Y', sizeof u.code);
    snprintf(u.name, sizeof u.name, "x");
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f, OP_REGISTER, "ADMIN", &u, NULL, NULL), TDKT_ETOOBIG);
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "OK");
    memset(u.name, 'n', sizeof u.name);
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f, OP_REGISTER, "ADMIN", &u, NULL, NULL), TDKT_ETOOBIG);
    /* The actor follows the code rules too. */
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "OK");
    snprintf(u.name, sizeof u.name, "x");
    u.role = REGISTRY_ROLE_REGIONAL;
    assert_int_equal(run_op(f, OP_REGISTER, "admin", &u, NULL, NULL), TDKT_EINVAL);
    assert_int_equal(run_op(f, OP_REGISTER, "", &u, NULL, NULL), TDKT_EINVAL);
    long_code[LEDGER_UNIT_MAX] = 'X';
    long_code[LEDGER_UNIT_MAX + 1] = '\0';
    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, long_code, "x"), TDKT_ETOOBIG);

    /* A parent that was revoked takes no new children. */
    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, "CENTRAL", "closed"), 0);
    assert_int_equal(reg(f, "CHILD", "x", REGISTRY_ROLE_REGIONAL, "CENTRAL"), TDKT_EREVOKED);

    /* A mutation outside a transaction is refused before it writes. */
    uint64_t h = tu_ledger_height(f);
    assert_int_equal(registry_unit_register(f->l, T0, "ADMIN", &u), TDKT_EINVAL);
    assert_int_equal(tu_ledger_height(f), h);
    assert_int_equal(tu_ledger_sql_int(f, "SELECT count(*) FROM units"), 2);
}

static void test_cert_issue_revoke(void **state)
{
    struct tu_ledger *f = *state;
    char serial_long[64];

    assert_int_equal(reg(f, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, NULL), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "0a1b2c", "VKSCC2"), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "0a1b2c", "VKSCC2"), TDKT_EEXIST);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "ff", "NOUNIT"), TDKT_ENOTFOUND);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "0A1B", "VKSCC2"), TDKT_EINVAL);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "abc", "VKSCC2"), TDKT_EINVAL);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "", "VKSCC2"), TDKT_EINVAL);
    memset(serial_long, 'a', 42);
    serial_long[42] = '\0';
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, serial_long, "VKSCC2"), TDKT_ETOOBIG);
    serial_long[40] = '\0'; /* 20 bytes: the longest serial */
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, serial_long, "VKSCC2"), 0);

    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "dead", "lost"), TDKT_ENOTFOUND);
    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "bad\x1b[2J"), TDKT_EINVAL);
    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "key lost"), 0);
    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "0a1b2c", "again"), TDKT_EEXIST);
    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, serial_long, NULL), 0);

    sqlite3_stmt *st = tu_ledger_row(f, "SELECT unit, not_after, revoked, issued_seq, revoked_seq"
                                        " FROM certs WHERE serial = '0a1b2c'");
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "VKSCC2");
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "2030-01-01T00:00:00Z");
    assert_int_equal(sqlite3_column_int(st, 2), 1);
    assert_int_equal(sqlite3_column_int64(st, 3), 2);
    assert_int_equal(sqlite3_column_int64(st, 4), 4);
    sqlite3_finalize(st);

    /* A revoked unit gets no new certificate. */
    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "closed"), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "beef", "VKSCC2"), TDKT_EREVOKED);
}

static void test_auth(void **state)
{
    struct tu_ledger *f = *state;
    struct registry_unit u;

    reg_three(f, "Cục", "VKSCC3", "Số 3");
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "01", "VKSCC2"), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "02", "VKSCC2"), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "03", "VKSCC3"), 0);
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "04", "CENTRAL"), 0);

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

    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "01", "lost"), 0);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "01", &u), TDKT_EREVOKED);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "02", &u), 0); /* the other still works */

    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "merged"), 0);
    assert_int_equal(registry_auth(f->l, "VKSCC2", "02", &u), TDKT_EREVOKED);
    assert_int_equal(registry_unit_get(f->l, "VKSCC2", &u), 0);
    assert_int_equal(u.revoked, 1); /* marked, never deleted */
    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, "VKSCC2", "x"), TDKT_EEXIST);
    assert_int_equal(run_op(f, OP_UNIT_REVOKE, "ADMIN", NULL, "NOBODY", "x"), TDKT_ENOTFOUND);
    /* Other units are unaffected. */
    assert_int_equal(registry_auth(f->l, "VKSCC3", "03", &u), 0);
}

/* One person-certificate mutation in its own committed transaction; a
 * refusal must leave the ledger and person_certs as they were. */
static int person_op(struct tu_ledger *t, int revoke, const char *serial, const char *person,
                     char owner[LEDGER_UNIT_MAX + 1])
{
    uint64_t height = tu_ledger_height(t);
    int64_t rows = tu_ledger_sql_int(t, "SELECT count(*) FROM person_certs WHERE revoked = 0");
    int rc;

    assert_int_equal(ledger_begin(t->l), 0);
    rc = revoke ? registry_person_cert_revoke(t->l, T0, "ADMIN", serial, "key lost", owner)
                : registry_person_cert_issue(t->l, T0, "ADMIN", serial, person, "");
    assert_int_equal(ledger_commit(t->l), 0);
    assert_int_equal(tu_ledger_height(t), height + (rc == 0));
    if (rc < 0)
        assert_int_equal(
            tu_ledger_sql_int(t, "SELECT count(*) FROM person_certs WHERE revoked = 0"), rows);
    return rc;
}

/* A Council member's certificate: issued to a registered person whose id
 * no unit has, its serial in one table only; at the handshake it makes the
 * connection that person, and revoked it no longer does. */
static void test_person_certs(void **state)
{
    struct tu_ledger *f = *state;
    struct registry_unit u;
    char owner[LEDGER_UNIT_MAX + 1] = "";
    Tdkt__PersonCertIssue *m;

    tu_ledger_import(f, "{\"persons\":[{\"id\":\"HD-01\",\"name\":\"Thành viên số 1\","
                        "\"unit\":\"VKSTC\"},{\"id\":\"HD-02\",\"name\":\"Thành viên số 2\","
                        "\"unit\":\"VKSTC\"},{\"id\":\"VKSCC1\",\"name\":\"Trùng mã\","
                        "\"unit\":\"VKSCC1\"}]}");
    assert_int_equal(person_op(f, 0, "a1", "HD-01", NULL), 0);
    m = (Tdkt__PersonCertIssue *)last_entry(f, tu_ledger_height(f), "ADMIN", "person_cert.issue",
                                            &tdkt__person_cert_issue__descriptor);
    assert_string_equal(m->serial_hex, "a1");
    assert_string_equal(m->person_id, "HD-01");
    protobuf_c_message_free_unpacked(&m->base, NULL);

    assert_int_equal(person_op(f, 0, "a2", "HD-99", NULL), TDKT_ENOTFOUND);
    assert_int_equal(person_op(f, 0, "a3", "VKSCC1", NULL), TDKT_EEXIST); /* a unit's code */
    assert_int_equal(person_op(f, 0, "a1", "HD-02", NULL), TDKT_EEXIST);  /* the serial's taken */
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "b2", "VKSCC2"), 0);
    assert_int_equal(person_op(f, 0, "b2", "HD-02", NULL), TDKT_EEXIST); /* a unit's serial */
    assert_int_equal(run_op(f, OP_CERT_ISSUE, "ADMIN", NULL, "a1", "VKSCC2"), TDKT_EEXIST);

    memset(&u, 0, sizeof u);
    assert_int_equal(registry_person_auth(f->l, "HD-01", "a1", &u), 0);
    assert_string_equal(u.code, "HD-01");
    assert_string_equal(u.name, "Thành viên số 1");
    assert_string_equal(u.parent, "VKSTC");
    assert_int_equal(u.role, REGISTRY_ROLE_PERSON);
    assert_int_equal(registry_person_auth(f->l, "HD-02", "a1", &u), TDKT_EAUTH);
    assert_int_equal(registry_person_auth(f->l, "VKSCC2", "b2", &u), TDKT_ENOTFOUND);
    assert_int_equal(registry_auth(f->l, "HD-01", "a1", &u), TDKT_ENOTFOUND);

    assert_int_equal(run_op(f, OP_CERT_REVOKE, "ADMIN", NULL, "a1", "x"), TDKT_ENOTFOUND);
    assert_int_equal(person_op(f, 1, "a1", NULL, owner), 0);
    assert_string_equal(owner, "HD-01");
    memset(&u, 0, sizeof u);
    assert_int_equal(registry_person_auth(f->l, "HD-01", "a1", &u), TDKT_EREVOKED);
    assert_string_equal(u.name, "Thành viên số 1"); /* to name whose it was */
    assert_int_equal(person_op(f, 1, "a1", NULL, owner), TDKT_EEXIST);
    assert_int_equal(person_op(f, 1, "ff", NULL, owner), TDKT_ENOTFOUND);
}

static void test_entries_carry_protobuf(void **state)
{
    /* After the registrations: each mutation, the entry it appends and the
     * string fields of that entry's payload. */
    static const struct {
        enum op op;
        const char *actor, *a, *b;
        const char *kind;
        const ProtobufCMessageDescriptor *type;
        const char *fields[3][2];
    } steps[] = {
        {OP_CERT_ISSUE,
         "CENTRAL",
         "00ff",
         "VKSCC2",
         "cert.issue",
         &tdkt__cert_issue__descriptor,
         {{"serial_hex", "00ff"}, {"unit_code", "VKSCC2"}, {"not_after", "2030-01-01T00:00:00Z"}}},
        {OP_CERT_REVOKE,
         "ADMIN",
         "00ff",
         "khóa bị mất",
         "cert.revoke",
         &tdkt__cert_revoke__descriptor,
         {{"serial_hex", "00ff"}, {"unit_code", "VKSCC2"}, {"reason", "khóa bị mất"}}},
        {OP_UNIT_REVOKE,
         "ADMIN",
         "VKSCC2",
         "merged",
         "unit.revoke",
         &tdkt__unit_revoke__descriptor,
         {{"unit_code", "VKSCC2"}, {"reason", "merged"}}},
    };
    struct tu_ledger *f = *state;
    ProtobufCMessage *m;
    uint64_t bad = 0;

    assert_int_equal(reg(f, "CENTRAL", "Cục", REGISTRY_ROLE_CENTRAL, NULL), 0);
    assert_int_equal(reg(f, "VKSCC2", NAME_VN, REGISTRY_ROLE_REGIONAL, "CENTRAL"), 0);
    m = last_entry(f, 2, "ADMIN", "unit.register", &tdkt__unit_register__descriptor);
    Tdkt__UnitRegister *ur = (Tdkt__UnitRegister *)m;
    assert_non_null(ur->unit);
    assert_string_equal(ur->unit->code, "VKSCC2");
    assert_string_equal(ur->unit->name, NAME_VN);
    assert_int_equal(ur->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    assert_string_equal(ur->parent_code, "CENTRAL");
    protobuf_c_message_free_unpacked(m, NULL);

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        assert_int_equal(run_op(f, steps[i].op, steps[i].actor, NULL, steps[i].a, steps[i].b), 0);
        m = last_entry(f, 3 + i, steps[i].actor, steps[i].kind, steps[i].type);
        for (size_t k = 0; k < 3 && steps[i].fields[k][0] != NULL; k++)
            assert_string_equal(tu_pb_string(m, steps[i].fields[k][0]), steps[i].fields[k][1]);
        protobuf_c_message_free_unpacked(m, NULL);
    }

    assert_int_equal(ledger_verify_log(f->l, &bad), 0);

    /* The derived tables name the entries that changed them. */
    sqlite3_stmt *st = tu_ledger_row(f, "SELECT seq, revoked FROM units WHERE code = 'VKSCC2'");
    assert_int_equal(sqlite3_column_int64(st, 0), 5);
    assert_int_equal(sqlite3_column_int(st, 1), 1);
    sqlite3_finalize(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_get_list, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_list_order_and_stop, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_register_refusals_write_nothing,
                                        tu_ledger_cmocka_setup_empty, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_cert_issue_revoke, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_person_certs, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_auth, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_entries_carry_protobuf, tu_ledger_cmocka_setup_empty,
                                        tu_ledger_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
