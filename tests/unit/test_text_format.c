/* SPDX-License-Identifier: MIT */
/* Dates, times and numbers for a person (common/text/datefmt.h) and tables
 * aligned by display width (common/text/table.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/text/datefmt.h"
#include "common/text/table.h"
#include "common/text/width.h"

static void test_dates(void **state)
{
    char out[TEXT_DATE_MAX];

    (void)state;
    assert_string_equal(text_date("2021-12-20", out, sizeof out), "20/12/2021");
    assert_string_equal(text_date("", out, sizeof out), "");
    assert_string_equal(text_date("20/12/2021", out, sizeof out), "20/12/2021");
}

static void test_times_in_vietnam(void **state)
{
    char out[TEXT_TIME_MAX];

    (void)state;
    /* 2021-12-31 17:30 UTC is 1 January 2022, 00:30 in Hà Nội. */
    assert_string_equal(text_time(1640971800000LL, out, sizeof out), "01/01/2022 00:30");
    assert_string_equal(text_time(0, out, sizeof out), "01/01/1970 07:00");
}

static void test_numbers(void **state)
{
    char out[TEXT_NUM_MAX];

    (void)state;
    assert_string_equal(text_number(1000.5, 2, 1, out, sizeof out), "1.000,5");
    assert_string_equal(text_number(1000.5, 2, 0, out, sizeof out), "1,000.5");
    assert_string_equal(text_number(1234567, 2, 1, out, sizeof out), "1.234.567");
    assert_string_equal(text_number(-12345.25, 1, 1, out, sizeof out), "-12.345,2");
    assert_string_equal(text_number(999, 0, 1, out, sizeof out), "999");
    assert_string_equal(text_number(0.125, 3, 1, out, sizeof out), "0,125");
}

static void test_table_aligns_by_display_width(void **state)
{
    struct text_table t;
    const char *heads[] = {"Tên", "Mã"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    assert_int_equal(text_table_init(&t, 2, heads), 0);
    assert_int_equal(text_table_add(&t, (const char *const[]){"Nguyễn Văn An", "CC1-001"}), 0);
    assert_int_equal(text_table_add(&t, (const char *const[]){"Lê B", "X"}), 0);
    text_table_print(&t, f, "  ");
    text_table_free(&t);
    fclose(f);
    /* Each second column starts at the same display column, whatever bytes
     * the Vietnamese letters take. */
    {
        char *l1 = buf, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
        char *c1 = strstr(l1, "Mã"), *c2 = strstr(l2, "CC1-001"), *c3 = strstr(l3, "X");

        *c1 = *c2 = *c3 = '\0';
        assert_int_equal(text_width(l1), 17);
        assert_int_equal(text_width(l2), 17);
        assert_int_equal(text_width(l3), 17);
    }
    free(buf);
    assert_int_equal(text_table_init(&t, 0, NULL), TDKT_EINVAL);
    assert_int_equal(text_table_init(&t, TEXT_TABLE_COLS + 1, NULL), TDKT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_times_in_vietnam),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_table_aligns_by_display_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
