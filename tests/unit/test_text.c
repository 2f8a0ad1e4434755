/* SPDX-License-Identifier: MIT */
/*
 * Text keys and order: a header or spelling typed with or without tone
 * marks, in any case, with spaces or underscores, matches; a name typed in
 * decomposed form is stored as the same bytes as the composed one; lists
 * sort in Vietnamese order, not byte order. Numbers and dates typed in a
 * spreadsheet read by the declared locale, and never a thousand times off
 * when none is declared; a file that is not UTF-8 text is named for what it
 * is.
 */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/collate.h"
#include "common/text/filekind.h"
#include "common/text/fold.h"
#include "common/text/nfc.h"
#include "common/text/numlocale.h"

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

/* s read in loc is want. */
static void number_is(const char *s, enum numlocale loc, double want)
{
    enum numlocale_fault f = NUMLOCALE_OK;
    double d = -1;

    if (numlocale_parse(s, strlen(s), loc, &d, &f) != 0)
        fail_msg("'%s' in '%s': fault %d", s, numlocale_name(loc), (int)f);
    if (d != want)
        fail_msg("'%s' in '%s': %.17g, want %.17g", s, numlocale_name(loc), d, want);
}

/* s read in loc is refused for fault. */
static void number_refused(const char *s, enum numlocale loc, enum numlocale_fault want)
{
    enum numlocale_fault f = NUMLOCALE_OK;
    double d;

    if (numlocale_parse(s, strlen(s), loc, &d, &f) != TDKT_EINVAL)
        fail_msg("'%s' in '%s' read as %g", s, numlocale_name(loc), d);
    if (f != want)
        fail_msg("'%s' in '%s': fault %d, want %d", s, numlocale_name(loc), (int)f, (int)want);
}

/* Without a locale, what can only be read one way is read; what a locale
 * would read a thousand times apart is refused with a fix. */
