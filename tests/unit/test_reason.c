/* SPDX-License-Identifier: MIT */
/* A sentence kept as data (common/text/reason.h) and read in Vietnamese
 * from the built catalogue (common/text/i18n.h, po/vi.po). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/fault.h"
#include "common/text/i18n.h"
#include "common/text/reason.h"
#include "common/wire/reason_pb.h"

static void test_set_keeps_template_values_and_text(void **state)
{
    struct reason r;

    (void)state;
    reason_set(&r, "%u of the %s's %u members voted yes; %g%% of all members are needed", 8u,
               "council", 10u, 90.5);
    assert_string_equal(r.text, "8 of the council's 10 members voted yes; 90.5% of all members "
                                "are needed");
    assert_string_equal(r.fmt,
                        "%u of the %s's %u members voted yes; %g%% of all members are needed");
    assert_int_equal(r.nargs, 4);
    assert_string_equal(r.args[0], "8");
    assert_string_equal(r.args[1], "council");
    assert_string_equal(r.args[2], "10");
    assert_string_equal(r.args[3], "90.5");
}

static void test_set_types_and_widths(void **state)
{
    struct reason r;

    (void)state;
    reason_set(&r, "[%-4s|%5.1f|%zu|%lld|%.*s|%c|%x]", "ab", 2.25, (size_t)7, -3LL, 2, "xyz", 'Q',
               255u);
    assert_string_equal(r.text, "[ab  |  2.2|7|-3|xy|Q|ff]");
    assert_int_equal(r.nargs, 7);
    assert_string_equal(r.args[0], "ab  ");
    assert_string_equal(r.args[4], "xy");
    assert_string_equal(r.args[6], "ff");
}

static void test_too_many_values_keep_text_only(void **state)
{
    struct reason r;

    (void)state;
    reason_set(&r, "%d%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1);
    assert_string_equal(r.text, "12345678901");
    assert_string_equal(r.fmt, "");
    assert_int_equal(r.nargs, 0);
}

static void test_apply_positions_and_refusals(void **state)
{
    const char *args[] = {"HTNV", "2021", "90.5"};
    char out[128];

    (void)state;
    assert_int_equal(reason_apply("năm %2$s xếp loại %1$s", args, 2, 0, out, sizeof out), 0);
    assert_string_equal(out, "năm 2021 xếp loại HTNV");
    assert_int_equal(reason_apply("%s/%s: %g%%", args, 3, REASON_DECIMAL_COMMA, out, sizeof out),
                     0);
    assert_string_equal(out, "HTNV/2021: 90,5%");
    /* A template never reads past its values, nor writes through %n. */
    assert_int_equal(reason_apply("%s %s %s %s", args, 3, 0, out, sizeof out), TDKT_EINVAL);
    assert_int_equal(reason_apply("%11$s", args, 3, 0, out, sizeof out), TDKT_EINVAL);
    assert_int_equal(reason_apply("%n", args, 3, 0, out, sizeof out), TDKT_EINVAL);
    assert_int_equal(reason_apply("%1$*2$d", args, 3, 0, out, sizeof out), TDKT_EINVAL);
    /* '*' was applied when the value was taken: "%.*s" stands for one value. */
    assert_int_equal(reason_apply("[%.*s|%s]", args, 2, 0, out, sizeof out), 0);
    assert_string_equal(out, "[HTNV|2021]");
    assert_int_equal(reason_apply("%", args, 3, 0, out, sizeof out), TDKT_EINVAL);
    /* Cut on a character boundary. */
    assert_int_equal(reason_apply("ĐĐĐĐ", args, 0, 0, out, 6), 0);
    assert_string_equal(out, "ĐĐ");
}

static const char *shout(const char *s)
{
    if (strcmp(s, "inner %s") == 0)
        return "INNER %s";
    if (strcmp(s, "outer %u: %s") == 0)
        return "OUTER %2$s (%1$u)";
    if (strcmp(s, "bad %s") == 0)
        return "BAD %s %s";
    return s;
}

