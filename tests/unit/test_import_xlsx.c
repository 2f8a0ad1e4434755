/* SPDX-License-Identifier: MIT */
/*
 * Spreadsheets both ways (issue 16): a results workbook (.xlsx) imports by
 * the same column rules as CSV, with every error at SHEET:ROW:COLUMN; its
 * number cells need no locale and its date cells are dates; numbers typed
 * as text read by the declared locale (1.000 is one thousand in vi) and are
 * refused when none is declared and the locale would decide; a file of
 * another kind or encoding is named for what it is; and what export writes
 * (XLSX, plain CSV, CSV for Vietnamese Excel) imports back to the same
 * records.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "client/lib/export.h"
#include "client/lib/import.h"
#include "common/domain/records.h"
#include "common/err.h"

struct fx {
    char dir[TU_PATH_MAX];
    char path[TU_PATH_MAX];
    char *data;
    size_t len;
};
_Static_assert(offsetof(struct fx, dir) == 0, "tu_tmp_new gives the first member the directory");

static int setup(void **state)
{
    struct fx *f = tu_tmp_new(sizeof *f);

    tu_path(f->path, sizeof f->path, "%s/ket-qua.xlsx", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    free(f->data);
    return tu_tmp_cmocka_teardown(state);
}

static void load(struct fx *f)
{
    free(f->data);
    f->data = tu_read_file(f->path, &f->len);
}

/* The person resolver of a local registry with two persons of VKSCC2. */
static int resolve(void *arg, const char *unit, const char *text, char id[IMPORT_ID_MAX + 1])
{
    (void)arg;
    if (strcmp(unit, "VKSCC2") != 0)
        return TDKT_ENOTFOUND;
    if (strcmp(text, "Trần Thị Bình") == 0 || strcmp(text, "CC2-002") == 0)
        snprintf(id, IMPORT_ID_MAX + 1, "CC2-002");
    else if (strcmp(text, "Nguyễn Văn An") == 0 || strcmp(text, "CC2-001") == 0)
        snprintf(id, IMPORT_ID_MAX + 1, "CC2-001");
    else
        return TDKT_ENOTFOUND;
    return 0;
}