static void test_numbers_without_locale(void **state)
{
    number_is("1000", NUMLOCALE_NONE, 1000);
    number_is("212,5", NUMLOCALE_NONE, 212.5);
    number_is("84.7", NUMLOCALE_NONE, 84.7);
    number_is("0.125", NUMLOCALE_NONE, 0.125);
    number_is("1234.567", NUMLOCALE_NONE, 1234.567);
    number_is("1.1250", NUMLOCALE_NONE, 1.125);
    number_is("-5", NUMLOCALE_NONE, -5);
    number_refused("1.000", NUMLOCALE_NONE, NUMLOCALE_AMBIGUOUS);
    number_refused("2,500", NUMLOCALE_NONE, NUMLOCALE_AMBIGUOUS);
    number_refused("999.999", NUMLOCALE_NONE, NUMLOCALE_AMBIGUOUS);
    number_refused("1.000,5", NUMLOCALE_NONE, NUMLOCALE_GROUPED);
    number_refused("1,000.5", NUMLOCALE_NONE, NUMLOCALE_GROUPED);
    number_refused("1.000.000", NUMLOCALE_NONE, NUMLOCALE_GROUPED);
    number_refused("1e3", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused("5.", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused(",5", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused("1 000", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused("", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused("-", NUMLOCALE_NONE, NUMLOCALE_NOT_NUMBER);
    number_refused("12345678901234567890123456789012345678901", NUMLOCALE_NONE, NUMLOCALE_TOO_LONG);
    assert_non_null(strstr(numlocale_why(NUMLOCALE_AMBIGUOUS, NUMLOCALE_NONE), "--locale vi"));
}

/* In a Vietnamese sheet 1.000 is one thousand; in an English one, 1,000. */
static void test_numbers_by_locale(void **state)
{
    number_is("1.000", NUMLOCALE_VI, 1000);
    number_is("1.000,5", NUMLOCALE_VI, 1000.5);
    number_is("1,5", NUMLOCALE_VI, 1.5);
    number_is("12.345.678,25", NUMLOCALE_VI, 12345678.25);
    number_is("1000", NUMLOCALE_VI, 1000);
    number_is("0,125", NUMLOCALE_VI, 0.125);
    number_refused("212.5", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);
    number_refused("1.00", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);
    number_refused("1000.000", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);
    number_refused("0.500", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);
    number_refused("1,5,0", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);
    number_refused("1,000.5", NUMLOCALE_VI, NUMLOCALE_NOT_LOCALE);

    number_is("1,000", NUMLOCALE_EN, 1000);
    number_is("1,000.5", NUMLOCALE_EN, 1000.5);
    number_is("1.5", NUMLOCALE_EN, 1.5);
    number_is("1.000", NUMLOCALE_EN, 1);
    number_refused("1.000,5", NUMLOCALE_EN, NUMLOCALE_NOT_LOCALE);
    number_refused("212,5", NUMLOCALE_EN, NUMLOCALE_NOT_LOCALE);

    enum numlocale l;
    assert_int_equal(numlocale_from_name("VI", &l), 0);
    assert_int_equal(l, NUMLOCALE_VI);
    assert_int_equal(numlocale_from_name("en", &l), 0);
    assert_int_equal(l, NUMLOCALE_EN);
    assert_int_equal(numlocale_from_name("fr", &l), TDKT_EINVAL);
}

static void test_dates_by_locale(void **state)
{
    char iso[11];

    assert_int_equal(numlocale_date("2015-03-01", NUMLOCALE_NONE, iso), 0);
    assert_string_equal(iso, "2015-03-01");
    assert_int_equal(numlocale_date("01/03/2015", NUMLOCALE_NONE, iso), TDKT_EINVAL);
    assert_int_equal(numlocale_date("01/03/2015", NUMLOCALE_EN, iso), TDKT_EINVAL);
    assert_int_equal(numlocale_date("01/03/2015", NUMLOCALE_VI, iso), 0);
    assert_string_equal(iso, "2015-03-01");
    assert_int_equal(numlocale_date("1/3/2015", NUMLOCALE_VI, iso), 0);
    assert_string_equal(iso, "2015-03-01");
    assert_int_equal(numlocale_date("29/02/2023", NUMLOCALE_VI, iso), TDKT_EINVAL);
    assert_int_equal(numlocale_date("29/02/2024", NUMLOCALE_VI, iso), 0);
    assert_int_equal(numlocale_date("2015-02-30", NUMLOCALE_VI, iso), TDKT_EINVAL);
    assert_int_equal(numlocale_date("01/03/15", NUMLOCALE_VI, iso), TDKT_EINVAL);
    assert_int_equal(numlocale_date("01/03/2015 ", NUMLOCALE_VI, iso), TDKT_EINVAL);
}

/* A writer's number reads back alike without a locale. */
static void test_numbers_written_unambiguous(void **state)
{
    char buf[16];

    strcpy(buf, "1.125");
    assert_int_equal(numlocale_unambiguous(buf, sizeof buf, '.'), 0);
    assert_string_equal(buf, "1.1250");
    number_is(buf, NUMLOCALE_NONE, 1.125);
    strcpy(buf, "212,125");
    assert_int_equal(numlocale_unambiguous(buf, sizeof buf, ','), 0);
    assert_string_equal(buf, "212,1250");
    strcpy(buf, "0.125");
    assert_int_equal(numlocale_unambiguous(buf, sizeof buf, '.'), 0);
    assert_string_equal(buf, "0.125");
    strcpy(buf, "1000");
    assert_int_equal(numlocale_unambiguous(buf, sizeof buf, '.'), 0);
    assert_string_equal(buf, "1000");
    strcpy(buf, "1234.125");
    assert_int_equal(numlocale_unambiguous(buf, sizeof buf, '.'), 0);
    assert_string_equal(buf, "1234.125");
    char small[6] = "1.125";
    assert_int_equal(numlocale_unambiguous(small, sizeof small, '.'), TDKT_ETOOBIG);
}

static enum filekind kind_of(const char *data, size_t len)
{
    struct filekind_info fk;

    filekind_sniff(data, len, &fk);
    return fk.kind;
}

/* What a file given as text really is, so the refusal can say so. */
static void test_filekind(void **state)
{
    struct filekind_info fk;
    const char cp1258[] = "M\xe3,T\xean\nCT01,Vi\xea\xf2t Nam\n";

    assert_int_equal(kind_of("a,b\n1,2\n", 8), FILEKIND_TEXT);
    assert_int_equal(kind_of("\xEF\xBB\xBFM\xc3\xa3,b\n", 9), FILEKIND_TEXT);
    assert_int_equal(kind_of("", 0), FILEKIND_TEXT);
    assert_int_equal(kind_of("PK\x03\x04\x14\x00", 6), FILEKIND_ZIP);
    assert_int_equal(kind_of("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10), FILEKIND_OLE2);
    assert_int_equal(kind_of("%PDF-1.7\n", 9), FILEKIND_PDF);
    assert_int_equal(kind_of("\xFF\xFE"
                             "a\0,\0b\0",
                             8),
                     FILEKIND_UTF16);
    assert_int_equal(kind_of("a\0,\0b\0\n\0"
                             "1\0,\0"
                             "2\0",
                             14),
                     FILEKIND_UTF16);
    assert_int_equal(kind_of("\xFF\xFE\0\0a\0\0\0", 8), FILEKIND_UTF32);
    assert_int_equal(kind_of("abc,def\nx\0yz\n", 14), FILEKIND_BINARY);

    filekind_sniff(cp1258, sizeof cp1258 - 1, &fk);
    assert_int_equal(fk.kind, FILEKIND_NOT_UTF8);
    assert_int_equal(fk.line, 1);
    assert_int_equal(fk.column, 2);
    assert_int_equal(fk.byte, 0xe3);
    filekind_sniff("M\xc3\xa3\r\nVi\xea\xf2t", 10, &fk);
    assert_int_equal(fk.kind, FILEKIND_NOT_UTF8);
    assert_int_equal(fk.line, 2);
    assert_int_equal(fk.column, 3);

    assert_non_null(strstr(filekind_advice(FILEKIND_OLE2), "Excel 97-2003 .xls"));
    assert_non_null(strstr(filekind_advice(FILEKIND_UTF16), "UTF-16"));
    assert_non_null(strstr(filekind_advice(FILEKIND_NOT_UTF8), "Windows-1258"));
    assert_string_equal(filekind_advice(FILEKIND_TEXT), "");
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
        cmocka_unit_test(test_numbers_without_locale),
        cmocka_unit_test(test_numbers_by_locale),
        cmocka_unit_test(test_dates_by_locale),
        cmocka_unit_test(test_numbers_written_unambiguous),
        cmocka_unit_test(test_filekind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