static void test_render_cause_and_fallback(void **state)
{
    struct reason inner, outer, bad;
    char out[128];

    (void)state;
    reason_set(&inner, "inner %s", "x");
    reason_set(&outer, "outer %u: %s", 3u, inner.text);
    reason_render(&outer, &inner, shout, 0, out, sizeof out);
    assert_string_equal(out, "OUTER INNER x (3)");
    reason_render(&outer, NULL, shout, 0, out, sizeof out);
    assert_string_equal(out, "OUTER inner x (3)");
    /* A translation that does not fit its values falls back to English. */
    reason_set(&bad, "bad %s", "y");
    reason_render(&bad, NULL, shout, 0, out, sizeof out);
    assert_string_equal(out, "bad y");
    reason_set_text(&bad, "plain");
    reason_render(&bad, NULL, shout, 0, out, sizeof out);
    assert_string_equal(out, "plain");
}

static void test_wire_round_trip(void **state)
{
    struct reason r, back;
    struct reason_pb pb;
    Tdkt__Reason *m;

    (void)state;
    reason_set(&r, "LĐTT needs HTTNV or better; rated %s in %u", "HTNV", 2021u);
    m = reason_pb_init(&pb, &r);
    assert_non_null(m);
    reason_from_pb(&back, m, r.text);
    assert_string_equal(back.fmt, r.fmt);
    assert_int_equal(back.nargs, 2);
    assert_string_equal(back.args[1], "2021");
    reason_set_text(&r, "no template");
    assert_null(reason_pb_init(&pb, &r));
}

/* The catalogue built from po/vi.po, found in the build tree. */
static void test_vietnamese_from_the_catalogue(void **state)
{
    struct reason r;
    char out[REASON_TEXT_MAX];

    (void)state;
    assert_int_equal(tdkt_i18n_init("en"), 0);
    reason_set(&r, "LĐTT needs HTTNV or better; rated %s in %u", "HTNV", 2021u);
    tdkt_reason_text(&r, NULL, out, sizeof out);
    assert_string_equal(out, "LĐTT needs HTTNV or better; rated HTNV in 2021");
    assert_int_equal(tdkt_i18n_init("vi"), 0);
    assert_int_equal(tdkt_i18n_lang(), TDKT_LANG_VI);
    tdkt_reason_text(&r, NULL, out, sizeof out);
    assert_string_equal(out, "LĐTT cần xếp loại từ HTTNV trở lên; năm 2021 xếp loại HTNV");
    reason_set(&r, "%u of the %s's %u members voted yes; %g%% of all members are needed", 8u,
               N_("council"), 10u, 87.5);
    tdkt_reason_text(&r, NULL, out, sizeof out);
    assert_string_equal(out, "8/10 thành viên Hội đồng bỏ phiếu đồng ý; cần 87,5% tổng số thành "
                             "viên");
    /* A value that is a word of the catalogue is translated in place. */
    reason_set(&r, "CSTĐCS needs one of: %s, %s; none in %u (rated %s)", N_("rated HTXSNV"),
               N_("an accepted research topic"), 2021u, "HTTNV");
    tdkt_reason_text(&r, NULL, out, sizeof out);
    assert_string_equal(out,
                        "CSTĐCS cần một trong các điều kiện: xếp loại HTXSNV, có đề tài nghiên "
                        "cứu khoa học được nghiệm thu; năm 2021 chưa có (xếp loại HTTNV)");
    assert_int_equal(tdkt_i18n_init("fr"), TDKT_EINVAL);
    assert_int_equal(tdkt_i18n_lang(), TDKT_LANG_EN);
}

static void test_fault_shape(void **state)
{
    struct fault f = {0};

    (void)state;
    assert_false(fault_is_set(&f));
    assert_int_equal(
        fault_set(&f, TDKT_ENOTFOUND, "unit.code", "unit '%s' is not registered", "X1"),
        TDKT_ENOTFOUND);
    assert_true(fault_is_set(&f));
    assert_string_equal(f.field, "unit.code");
    assert_string_equal(f.why.text, "unit 'X1' is not registered");
    assert_int_equal(fault_wire(&f), TDKT__ERROR_CODE__ERROR_CODE_NOT_FOUND);
    fault_set_wire(&f, TDKT_EAUTH, TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT, NULL, "no unit");
    assert_int_equal(fault_wire(&f), TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT);
    assert_string_equal(f.field, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_keeps_template_values_and_text),
        cmocka_unit_test(test_set_types_and_widths),
        cmocka_unit_test(test_too_many_values_keep_text_only),
        cmocka_unit_test(test_apply_positions_and_refusals),
        cmocka_unit_test(test_render_cause_and_fallback),
        cmocka_unit_test(test_wire_round_trip),
        cmocka_unit_test(test_vietnamese_from_the_catalogue),
        cmocka_unit_test(test_fault_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