/* r's errors, each as "PLACE [where] message", one per line, into buf. */
static void errors_text(const struct import_result *r, char *buf, size_t cap)
{
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < r->nerrors && used < cap; i++) {
        char place[IMPORT_PLACE_MAX];
        int n;

        import_error_place(r, &r->errors[i], place, sizeof place);
        n = snprintf(buf + used, cap - used, "%s%s[%s] %s\n", place, place[0] ? " " : "",
                     r->errors[i].where, r->errors[i].message);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Import data: it must be refused with exactly the errors want (each a
 * prefix "PLACE [where] " and words of the message), in order. */
static void refused(const char *data, size_t len, const char *format, const struct import_opts *o,
                    const char *const want[])
{
    struct import_result r;
    char all[8192];
    size_t n = 0;

    assert_int_equal(import_buffer(data, len, format, o, &r), TDKT_EINVAL);
    assert_int_equal(r.nrecords, 0);
    errors_text(&r, all, sizeof all);
    for (; want[n]; n++) {
        char place[IMPORT_PLACE_MAX], at[IMPORT_PLACE_MAX + IMPORT_WHERE_MAX + 8];
        const char *bracket = strchr(want[n], ']');
        size_t len_at;

        if (n >= r.nerrors)
            fail_msg("want error %zu '%s'; have:\n%s", n, want[n], all);
        import_error_place(&r, &r.errors[n], place, sizeof place);
        len_at = (size_t)snprintf(at, sizeof at, "%s%s[%s] ", place, place[0] ? " " : "",
                                  r.errors[n].where);
        assert_non_null(bracket);
        if (strncmp(want[n], at, len_at) != 0 || !strstr(r.errors[n].message, want[n] + len_at))
            fail_msg("error %zu: want '%s'; have:\n%s", n, want[n], all);
    }
    if (r.nerrors != n)
        fail_msg("want %zu errors; have:\n%s", n, all);
    import_result_free(&r);
}

static void import_ok(const char *data, size_t len, const char *format, const struct import_opts *o,
                      struct import_result *r)
{
    char all[8192];

    if (import_buffer(data, len, format, o, r) != 0) {
        errors_text(r, all, sizeof all);
        fail_msg("refused:\n%s", all);
    }
}

static const Tdkt__ResultRecord *rec(const struct import_result *r, size_t g, size_t i)
{
    assert_true(g < r->ngroups);
    assert_true(i < r->groups[g].n);
    return r->groups[g].records[i];
}

/* ---- workbooks ------------------------------------------------------------ */

/* The targets an office keeps in Excel: a title-free sheet with Vietnamese
 * headers, number cells, a blank row, a sparse row, and a sheet of facts
 * with date cells. */
static void write_results(const char *path, int bad)
{
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Chỉ tiêu");
    lxw_worksheet *facts = workbook_add_worksheet(wb, "Thông tin cán bộ");
    lxw_format *date = workbook_add_format(wb);
    lxw_datetime d1 = {2015, 3, 1, 0, 0, 0}, d2 = {2021, 5, 4, 0, 0, 0};
    static const char *const head[] = {"Mã chỉ tiêu", "Tên chỉ tiêu", "Kế hoạch", "Thực hiện",
                                       "Càng thấp càng tốt"};

    format_set_num_format(date, "dd/mm/yyyy");
    for (int c = 0; c < 5; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], NULL);
    worksheet_write_string(ws, 1, 0, "CT01", NULL);
    worksheet_write_string(ws, 1, 1, "Tỷ lệ giải quyết án", NULL);
    worksheet_write_number(ws, 1, 2, 1000, NULL);
    worksheet_write_number(ws, 1, 3, 1.125, NULL); /* a number cell: no locale needed */
    worksheet_write_boolean(ws, 1, 4, 1, NULL);
    /* Row 3 blank; row 4 sparse, lower_is_better left out. */
    worksheet_write_string(ws, 3, 0, "CT02", NULL);
    worksheet_write_string(ws, 3, 1, "Số kháng nghị", NULL);
    worksheet_write_number(ws, 3, 2, 30, NULL);
    worksheet_write_number(ws, 3, 3, 34, NULL);
    if (bad) {
        worksheet_write_string(ws, 6, 0, "CT03", NULL);
        worksheet_write_string(ws, 6, 1, "Tên", NULL);
        worksheet_write_number(ws, 6, 2, 5, NULL);
        worksheet_write_string(ws, 6, 3, "1.000", NULL); /* text: the locale decides */
        worksheet_write_string(ws, 7, 0, "CT 04", NULL);
        worksheet_write_string(ws, 7, 1, "Tên", NULL);
        worksheet_write_number(ws, 7, 2, 5, NULL);
        worksheet_write_number(ws, 7, 3, 5, NULL);
        worksheet_write_string(ws, 8, 0, "CT05", NULL);
        worksheet_write_string(ws, 8, 1, "Tên", NULL);
        worksheet_write_number(ws, 8, 2, 5, NULL);
        worksheet_write_number(ws, 8, 3, 5, NULL);
        worksheet_write_string(ws, 8, 6, "lạc", NULL);
    }
    worksheet_write_string(facts, 0, 0, "Cán bộ", NULL);
    worksheet_write_string(facts, 0, 1, "Ngày tuyển dụng", NULL);
    worksheet_write_string(facts, 0, 2, "Số tháng nghỉ thai sản", NULL);
    worksheet_write_string(facts, 0, 3, "Kỷ luật", NULL);
    worksheet_write_string(facts, 0, 4, "Ngày kỷ luật", NULL);
    worksheet_write_string(facts, 1, 0, "Trần Thị Bình", NULL);
    worksheet_write_datetime(facts, 1, 1, &d1, date);
    worksheet_write_number(facts, 1, 2, 6, NULL);
    worksheet_write_string(facts, 1, 3, "khiển trách", NULL);
    worksheet_write_datetime(facts, 1, 4, &d2, date);
    worksheet_write_string(facts, 2, 0, "Nguyễn Văn An", NULL);
    worksheet_write_string(facts, 2, 1, bad ? "31/02/2010" : "15/09/2010", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void test_workbook_imports_by_the_csv_rules(void **state)
{
    struct fx *f = *state;
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;
    const Tdkt__ResultRecord *x;

    write_results(f->path, 0);
    load(f);
    import_ok(f->data, f->len, NULL, &o, &r);
    assert_string_equal(r.sheet, "Chỉ tiêu");
    assert_int_equal(r.nrecords, 2);
    x = rec(&r, 0, 0);
    assert_string_equal(x->target->code, "CT01");
    assert_true(x->target->planned == 1000);
    assert_true(x->target->achieved == 1.125);
    assert_true(x->target->lower_is_better);
    x = rec(&r, 0, 1);
    assert_string_equal(x->target->name, "Số kháng nghị");
    assert_false(x->target->lower_is_better);
    import_result_free(&r);

    /* The facts sheet by name; its dates are date cells, and in vi also
     * DD/MM/YYYY text. */
    o.sheet = "thong tin can bo";
    o.resolve_person = resolve;
    o.locale = NUMLOCALE_VI;
    import_ok(f->data, f->len, "xlsx", &o, &r);
    assert_string_equal(r.sheet, "Thông tin cán bộ");
    x = rec(&r, 0, 0);
    assert_string_equal(x->facts->person_id, "CC2-002");
    assert_string_equal(x->facts->recruited_on, "2015-03-01");
    assert_string_equal(x->facts->disciplined_on, "2021-05-04");
    assert_int_equal(x->facts->maternity_months, 6);
    assert_string_equal(rec(&r, 0, 1)->facts->recruited_on, "2010-09-15");
    import_result_free(&r);

    /* Without a locale, DD/MM/YYYY text is not a date. */
    o.locale = NUMLOCALE_NONE;
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){"Thông tin cán bộ:3:B [Ngày tuyển dụng] '15/09/2010' is not a "
                                  "date: write YYYY-MM-DD",
                                  NULL});

    o.sheet = "Bảng 3";
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){"[] the workbook has no sheet 'Bảng 3'; its sheets are "
                                  "'Chỉ tiêu' and 'Thông tin cán bộ'",
                                  NULL});
}

