/* SPDX-License-Identifier: MIT */
/*
 * The walks of the unit tree (common/domain/unit_tree.h) that the server's
 * catalog and an office's store share: whose results a division's are, how
 * deep a chain may be, and what lies below what.
 */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "common/domain/unit_tree.h"
#include "common/err.h"

#define DIVISION TDKT__UNIT_KIND__UNIT_KIND_DIVISION
#define PROVINCE TDKT__UNIT_KIND__UNIT_KIND_PROVINCIAL

struct test_unit {
    const char *code, *parent;
    int kind;
};

/* A tree: a province P under the top T; D1 a division of P, D2 one of D1. */
static const struct test_unit tree[] = {
    {"T", "", TDKT__UNIT_KIND__UNIT_KIND_SUPREME},
    {"P", "T", PROVINCE},
    {"D1", "P", DIVISION},
    {"D2", "D1", DIVISION},
    {"ORPHAN", "", DIVISION},
    {NULL, NULL, 0},
};

static int tree_get(void *arg, const char *code, struct unit_link *out)
{
    for (const struct test_unit *u = arg; u->code; u++) {
        if (strcmp(u->code, code) == 0) {
            snprintf(out->parent, sizeof out->parent, "%s", u->parent);
            out->kind = u->kind;
            return 0;
        }
    }
    return TDKT_ENOTFOUND;
}

/* A chain of divisions n levels deep: "L0" at the top, "Lk" under "L(k-1)". */
static int chain_get(void *arg, const char *code, struct unit_link *out)
{
    int n = *(const int *)arg, k;

    if (sscanf(code, "L%d", &k) != 1 || k < 0 || k > n)
        return TDKT_ENOTFOUND;
    if (k == 0)
        out->parent[0] = '\0';
    else
        snprintf(out->parent, sizeof out->parent, "L%d", k - 1);
    out->kind = DIVISION;
    return 0;
}

static void test_owner_is_the_nearest_office(void **state)
{
    char owner[RECORD_CODE_MAX + 1];

    (void)state;
    assert_int_equal(unit_tree_owner(tree_get, (void *)tree, "P", owner), 0);
    assert_string_equal(owner, "P");
    assert_int_equal(unit_tree_owner(tree_get, (void *)tree, "D2", owner), 0);
    assert_string_equal(owner, "P");
    /* A division at the top writes its own results. */
    assert_int_equal(unit_tree_owner(tree_get, (void *)tree, "ORPHAN", owner), 0);
    assert_string_equal(owner, "ORPHAN");
    assert_int_equal(unit_tree_owner(tree_get, (void *)tree, "NOPE", owner), TDKT_ENOTFOUND);
}

static void test_owner_depth_limit(void **state)
{
    char owner[RECORD_CODE_MAX + 1], bottom[16];
    int n = UNIT_TREE_DEPTH_MAX;

    (void)state;
    /* UNIT_TREE_DEPTH_MAX levels below the top are walked to the top... */
    snprintf(bottom, sizeof bottom, "L%d", n);
    assert_int_equal(unit_tree_owner(chain_get, &n, bottom, owner), 0);
    assert_string_equal(owner, "L0");
    /* ...one more is a damaged registry. */
    n = UNIT_TREE_DEPTH_MAX + 1;
    snprintf(bottom, sizeof bottom, "L%d", n);
    assert_int_equal(unit_tree_owner(chain_get, &n, bottom, owner), TDKT_ECORRUPT);
}

static void test_within(void **state)
{
    (void)state;
    assert_int_equal(unit_tree_within(tree_get, (void *)tree, "D2", "T"), 1);
    assert_int_equal(unit_tree_within(tree_get, (void *)tree, "P", "P"), 1);
    assert_int_equal(unit_tree_within(tree_get, (void *)tree, "P", "D1"), 0);
    assert_int_equal(unit_tree_within(tree_get, (void *)tree, "ORPHAN", "T"), 0);
    assert_int_equal(unit_tree_within(tree_get, (void *)tree, "NOPE", "T"), 0);
}

static void test_within_depth_limit(void **state)
{
    char bottom[16];
    int n = UNIT_TREE_DEPTH_MAX + 1;

    (void)state;
    snprintf(bottom, sizeof bottom, "L%d", n);
    /* The top is UNIT_TREE_DEPTH_MAX + 1 levels up: a walk that long is a
     * cycle to the walk, which stops and finds nothing. */
    assert_int_equal(unit_tree_within(chain_get, &n, bottom, "L1"), 1);
    assert_int_equal(unit_tree_within(chain_get, &n, bottom, "L0"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owner_is_the_nearest_office),
        cmocka_unit_test(test_owner_depth_limit),
        cmocka_unit_test(test_within),
        cmocka_unit_test(test_within_depth_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
