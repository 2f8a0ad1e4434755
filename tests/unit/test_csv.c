/* SPDX-License-Identifier: MIT */
/*
 * CSV reader: whatever a spreadsheet saves (BOM, ';', CRLF, quoted line
 * breaks) becomes the rows a person sees in it, and every field knows the
 * line and column where it starts, so an import error can point at a cell.
 * Broken files are refused with the place and a sentence, never a crash.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/csv.h"

#define GARBAGE_ROUNDS 2000
#define GARBAGE_LEN    512

#define DUMP_MAX 4096

/*
 * Read all rows of s and render them as text, a row per line, each field as
 * "L:C=value" joined by '|' (quoted fields as "L:C=\"value\""), so a test
 * states what a person would see. Returns the row count or the error; the
 * reader is left for the caller to inspect and free.
 */
static int dump(const char *s, size_t len, char sep, struct csv_reader *r, char *out)
{
    static struct csv_row row;
    size_t used = 0;
    int n = 0, rc;

    out[0] = '\0';
    csv_reader_init(r, s, len, sep);
    while ((rc = csv_next_row(r, &row)) == 1) {
        for (size_t i = 0; i < row.n; i++) {
            const struct csv_field *f = &row.fields[i];
            int w;

            assert_int_equal(f->s[f->len], '\0');
            w = snprintf(out + used, DUMP_MAX - used, "%s%u:%u=%s%.*s%s", i ? "|" : "", f->line,
                         f->column, f->quoted ? "\"" : "", (int)f->len, f->s,
                         f->quoted ? "\"" : "");
            assert_true(w > 0 && (size_t)w < DUMP_MAX - used);
            used += (size_t)w;
        }
        assert_true(used + 1 < DUMP_MAX);
        out[used++] = '\n';
        out[used] = '\0';
        n++;
    }
    return rc < 0 ? rc : n;
}

static void assert_rows(const char *s, size_t len, char sep, int nrows, const char *want)
{
    struct csv_reader r;
    char got[DUMP_MAX];

    assert_int_equal(dump(s, len, sep, &r, got), nrows);
    assert_string_equal(got, want);
    csv_reader_free(&r);
}

static void test_empty_file(void **state)
{
    struct csv_reader r;
    struct csv_row row;

    csv_reader_init(&r, "", 0, ',');
    assert_int_equal(csv_next_row(&r, &row), 0);
    assert_int_equal(csv_next_row(&r, &row), 0);
    csv_reader_free(&r);

    /* Only a BOM, or only line breaks: still no rows. */
    csv_reader_init(&r, "\xEF\xBB\xBF\r\n\n", 6, ',');
    assert_int_equal(csv_next_row(&r, &row), 0);
    csv_reader_free(&r);
}

static void test_header_only(void **state)
{
    assert_rows("code,name,planned", 17, ',', 1, "1:1=code|1:6=name|1:11=planned\n");
}

static void test_bom_and_positions(void **state)
{
    /* The BOM is not a character of the first field, and columns count
     * characters: "Mã" is two. */
    const char *s = "\xEF\xBB\xBFMã;Tên\r\nCT01;Tỷ lệ giải quyết\r\n";
    static struct csv_row row;
    struct csv_reader r;

    assert_int_equal(csv_detect_separator(s, strlen(s)), ';');
    assert_rows(s, strlen(s), ';', 2, "1:1=Mã|1:4=Tên\n2:1=CT01|2:6=Tỷ lệ giải quyết\n");
    csv_reader_init(&r, s, strlen(s), ';');
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(row.fields[0].offset, 3);
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(row.fields[1].offset, strlen("\xEF\xBB\xBFMã;Tên\r\nCT01;"));
    assert_int_equal(csv_next_row(&r, &row), 0);
    csv_reader_free(&r);
}

static void test_trailing_newline_or_not(void **state)
{
    assert_rows("a,b\n1,2\n", 8, ',', 2, "1:1=a|1:3=b\n2:1=1|2:3=2\n");
    assert_rows("a,b\n1,2", 7, ',', 2, "1:1=a|1:3=b\n2:1=1|2:3=2\n");
    assert_rows("a,b\r\n1,2\r\n", 10, ',', 2, "1:1=a|1:3=b\n2:1=1|2:3=2\n");
    assert_rows("a,b\r1,2\r", 8, ',', 2, "1:1=a|1:3=b\n2:1=1|2:3=2\n");
}

