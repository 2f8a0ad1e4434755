/* SPDX-License-Identifier: MIT */
/*
 * Text keys and order: a header or spelling typed with or without tone
 * marks, in any case, with spaces or underscores, matches; a name typed in
 * decomposed form is stored as the same bytes as the composed one; lists
 * sort in Vietnamese order, not byte order.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/collate.h"
#include "common/text/fold.h"
#include "common/text/nfc.h"

#define KEY_CAP 256

static void assert_fold(const char *in, const char *want)
{
    char out[KEY_CAP];

    assert_int_equal(text_fold(in, strlen(in), out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void test_fold_headers(void **state)
{
    assert_fold("Mã chỉ tiêu", "ma chi tieu");
    assert_fold("MA_CHI_TIEU", "ma chi tieu");
    assert_fold(" ma  chi tieu ", "ma chi tieu");
    assert_fold("MÃ CHỈ TIÊU", "ma chi tieu");
    assert_fold("ma-chi__tieu", "ma chi tieu");
    assert_fold("\tMã\u00a0chỉ tiêu\r\n", "ma chi tieu");
    assert_fold("lower_is_better", "lower is better");
}

static void test_fold_vietnamese_letters(void **state)
{
    assert_fold("Đơn vị", "don vi");
    assert_fold("đăng ký danh hiệu", "dang ky danh hieu");
    assert_fold("Hoàn thành xuất sắc nhiệm vụ", "hoan thanh xuat sac nhiem vu");
    assert_fold("Ư Ơ Ô Ê Â Ă", "u o o e a a");
    assert_fold("có", "co");
    assert_fold("KHÔNG", "khong");
    /* Decomposed input (NFD) folds to the same key as composed. */
    assert_fold("Nguye\xcc\x82\xcc\x83n", "nguyen");
    /* Full case folding: sharp s is "ss". */
    assert_fold("Straße", "strasse");
}

static void test_fold_empty_and_blank(void **state)
{
    char out[KEY_CAP];

    assert_fold("", "");
    assert_fold("  _-_ ", "");
    assert_int_equal(text_fold("x", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_fold_errors(void **state)
{
    char out[KEY_CAP], tiny[4];

    assert_int_equal(text_fold("\xff\xfe", 2, out, sizeof out), TDKT_EINVAL);
    assert_int_equal(text_fold("a\0b", 3, out, sizeof out), TDKT_EINVAL);
    assert_int_equal(text_fold("abcd", 4, tiny, sizeof tiny), TDKT_ETOOBIG);
    assert_string_equal(tiny, "");
    assert_int_equal(text_fold("Mã số", strlen("Mã số"), tiny, sizeof tiny), TDKT_ETOOBIG);
    assert_int_equal(text_fold("abc", 3, tiny, sizeof tiny), 0);
    assert_string_equal(tiny, "abc");
    assert_int_equal(text_fold("abc", TEXT_FOLD_MAX + 1, out, sizeof out), TDKT_ETOOBIG);
}

static void test_fold_equal(void **state)
{
    assert_true(text_fold_equal("Xếp loại", "XEP_LOAI"));
    assert_true(text_fold_equal("hoàn thành tốt nhiệm vụ", "Hoàn Thành Tốt Nhiệm Vụ"));
    assert_false(text_fold_equal("cơ sở", "toàn quốc"));
    assert_false(text_fold_equal("\xff", "\xff"));
}

static void test_nfc_composed_and_decomposed(void **state)
{
    const char composed[] = "Nguy\xe1\xbb\x85n";        /* U+1EC5 */
    const char decomposed[] = "Nguye\xcc\x82\xcc\x83n"; /* e + U+0302 + U+0303 */
    char *a = NULL, *b = NULL;
    size_t alen, blen;

    assert_int_not_equal(strcmp(composed, decomposed), 0);
    assert_int_equal(text_is_nfc(composed, strlen(composed)), 1);
    assert_int_equal(text_is_nfc(decomposed, strlen(decomposed)), 0);
    assert_int_equal(text_nfc(composed, strlen(composed), &a, &alen), 0);
    assert_int_equal(text_nfc(decomposed, strlen(decomposed), &b, &blen), 0);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    assert_string_equal(a, composed);
    free(a);
    free(b);
}

static void test_collate_vietnamese_order(void **state)
{
    /* Byte order gets these wrong: 'Đ' (C4 90) sorts after 'E'. */
    assert_true(strcmp("Đà Nẵng", "Em") > 0);
    assert_true(text_collate_cmp("Dương", "Đà Nẵng") < 0);
    assert_true(text_collate_cmp("Đà Nẵng", "Em") < 0);
    assert_true(text_collate_cmp("Em", "Đà Nẵng") > 0);
    /* a < ă < â < b; byte order puts ă and â after b. */
    assert_true(strcmp("ă", "b") > 0);
    assert_true(text_collate_cmp("a", "ă") < 0);
    assert_true(text_collate_cmp("ă", "â") < 0);
    assert_true(text_collate_cmp("â", "b") < 0);
    assert_true(text_collate_cmp("o", "ô") < 0);
    assert_true(text_collate_cmp("ô", "ơ") < 0);
    assert_true(text_collate_cmp("ơ", "p") < 0);
    assert_int_equal(text_collate_cmp("Hà Nội", "Hà Nội"), 0);
}

static int cmp_names(const void *a, const void *b)
{
    return text_collate_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_collate_sorts_a_list(void **state)
{
    const char *names[] = {"Em", "Đà Nẵng", "Bắc Ninh", "An Giang", "Dương", "Ăn", "Âu"};
    const char *want[] = {"An Giang", "Ăn", "Âu", "Bắc Ninh", "Dương", "Đà Nẵng", "Em"};

    qsort(names, sizeof names / sizeof names[0], sizeof names[0], cmp_names);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(names[i], want[i]);
}

static void test_sort_key_matches_compare(void **state)
{
    const char *a = "Dương", *b = "Đà Nẵng";
    uint8_t ka[128], kb[128], tiny[2];
    size_t la, lb, need;
    int c;

    assert_int_equal(text_sort_key(a, strlen(a), ka, sizeof ka, &la), 0);
    assert_int_equal(text_sort_key(b, strlen(b), kb, sizeof kb, &lb), 0);
    c = memcmp(ka, kb, la < lb ? la : lb);
    assert_true(c < 0 || (c == 0 && la < lb));
    assert_int_equal(text_sort_key(b, strlen(b), tiny, sizeof tiny, &need), TDKT_ETOOBIG);
    assert_int_equal(need, lb);
    assert_int_equal(text_sort_key("\xc3", 1, ka, sizeof ka, &la), TDKT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_headers),
        cmocka_unit_test(test_fold_vietnamese_letters),
        cmocka_unit_test(test_fold_empty_and_blank),
        cmocka_unit_test(test_fold_errors),
        cmocka_unit_test(test_fold_equal),
        cmocka_unit_test(test_nfc_composed_and_decomposed),
        cmocka_unit_test(test_collate_vietnamese_order),
        cmocka_unit_test(test_collate_sorts_a_list),
        cmocka_unit_test(test_sort_key_matches_compare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