/* Every error at SHEET:ROW:COLUMN, COLUMN as Excel names it. */
static void test_workbook_errors_at_sheet_row_column(void **state)
{
    struct fx *f = *state;
    struct import_opts o = {.unit = "VKSCC2", .year = 2021, .resolve_person = resolve};

    write_results(f->path, 1);
    load(f);
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){
                "Chỉ tiêu:7:D [Thực hiện] '1.000' is ambiguous",
                "Chỉ tiêu:8:A [Mã chỉ tiêu] a code is 1 to 64 characters",
                "Chỉ tiêu:9:G [] this cell is after the last column of the header",
                NULL,
            });
    /* With the file's notation the text reads: one thousand in vi. */
    o.locale = NUMLOCALE_VI;
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){
                "Chỉ tiêu:8:A [Mã chỉ tiêu] a code is 1 to 64 characters",
                "Chỉ tiêu:9:G [] this cell is after the last column of the header",
                NULL,
            });
    o.sheet = "Thông tin cán bộ";
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){"Thông tin cán bộ:3:B [Ngày tuyển dụng] '31/02/2010' is not a "
                                  "date: write YYYY-MM-DD, e.g. 2015-03-01, or DD/MM/YYYY",
                                  NULL});
}

/* An empty sheet, and a sheet whose header is wrong, stop before any row. */
static void test_workbook_header_errors(void **state)
{
    struct fx *f = *state;
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    lxw_workbook *wb = workbook_new(f->path);
    lxw_worksheet *a = workbook_add_worksheet(wb, "Trống");
    lxw_worksheet *b = workbook_add_worksheet(wb, "Sai");

    (void)a;
    worksheet_write_string(b, 2, 1, "Mã chỉ tiêu", NULL);
    worksheet_write_string(b, 2, 3, "Màu", NULL);
    worksheet_write_string(b, 3, 1, "CT01", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    load(f);
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){"Trống [] sheet 'Trống' is empty: its first row must name the "
                                  "columns",
                                  NULL});
    o.sheet = "Sai";
    refused(f->data, f->len, NULL, &o,
            (const char *const[]){"Sai:3:D [Màu] unknown column 'Màu'", NULL});
}