static void test_blank_lines_are_skipped(void **state)
{
    assert_rows("a,b\n\n\r\n1,2\n\n", 12, ',', 2, "1:1=a|1:3=b\n4:1=1|4:3=2\n");
    /* A line of spaces is a row: only an importer knows it means nothing. */
    assert_rows("a\n \n", 4, ',', 2, "1:1=a\n2:1= \n");
}

static void test_empty_fields(void **state)
{
    assert_rows(",,\n\"\",x,\n", 9, ',', 2, "1:1=|1:2=|1:3=\n2:1=\"\"|2:4=x|2:6=\n");
}

static void test_quotes(void **state)
{
    const char *s = "\"a,b\",\"say \"\"hi\"\"\",plain\"quote\n";

    assert_rows(s, strlen(s), ',', 1, "1:1=\"a,b\"|1:7=\"say \"hi\"\"|1:20=plain\"quote\n");
}

static void test_embedded_newlines_count_lines(void **state)
{
    const char *s = "code,name\nCT01,\"line one\r\nline two\nline three\"\nCT02,x\n";
    static struct csv_row row;
    struct csv_reader r;

    assert_rows(s, strlen(s), ',', 3,
                "1:1=code|1:6=name\n2:1=CT01|2:6=\"line one\r\nline two\nline three\"\n"
                "5:1=CT02|5:6=x\n");
    csv_reader_init(&r, s, strlen(s), ',');
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.end_line, 4);
    csv_reader_free(&r);
}

static void test_semicolon_separator(void **state)
{
    const char *s = "code;points\nTC1;\"38,5\"\nTC2;12,5\n";

    assert_int_equal(csv_detect_separator(s, strlen(s)), ';');
    assert_rows(s, strlen(s), ';', 3,
                "1:1=code|1:6=points\n2:1=TC1|2:5=\"38,5\"\n3:1=TC2|3:5=12,5\n");

    /* A header with both keeps ','; one with neither too. */
    assert_int_equal(csv_detect_separator("a;b,c\n", 6), ',');
    assert_int_equal(csv_detect_separator("abc\nx;y", 7), ',');
    assert_int_equal(csv_detect_separator("\"a,b\";c\n", 8), ';');
}

static void assert_fails(const char *s, size_t len, unsigned line, unsigned column,
                         const char *words)
{
    static struct csv_row row;
    struct csv_reader r;
    char got[DUMP_MAX];

    assert_int_equal(dump(s, len, ',', &r, got), TDKT_EINVAL);
    assert_int_equal(r.err.line, line);
    assert_int_equal(r.err.column, column);
    assert_non_null(strstr(r.err.message, words));
    /* Sticky: the same error again. */
    assert_int_equal(csv_next_row(&r, &row), TDKT_EINVAL);
    csv_reader_free(&r);
}

static void test_errors_have_place_and_sentence(void **state)
{
    assert_fails("a,b\n1,\"open\n2,3\n", 15, 2, 3, "no closing quote");
    assert_fails("a,b\n\"x\"y,2\n", 11, 2, 4, "after a closing quote");
    assert_fails("a,b\n\"x\" ,2\n", 11, 2, 4, "after a closing quote");
    assert_fails("a,b\nxé,\xff\n", 10, 2, 4, "invalid UTF-8");
    assert_fails("a,b\n1,\xc3\n", 8, 2, 3, "invalid UTF-8");
    assert_fails("a,b\n1,\xed\xa0\x80\n", 10, 2, 3, "invalid UTF-8"); /* surrogate */
    assert_fails("a,b\n1,\xc0\xaf\n", 9, 2, 3, "invalid UTF-8");      /* overlong */
    assert_fails("a,b\n1,x\0y\n", 10, 2, 4, "NUL");
    assert_fails("\"a\nb\nc,d\n", 9, 1, 1, "no closing quote");
}

/* Count rows of s, or the error; r is left to inspect and free. */
static int count_rows(const char *s, size_t len, struct csv_reader *r)
{
    static struct csv_row row;
    int n = 0, rc;

    csv_reader_init(r, s, len, ',');
    while ((rc = csv_next_row(r, &row)) == 1)
        n++;
    return rc < 0 ? rc : n;
}

