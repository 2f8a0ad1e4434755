/* SPDX-License-Identifier: MIT */
/*
 * The caps on a reconcile request, the server's side: the pure check
 * (reconcile_check_caps) refuses the first repeated field above its cap with
 * INVALID_ARGUMENT naming it, before anything else looks at the request, and
 * every repeated field of the request and of what it nests has a cap (the
 * schema is walked, so a field added later without one fails here). The
 * office's side is tests/unit/test_reconcile_plan.c.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/sync/rangedigest.h"
#include "server/dispatch/request.h"
#include "server/reconcile/reconcile.h"

/* The caps as the documentation states them (docs/protocol.md §11). */
static const struct {
    const char *name;
    size_t max;
} documented[] = {
    {"audit_seqs", 256},
    {"ranges", 4096},
    {"fetch", 4096},
};

static void set_count(Tdkt__ReconcileRequest *m, const char *name, size_t n)
{
    if (strcmp(name, "audit_seqs") == 0)
        m->n_audit_seqs = n;
    else if (strcmp(name, "ranges") == 0)
        m->n_ranges = n;
    else if (strcmp(name, "fetch") == 0)
        m->n_fetch = n;
    else
        fail_msg("no count for %s", name);
}

static void test_caps_are_the_documented_ones(void **state)
{
    (void)state;
    assert_int_equal(RECONCILE_CAPS_N, sizeof documented / sizeof documented[0]);
    for (size_t i = 0; i < RECONCILE_CAPS_N; i++) {
        assert_string_equal(reconcile_caps[i].name, documented[i].name);
        assert_int_equal(reconcile_caps[i].max, documented[i].max);
    }
    assert_int_equal(RECON_AUDIT_MAX, 256);
    assert_int_equal(RECON_RANGES_MAX, 4096);
    assert_int_equal(RECON_FETCH_MAX, 4096);
}

/* The check reads only the counts, so arrays are not needed to test it. */
static void test_at_cap_passes(void **state)
{
    Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
    struct fault err;
    (void)state;

    memset(&err, 0, sizeof err);
    assert_int_equal(reconcile_check_caps(&m, &err), 0);
    for (size_t i = 0; i < RECONCILE_CAPS_N; i++)
        set_count(&m, reconcile_caps[i].name, reconcile_caps[i].max);
    assert_int_equal(reconcile_check_caps(&m, &err), 0);
    assert_false(fault_is_set(&err));
}

static void test_one_over_cap_names_the_field(void **state)
{
    (void)state;
    for (size_t i = 0; i < RECONCILE_CAPS_N; i++) {
        Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
        struct fault err;
        char field[64], msg[128];

        memset(&err, 0, sizeof err);
        set_count(&m, reconcile_caps[i].name, reconcile_caps[i].max + 1);
        assert_int_equal(reconcile_check_caps(&m, &err), TDKT_EINVAL);
        assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
        snprintf(field, sizeof field, "reconcile.%s", reconcile_caps[i].name);
        assert_string_equal(err.field, field);
        snprintf(msg, sizeof msg, "reconcile.%s: at most %zu entries, got %zu",
                 reconcile_caps[i].name, reconcile_caps[i].max, reconcile_caps[i].max + 1);
        assert_string_equal(err.why.text, msg);
    }
}

/* A million entries (what fits in one frame of 1-byte varints) is refused
 * by the same words; with several fields over, the first by number. */
static void test_huge_and_several(void **state)
{
    Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
    struct fault err;
    (void)state;

    memset(&err, 0, sizeof err);
    m.n_audit_seqs = 1000000;
    m.n_fetch = 43000;
    assert_int_equal(reconcile_check_caps(&m, &err), TDKT_EINVAL);
    assert_string_equal(err.field, "reconcile.audit_seqs");
    assert_string_equal(err.why.text, "reconcile.audit_seqs: at most 256 entries, got 1000000");
    m.n_audit_seqs = 0;
    assert_int_equal(reconcile_check_caps(&m, &err), TDKT_EINVAL);
    assert_string_equal(err.field, "reconcile.fetch");
    assert_string_equal(err.why.text, "reconcile.fetch: at most 4096 entries, got 43000");
}

/* The caps are checked before anything else: an over-cap request whose
 * entries are also invalid is refused for its count, not its content. */
static void test_prepare_checks_caps_first(void **state)
{
    Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT, *copy = NULL;
    Tdkt__RecordKey bad = TDKT__RECORD_KEY__INIT; /* year above RECON_YEAR_END */
    Tdkt__RecordKey **keys = calloc(RECON_FETCH_MAX + 1, sizeof *keys);
    struct fault err;
    (void)state;

    assert_non_null(keys);
    bad.unit = (char *)"VKSCC2";
    bad.kind = (char *)"target";
    bad.key = (char *)"T1";
    bad.year = RECON_YEAR_END + 1;
    for (size_t i = 0; i <= RECON_FETCH_MAX; i++)
        keys[i] = &bad;
    m.fetch = keys;
    m.n_fetch = RECON_FETCH_MAX + 1;
    memset(&err, 0, sizeof err);
    assert_int_equal(reconcile_prepare(&m, &copy, &err), TDKT_EINVAL);
    assert_null(copy);
    assert_string_equal(err.field, "reconcile.fetch");
    assert_non_null(strstr(err.why.text, "at most 4096 entries, got 4097"));
    /* At the cap, the same keys are judged one by one. */
    m.n_fetch = RECON_FETCH_MAX;
    assert_int_equal(reconcile_prepare(&m, &copy, &err), TDKT_EINVAL);
    assert_null(copy);
    assert_string_equal(err.why.text, "fetch key 0 is invalid");
    free(keys);
}

static int has_cap(const char *path)
{
    for (size_t i = 0; i < RECONCILE_CAPS_N; i++) {
        char p[64];
        snprintf(p, sizeof p, "reconcile.%s", reconcile_caps[i].name);
        if (strcmp(p, path) == 0)
            return 1;
    }
    return 0;
}

/* Every repeated field in d, and in the messages its fields hold, has a cap. */
static void walk(const ProtobufCMessageDescriptor *d, const char *path, int depth)
{
    assert_true(depth < 8); /* the schema is not recursive (proto/tdkt.proto) */
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char p[TU_PATH_MAX];
        tu_path(p, sizeof p, "%s.%s", path, f->name); /* asserts the path fits */
        if (f->label == PROTOBUF_C_LABEL_REPEATED && !has_cap(p))
            fail_msg("%s is a repeated field of a reconcile request without a cap", p);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            walk(f->descriptor, p, depth + 1);
    }
}

static void test_every_repeated_field_has_a_cap(void **state)
{
    (void)state;
    walk(&tdkt__reconcile_request__descriptor, "reconcile", 0);
    /* and every cap names a repeated field of the request */
    for (size_t i = 0; i < RECONCILE_CAPS_N; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(
            &tdkt__reconcile_request__descriptor, reconcile_caps[i].name);
        assert_non_null(f);
        assert_int_equal(f->label, PROTOBUF_C_LABEL_REPEATED);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_are_the_documented_ones),
        cmocka_unit_test(test_at_cap_passes),
        cmocka_unit_test(test_one_over_cap_names_the_field),
        cmocka_unit_test(test_huge_and_several),
        cmocka_unit_test(test_prepare_checks_caps_first),
        cmocka_unit_test(test_every_repeated_field_has_a_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