/* A workbook under a .csv name is read as the workbook it is. */
static void test_workbook_given_as_csv(void **state)
{
    struct fx *f = *state;
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;

    write_results(f->path, 0);
    load(f);
    import_ok(f->data, f->len, "csv", &o, &r);
    assert_int_equal(r.nrecords, 2);
    import_result_free(&r);
    /* --sheet is for workbooks. */
    o.sheet = "Chỉ tiêu";
    refused("a,b\n", 4, "csv", &o,
            (const char *const[]){"[] --sheet 'Chỉ tiêu' is for a workbook (.xlsx)", NULL});
}

/* ---- numbers in text by locale -------------------------------------------- */

static void test_csv_numbers_by_locale(void **state)
{
    const char *csv = "Mã;Tên;Kế hoạch;Thực hiện\n"
                      "CT01;A;1.000;1.250,5\n"
                      "CT02;B;12;0,5\n";
    const char *count = "Mã,Tên,Số lượng\nKN,Kiến nghị,\"1,250\"\n";
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;

    refused(csv, strlen(csv), NULL, &o,
            (const char *const[]){"2:8 [Kế hoạch] '1.000' is ambiguous: a '.' or ',' before "
                                  "three digits separates thousands",
                                  "2:14 [Thực hiện] '1.250,5' has a thousands separator", NULL});
    o.locale = NUMLOCALE_VI;
    import_ok(csv, strlen(csv), NULL, &o, &r);
    assert_true(rec(&r, 0, 0)->target->planned == 1000);
    assert_true(rec(&r, 0, 0)->target->achieved == 1250.5);
    assert_true(rec(&r, 0, 1)->target->achieved == 0.5);
    import_result_free(&r);
    o.locale = NUMLOCALE_EN;
    refused(csv, strlen(csv), NULL, &o,
            (const char *const[]){"2:14 [Thực hiện] '1.250,5' is not a number in English "
                                  "notation (--locale en)",
                                  "3:11 [Thực hiện] '0,5' is not a number in English", NULL});

    /* Whole numbers too: a count of 1,250 in en, refused without a locale,
     * and in vi a count of one and a quarter is no count. */
    o.locale = NUMLOCALE_NONE;
    refused(count, strlen(count), NULL, &o,
            (const char *const[]){"2:14 [Số lượng] '1,250' is ambiguous", NULL});
    o.locale = NUMLOCALE_EN;
    import_ok(count, strlen(count), NULL, &o, &r);
    assert_int_equal(rec(&r, 0, 0)->product->count, 1250);
    import_result_free(&r);
    o.locale = NUMLOCALE_VI;
    refused(count, strlen(count), NULL, &o,
            (const char *const[]){"2:14 [Số lượng] '1,250' is not a whole number", NULL});
}

/* ---- files of another kind ------------------------------------------------ */

static void test_wrong_kind_of_file(void **state)
{
    static const char xls[] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
    static const char utf16[] = "\xFF\xFE"
                                "M\0\xE3\0,\0T\0\xEA\0n\0\r\0\n\0";
    static const char cp1258[] = "M\xe3,T\xean,K\xea\xb4 ho\xb9\x63h\nCT01,Vi\xea\xf2t,1\n";
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};

    refused(xls, sizeof xls - 1, NULL, &o,
            (const char *const[]){"[] this is an Excel 97-2003 .xls file", NULL});
    refused(xls, sizeof xls - 1, "csv", &o,
            (const char *const[]){"[] save it, without a password, as Excel Workbook (.xlsx) or "
                                  "as CSV UTF-8",
                                  NULL});
    refused(utf16, sizeof utf16 - 1, "csv", &o,
            (const char *const[]){"[] this is UTF-16 text", NULL});
    refused(cp1258, sizeof cp1258 - 1, "csv", &o,
            (const char *const[]){"1:2 [] a non-UTF-8 byte 0xE3 here: the file is not UTF-8 "
                                  "(perhaps Windows-1258, TCVN3 or VNI): in Excel choose Save As "
                                  "> CSV UTF-8",
                                  NULL});
    refused("%PDF-1.4\n", 9, "json", &o, (const char *const[]){"[] this is a PDF document", NULL});
    refused("a,b\n1,\0\n", 8, NULL, &o,
            (const char *const[]){"2:3 [] a NUL byte 0x00 here: this is not a text file", NULL});
    refused("PK\x03\x04garbage", 11, NULL, &o,
            (const char *const[]){"[] the file is not a readable ZIP archive", NULL});
}