static void test_limits(void **state)
{
    static struct csv_row row;
    struct csv_reader r;
    size_t n = CSV_FIELD_MAX + 10;
    char *s = malloc(n + 16);

    /* A field of exactly CSV_FIELD_MAX bytes is fine, one more is not. */
    memset(s, 'x', CSV_FIELD_MAX);
    memcpy(s + CSV_FIELD_MAX, "\n", 1);
    csv_reader_init(&r, s, CSV_FIELD_MAX + 1, ',');
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(row.fields[0].len, CSV_FIELD_MAX);
    assert_int_equal(csv_next_row(&r, &row), 0);
    csv_reader_free(&r);

    memset(s, 'x', n);
    s[0] = 'a';
    s[1] = ',';
    assert_int_equal(count_rows(s, n, &r), TDKT_EINVAL);
    assert_int_equal(r.err.column, 3);
    assert_non_null(strstr(r.err.message, "longer than"));
    csv_reader_free(&r);

    /* An unterminated quote swallowing a big file reads as too long. */
    s[2] = '"';
    assert_int_equal(count_rows(s, n, &r), TDKT_EINVAL);
    assert_non_null(strstr(r.err.message, "closing quote"));
    csv_reader_free(&r);

    /* CSV_FIELDS_MAX fields fit; one more does not. */
    memset(s, ',', CSV_FIELDS_MAX - 1);
    csv_reader_init(&r, s, CSV_FIELDS_MAX - 1, ',');
    assert_int_equal(csv_next_row(&r, &row), 1);
    assert_int_equal(row.n, CSV_FIELDS_MAX);
    csv_reader_free(&r);
    memset(s, ',', CSV_FIELDS_MAX);
    assert_int_equal(count_rows(s, CSV_FIELDS_MAX, &r), TDKT_EINVAL);
    assert_non_null(strstr(r.err.message, "more than"));
    csv_reader_free(&r);
    free(s);
}

static void test_row_limit(void **state)
{
    struct csv_reader r;
    /* 20 fields of 60,000 bytes: each fits, the row does not. */
    size_t per = 60000, nf = 20, n = nf * (per + 1);
    char *s = malloc(n);

    for (size_t i = 0; i < nf; i++) {
        memset(s + i * (per + 1), 'y', per);
        s[i * (per + 1) + per] = i + 1 == nf ? '\n' : ',';
    }
    assert_int_equal(count_rows(s, n, &r), TDKT_EINVAL);
    assert_non_null(strstr(r.err.message, "row is longer"));
    csv_reader_free(&r);
    free(s);
}

static void test_needs_quotes(void **state)
{
    assert_false(csv_needs_quotes("abc", 3, ','));
    assert_false(csv_needs_quotes("", 0, ','));
    assert_true(csv_needs_quotes("a,b", 3, ','));
    assert_false(csv_needs_quotes("a,b", 3, ';'));
    assert_true(csv_needs_quotes("a;b", 3, ';'));
    assert_true(csv_needs_quotes("a\"b", 3, ','));
    assert_true(csv_needs_quotes("a\nb", 3, ','));
    assert_true(csv_needs_quotes(" a", 2, ','));
}

/* Random bytes from a small alphabet rich in CSV syntax: the reader ends
 * with rows or an error, fields stay inside the limits, and positions never
 * go backwards. */
static void test_garbage(void **state)
{
    static const char alphabet[] = {',', ';',    '"',    '\r',   '\n', 'a',
                                    ' ', '\xc3', '\xa9', '\xff', '\0'};
    static struct csv_row row;
    char buf[GARBAGE_LEN];
    uint32_t seed = 12345;

    for (int round = 0; round < GARBAGE_ROUNDS; round++) {
        struct csv_reader r;
        size_t len = (size_t)round % GARBAGE_LEN;
        unsigned last_line = 0;
        int rc;

        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = alphabet[(seed >> 16) % sizeof alphabet];
        }
        csv_reader_init(&r, buf, len, round % 2 ? ';' : ',');
        while ((rc = csv_next_row(&r, &row)) == 1) {
            assert_true(row.n >= 1 && row.n <= CSV_FIELDS_MAX);
            assert_true(row.line >= last_line && row.end_line >= row.line);
            last_line = row.end_line;
            for (size_t i = 0; i < row.n; i++) {
                assert_true(row.fields[i].len <= CSV_FIELD_MAX);
                assert_true(row.fields[i].offset <= len);
                assert_int_equal(memchr(row.fields[i].s, '\0', row.fields[i].len), NULL);
            }
        }
        assert_true(rc == 0 || rc == TDKT_EINVAL);
        if (rc < 0)
            assert_true(r.err.line >= 1 && r.err.column >= 1 && r.err.message[0]);
        csv_reader_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_bom_and_positions),
        cmocka_unit_test(test_trailing_newline_or_not),
        cmocka_unit_test(test_blank_lines_are_skipped),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_embedded_newlines_count_lines),
        cmocka_unit_test(test_semicolon_separator),
        cmocka_unit_test(test_errors_have_place_and_sentence),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_row_limit),
        cmocka_unit_test(test_needs_quotes),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
