/* SPDX-License-Identifier: MIT */
/*
 * The growing arrays of common/util/vec.h that the reply builders and the
 * reconcile modules share: capacity doubles from the first size, pointers
 * are appended in order, and the array passed by its address keeps its type.
 */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/util/vec.h"

static void test_reserve_doubles(void **state)
{
    uint64_t *a = NULL;
    size_t cap = 0;

    (void)state;
    for (size_t n = 0; n < 100; n++) {
        assert_int_equal(vec_reserve(&a, &cap, n, sizeof *a, 8), 0);
        assert_true(cap > n);
        a[n] = n * 3;
    }
    assert_int_equal(cap, 128); /* 8, 16, 32, 64, 128 */
    for (size_t n = 0; n < 100; n++)
        assert_int_equal(a[n], n * 3);
    /* Room left: nothing moves. */
    assert_int_equal(vec_reserve(&a, &cap, 100, sizeof *a, 8), 0);
    assert_int_equal(cap, 128);
    free(a);
}

static void test_append_and_push_keep_order(void **state)
{
    static int items[40];
    int **appended = NULL, **pushed = NULL;
    size_t na = 0, cap = 0, np = 0;

    (void)state;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(vec_append_ptr(&appended, &na, &cap, &items[i]), 0);
        assert_int_equal(vec_push_ptr(&pushed, &np, &items[i]), 0);
    }
    assert_int_equal(na, 40);
    assert_int_equal(np, 40);
    assert_true(cap >= 40 && cap % VEC_FIRST == 0);
    for (int i = 0; i < 40; i++) {
        assert_ptr_equal(appended[i], &items[i]);
        assert_ptr_equal(pushed[i], &items[i]);
    }
    free(appended);
    free(pushed);
}

static void test_reserve_refused_keeps_array(void **state)
{
    char *a = NULL;
    size_t cap = 0;

    (void)state;
    /* Eight elements of half the address space cannot be: the array and
     * its capacity stay as they were, so the caller frees as usual. */
    assert_int_equal(vec_reserve(&a, &cap, 0, SIZE_MAX / 2, 8), TDKT_ENOMEM);
    assert_null(a);
    assert_int_equal(cap, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_doubles),
        cmocka_unit_test(test_append_and_push_keep_order),
        cmocka_unit_test(test_reserve_refused_keeps_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