/* ---- export and back ------------------------------------------------------ */

static const char every_kind[] =
    "loại,đơn vị,năm,mã,tên,kế hoạch,thực hiện,nguồn,hoàn thành,số lượng,tiêu chí,điểm,"
    "xếp loại,cán bộ,danh hiệu,tác giả,phạm vi,quyết định,ngày tuyển dụng,số tháng nghỉ,"
    "kỷ luật,ngày kỷ luật,đang xem xét,số tháng nghỉ thai sản,số nhiệm vụ trọng tâm kế hoạch\n"
    "target,VKSCC2,2021,CT01,\"=HYPERLINK(\"\"x\"\")\",1000,1.1250,,,,,,,,,,,,,,,,,,\n"
    "target,VKSCC2,2021,CT02,- gạch đầu dòng,0.125,212.5,,,,,,,,,,,,,,,,,,\n"
    "task,VKSCC2,2021,NV01,Chuyên đề; tháng 3,,,được giao,có,,,,,,,,,,,,,,,,\n"
    "task_plan,VKSCC2,2021,,,,,,,,,,,,,,,,,,,,,,8\n"
    "product,VKSCC2,2021,KN,Kiến nghị,,,,,1250,,,,,,,,,,,,,,,\n"
    "score,VKSCC2,2021,,,,,,,,TC1,\"38,5\",,,,,,,,,,,,,\n"
    "unit_rating,VKSCC2,2021,,,,,,,,,,HTXSNV,,,,,,,,,,,,\n"
    "person_rating,VKSCC2,2021,,,,,,,,,,HTTNV,CC2-001,,,,,,,,,,,\n"
    "registration,VKSCC2,2021,,,,,,,,,,,,TTLDXS,,,,,,,,,,\n"
    "initiative,VKSCC2,2021,SK01,,,,,,,,,,,Sổ tay,CC2-001;CC2-002,ngành,QĐ 12,,,,,,,\n"
    "facts,VKSCC2,2021,,,,,,,,,,,CC2-002,,,,,2015-03-01,2,khiển trách,2021-05-04,,4,\n"
    "facts,VKSCC3,2022,,,,,,,,,,,CC3-001,,,,,,,,,có,,\n";

static const char *const kinds[] = {"target",     "task",        "task_plan",     "product",
                                    "score",      "unit_rating", "person_rating", "registration",
                                    "initiative", "facts"};

static void assert_same(const Tdkt__ResultRecord *a, const Tdkt__ResultRecord *b)
{
    size_t la = tdkt__result_record__get_packed_size(a);
    size_t lb = tdkt__result_record__get_packed_size(b);
    uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);

    assert_int_equal(la, lb);
    tdkt__result_record__pack(a, pa);
    tdkt__result_record__pack(b, pb);
    assert_memory_equal(pa, pb, la);
    free(pa);
    free(pb);
}

/* b holds a's records of kind, group by group, in order. */
static void same_of_kind(const struct import_result *a, const char *kind,
                         const struct import_result *b)
{
    size_t bg = 0;

    for (size_t g = 0; g < a->ngroups; g++) {
        size_t bi = 0;
        int any = 0;

        for (size_t i = 0; i < a->groups[g].n; i++) {
            if (strcmp(record_kind_name(a->groups[g].records[i]), kind) != 0)
                continue;
            any = 1;
            assert_true(bg < b->ngroups);
            assert_string_equal(b->groups[bg].unit, a->groups[g].unit);
            assert_int_equal(b->groups[bg].year, a->groups[g].year);
            assert_true(bi < b->groups[bg].n);
            assert_same(a->groups[g].records[i], b->groups[bg].records[bi++]);
        }
        if (any) {
            assert_int_equal(bi, b->groups[bg].n);
            bg++;
        }
    }
    assert_int_equal(bg, b->ngroups);
}

static void csv_mem(enum export_csv_form form, const char *kind, const struct import_result *r,
                    char **out, size_t *len)
{
    FILE *f = open_memstream(out, len);

    assert_non_null(f);
    assert_int_equal(export_csv(f, kind, form, r->groups, r->ngroups), 0);
    assert_int_equal(fclose(f), 0);
}

/* CSV for Vietnamese Excel: BOM, ';', decimal comma, có/không, no sep=
 * line, formulas guarded; and it reads back, with or without --locale vi. */
static void test_csv_for_excel_reads_back(void **state)
{
    struct import_opts none = {0}, vi = {.locale = NUMLOCALE_VI};
    struct import_result a, b;
    char *text;
    size_t len;

    import_ok(every_kind, sizeof every_kind - 1, NULL, NULL, &a);
    csv_mem(EXPORT_CSV_EXCEL_VI, "target", &a, &text, &len);
    assert_non_null(strstr(text, "\xEF\xBB\xBFmã đơn vị;năm;mã chỉ tiêu;tên chỉ tiêu;kế hoạch;"
                                 "thực hiện;càng thấp càng tốt\r\n"));
    assert_null(strstr(text, "sep="));
    assert_non_null(
        strstr(text, "VKSCC2;2021;CT01;\"'=HYPERLINK(\"\"x\"\")\";1000;1,1250;không\r\n"));
    assert_non_null(strstr(text, "VKSCC2;2021;CT02;'- gạch đầu dòng;0,125;212,5;không\r\n"));
    import_ok(text, len, NULL, &none, &b);
    same_of_kind(&a, "target", &b);
    import_result_free(&b);
    import_ok(text, len, NULL, &vi, &b);
    same_of_kind(&a, "target", &b);
    import_result_free(&b);
    free(text);

    /* The plain form: ',' and '.', and never an ambiguous number. */
    csv_mem(EXPORT_CSV_PLAIN, "target", &a, &text, &len);
    assert_non_null(strstr(text, "VKSCC2,2021,CT01,\"=HYPERLINK(\"\"x\"\")\",1000,1.1250,no\r\n"));
    import_ok(text, len, NULL, &none, &b);
    same_of_kind(&a, "target", &b);
    import_result_free(&b);
    free(text);

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        csv_mem(EXPORT_CSV_EXCEL_VI, kinds[k], &a, &text, &len);
        import_ok(text, len, NULL, &vi, &b);
        same_of_kind(&a, kinds[k], &b);
        import_result_free(&b);
        free(text);
    }
    import_result_free(&a);
}

/* The workbook: a sheet per kind, each read back by --sheet. */
static void test_xlsx_export_reads_back(void **state)
{
    struct fx *f = *state;
    struct import_result a, b;
    struct import_opts o = {0};

    import_ok(every_kind, sizeof every_kind - 1, NULL, NULL, &a);
    assert_int_equal(export_xlsx(f->path, NULL, a.groups, a.ngroups), 0);
    load(f);
    import_ok(f->data, f->len, NULL, &o, &b); /* the first sheet: the targets */
    assert_string_equal(b.sheet, "Chỉ tiêu");
    same_of_kind(&a, "target", &b);
    import_result_free(&b);
    static const char *const sheets[] = {
        "Chỉ tiêu",     "Nhiệm vụ",        "Kế hoạch nhiệm vụ", "Sản phẩm",
        "Điểm tự chấm", "Xếp loại đơn vị", "Xếp loại cá nhân",  "Đăng ký danh hiệu",
        "Sáng kiến",    "Thông tin cán bộ"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        o.sheet = sheets[k];
        import_ok(f->data, f->len, NULL, &o, &b);
        same_of_kind(&a, kinds[k], &b);
        import_result_free(&b);
    }

    /* One kind, and a kind that is not one. */
    assert_int_equal(export_xlsx(f->path, "facts", a.groups, a.ngroups), 0);
    load(f);
    o.sheet = NULL;
    import_ok(f->data, f->len, NULL, &o, &b);
    assert_string_equal(b.sheet, "Thông tin cán bộ");
    same_of_kind(&a, "facts", &b);
    import_result_free(&b);
    assert_int_equal(export_xlsx(f->path, "rating", a.groups, a.ngroups), TDKT_EINVAL);
    import_result_free(&a);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_workbook_imports_by_the_csv_rules),
        T(test_workbook_errors_at_sheet_row_column),
        T(test_workbook_header_errors),
        T(test_workbook_given_as_csv),
        cmocka_unit_test(test_csv_numbers_by_locale),
        cmocka_unit_test(test_wrong_kind_of_file),
        cmocka_unit_test(test_csv_for_excel_reads_back),
        T(test_xlsx_export_reads_back),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
