/* SPDX-License-Identifier: MIT */
/*
 * The workbook reader (common/text/xlsx_read.h): what a spreadsheet program
 * writes comes out cell for cell (shared and inline strings, rich text,
 * numbers, booleans, dates as serials, formulas by their value, sparse rows
 * and columns at their places, the sheet asked for), and what is damaged or
 * hostile is refused with the row and column, or the part, that is wrong:
 * not a ZIP, a ZIP without a workbook, an OpenDocument file, a part that
 * inflates past XLSX_PART_MAX, a DTD, XML that is not well-formed, cells out
 * of order or past column IV, a shared string that is not there.
 *
 * Good workbooks are written here with libxlsxwriter, as the report is;
 * damaged ones are put together part by part with libzip.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>
#include <zip.h>

#include "common/err.h"
#include "common/text/xlsx_read.h"

struct fx {
    char dir[TU_PATH_MAX];
    char path[TU_PATH_MAX];
    char *data;
    size_t len;
    struct xlsx_book *book;
};
_Static_assert(offsetof(struct fx, dir) == 0, "tu_tmp_new gives the first member the directory");

static int setup(void **state)
{
    struct fx *f = tu_tmp_new(sizeof *f);

    tu_path(f->path, sizeof f->path, "%s/book.xlsx", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    xlsx_close(f->book);
    free(f->data);
    return tu_tmp_cmocka_teardown(state);
}

static void load(struct fx *f)
{
    free(f->data);
    f->data = tu_read_file(f->path, &f->len);
}

/* Open f's file: 0, or the error with err filled. */
static int open_book(struct fx *f, struct xlsx_error *err)
{
    load(f);
    xlsx_close(f->book);
    f->book = NULL;
    return xlsx_open(f->data, f->len, &f->book, err);
}

/* The next row must be number row with the cells want ("" for an empty
 * one; a type letter before a ':' says the type: n number, b bool, e
 * error, t text). */
static void row_is(struct fx *f, unsigned row, const char *const want[])
{
    struct xlsx_row r;
    struct xlsx_error err;
    size_t n = 0;
    int rc = xlsx_next_row(f->book, &r, &err);

    if (rc != 1)
        fail_msg("row %u: rc %d: %s", row, rc, err.message);
    assert_int_equal(r.row, row);
    while (want[n])
        n++;
    if (r.n != n)
        fail_msg("row %u has %zu cells, want %zu", row, r.n, n);
    for (size_t i = 0; i < n; i++) {
        const char *w = want[i];
        enum xlsx_type t = w[0] ? XLSX_TEXT : XLSX_EMPTY;

        if (w[0] && w[1] == ':') {
            t = w[0] == 'n'   ? XLSX_NUMBER
                : w[0] == 'b' ? XLSX_BOOL
                : w[0] == 'e' ? XLSX_ERROR
                              : XLSX_TEXT;
            w += 2;
        }
        if (r.cells[i].type != t || strcmp(r.cells[i].s, w) != 0)
            fail_msg("row %u cell %zu: type %d '%s', want type %d '%s'", row, i + 1,
                     (int)r.cells[i].type, r.cells[i].s, (int)t, w);
        assert_int_equal(r.cells[i].len, strlen(w));
    }
}

static void end_of_sheet(struct fx *f)
{
    struct xlsx_row r;
    struct xlsx_error err;

    assert_int_equal(xlsx_next_row(f->book, &r, &err), 0);
}

/* ---- workbooks as spreadsheet programs write them ------------------------- */

/* Two sheets: the results with every kind of cell, and a second one. */
static void write_good(const char *path, int constant_memory)
{
    lxw_workbook_options opt = {.constant_memory = (uint8_t)constant_memory};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Kết quả");
    lxw_worksheet *ws2 = workbook_add_worksheet(wb, "Ghi chú");
    lxw_format *date = workbook_add_format(wb);
    lxw_format *bold = workbook_add_format(wb);
    lxw_datetime d = {2015, 3, 1, 0, 0, 0};

    format_set_num_format(date, "dd/mm/yyyy");
    format_set_bold(bold);
    worksheet_write_string(ws, 0, 0, "Mã chỉ tiêu", NULL);
    worksheet_write_string(ws, 0, 1, "Tên chỉ tiêu", NULL);
    worksheet_write_string(ws, 0, 2, "Kế hoạch", NULL);
    worksheet_write_string(ws, 0, 3, "Thực hiện", NULL);
    worksheet_write_string(ws, 0, 4, "Ngày", NULL);
    worksheet_write_string(ws, 1, 0, "CT01", NULL);
    worksheet_write_string(ws, 1, 1, "Tỷ lệ giải quyết án", NULL);
    worksheet_write_number(ws, 1, 2, 100, NULL);
    worksheet_write_number(ws, 1, 3, 84.7, NULL);
    worksheet_write_datetime(ws, 1, 4, &d, date);
    /* Row 3 is left out; row 4 has only a formatted empty cell. */
    worksheet_write_blank(ws, 3, 1, bold);
    /* A sparse row: B and E empty. */
    worksheet_write_string(ws, 4, 0, "CT02", NULL);
    worksheet_write_string(ws, 4, 2, "1.000", NULL);
    worksheet_write_boolean(ws, 4, 3, 1, NULL);
    /* Rich text is one string of runs; a formula is its computed value. */
    if (!constant_memory) {
        lxw_rich_string_tuple a = {.format = bold, .string = "Nhiệm vụ "};
        lxw_rich_string_tuple b = {.format = NULL, .string = "trọng tâm"};
        lxw_rich_string_tuple *runs[] = {&a, &b, NULL};
        worksheet_write_rich_string(ws, 5, 1, runs, NULL);
    } else {
        worksheet_write_string(ws, 5, 1, "Nhiệm vụ trọng tâm", NULL);
    }
    worksheet_write_formula_num(ws, 5, 2, "=C2*2", NULL, 200);
    worksheet_write_number(ws, 5, 3, 1234.125, NULL);
    worksheet_write_number(ws, 5, 4, -0.0, NULL);
    /* A lone cell far down and right: G9. */
    worksheet_write_string(ws, 8, 6, "cuối", NULL);
    worksheet_write_string(ws2, 0, 0, "ghi chú", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void read_good(struct fx *f)
{
    struct xlsx_error err;
    size_t i;

    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_count(f->book), 2);
    assert_string_equal(xlsx_sheet_name(f->book, 0), "Kết quả");
    assert_string_equal(xlsx_sheet_name(f->book, 1), "Ghi chú");
    assert_int_equal(xlsx_sheet_first(f->book), 0);
    assert_int_equal(xlsx_date1904(f->book), 0);
    assert_int_equal(xlsx_sheet_open(f->book, xlsx_sheet_first(f->book), &err), 0);
    row_is(f, 1,
           (const char *const[]){"Mã chỉ tiêu", "Tên chỉ tiêu", "Kế hoạch", "Thực hiện", "Ngày",
                                 NULL});
    row_is(
        f, 2,
        (const char *const[]){"CT01", "Tỷ lệ giải quyết án", "n:100", "n:84.7", "n:42064", NULL});
    row_is(f, 5, (const char *const[]){"CT02", "", "1.000", "b:true", NULL});
    row_is(f, 6,
           (const char *const[]){"", "Nhiệm vụ trọng tâm", "n:200", "n:1234.125", "n:0", NULL});
    row_is(f, 9, (const char *const[]){"", "", "", "", "", "", "cuối", NULL});
    end_of_sheet(f);
    end_of_sheet(f);

    /* By name: exactly, or ignoring case and tone marks. */
    assert_int_equal(xlsx_sheet_find(f->book, "Ghi chú", &i), 0);
    assert_int_equal(i, 1);
    assert_int_equal(xlsx_sheet_find(f->book, "GHI CHU", &i), 0);
    assert_int_equal(i, 1);
    assert_int_equal(xlsx_sheet_find(f->book, "Sheet1", &i), TDKT_ENOTFOUND);
    assert_int_equal(xlsx_sheet_open(f->book, 1, &err), 0);
    row_is(f, 1, (const char *const[]){"ghi chú", NULL});
    end_of_sheet(f);
}

/* libxlsxwriter's default: shared strings. */
static void test_shared_strings(void **state)
{
    struct fx *f = *state;

    write_good(f->path, 0);
    read_good(f);
}

/* Its constant-memory mode writes inline strings instead. */
static void test_inline_strings(void **state)
{
    struct fx *f = *state;

    write_good(f->path, 1);
    read_good(f);
}

/* The first sheet by default is the first a person sees. */
static void test_first_visible_sheet(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;
    lxw_workbook *wb = workbook_new(f->path);
    lxw_worksheet *hidden = workbook_add_worksheet(wb, "Ẩn");
    lxw_worksheet *shown = workbook_add_worksheet(wb, "Hiện");

    worksheet_write_string(hidden, 0, 0, "x", NULL);
    worksheet_write_string(shown, 0, 0, "y", NULL);
    worksheet_activate(shown);
    worksheet_hide(hidden);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_first(f->book), 1);
}

static void test_serial_dates(void **state)
{
    char iso[11];

    assert_int_equal(xlsx_serial_date(42064, 0, iso), 0);
    assert_string_equal(iso, "2015-03-01");
    assert_int_equal(xlsx_serial_date(42064.75, 0, iso), 0);
    assert_string_equal(iso, "2015-03-01");
    assert_int_equal(xlsx_serial_date(1, 0, iso), 0);
    assert_string_equal(iso, "1900-01-01");
    assert_int_equal(xlsx_serial_date(59, 0, iso), 0);
    assert_string_equal(iso, "1900-02-28");
    assert_int_equal(xlsx_serial_date(60, 0, iso), TDKT_EINVAL);
    assert_int_equal(xlsx_serial_date(61, 0, iso), 0);
    assert_string_equal(iso, "1900-03-01");
    assert_int_equal(xlsx_serial_date(0, 0, iso), TDKT_EINVAL);
    assert_int_equal(xlsx_serial_date(-3, 0, iso), TDKT_EINVAL);
    assert_int_equal(xlsx_serial_date(2958465, 0, iso), 0);
    assert_string_equal(iso, "9999-12-31");
    assert_int_equal(xlsx_serial_date(2958466, 0, iso), TDKT_EINVAL);
    assert_int_equal(xlsx_serial_date(0, 1, iso), 0);
    assert_string_equal(iso, "1904-01-01");
    assert_int_equal(xlsx_serial_date(40602, 1, iso), 0);
    assert_string_equal(iso, "2015-03-01");
}

static void test_column_names(void **state)
{
    char c[XLSX_COLNAME_MAX];

    xlsx_column_name(1, c);
    assert_string_equal(c, "A");
    xlsx_column_name(4, c);
    assert_string_equal(c, "D");
    xlsx_column_name(26, c);
    assert_string_equal(c, "Z");
    xlsx_column_name(27, c);
    assert_string_equal(c, "AA");
    xlsx_column_name(256, c);
    assert_string_equal(c, "IV");
    xlsx_column_name(16384, c);
    assert_string_equal(c, "XFD");
}

/* ---- workbooks put together part by part -------------------------------- */

struct part {
    const char *name;
    const char *text; /* NULL: a part of size bytes of 'x' */
    size_t size;
};

static void zip_parts(const char *path, const struct part *parts)
{
    int ze = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);

    assert_non_null(za);
    for (; parts->name; parts++) {
        size_t n = parts->text ? strlen(parts->text) : parts->size;
        char *copy = malloc(n ? n : 1);
        zip_source_t *src;

        assert_non_null(copy);
        if (parts->text)
            memcpy(copy, parts->text, n);
        else
            memset(copy, 'x', n);
        src = zip_source_buffer(za, copy, n, 1);
        assert_non_null(src);
        assert_true(zip_file_add(za, parts->name, src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(za), 0);
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL  "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";
static const char workbook_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                                   "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
                                   "<sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
                                   "</sheets></workbook>";
static const char workbook_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" NS_REL "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" NS_REL "/sharedStrings\" Target=\"/xl/sharedStrings.xml\"/>"
    "</Relationships>";
static const char sst_xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                              "<sst xmlns=\"" NS_MAIN "\" count=\"3\" uniqueCount=\"3\">"
                              "<si><t>Mã</t></si>"
                              "<si><r><t>Tên </t></r><r><t xml:space=\"preserve\">chỉ tiêu</t></r>"
                              "<rPh sb=\"0\" eb=\"1\"><t>ignored</t></rPh></si>"
                              "<si><t/></si></sst>";

/* A workbook whose one sheet's <sheetData> holds rows. */
static void write_sheet(struct fx *f, const char *rows)
{
    char sheet[8192];

    tu_path(sheet, sizeof sheet,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"" NS_MAIN
            "\"><sheetData>%s</sheetData></worksheet>",
            rows);
    zip_parts(f->path, (const struct part[]){{"_rels/.rels", root_rels, 0},
                                             {"xl/workbook.xml", workbook_xml, 0},
                                             {"xl/_rels/workbook.xml.rels", workbook_rels, 0},
                                             {"xl/sharedStrings.xml", sst_xml, 0},
                                             {"xl/worksheets/sheet1.xml", sheet, 0},
                                             {NULL, NULL, 0}});
}

/* The sheet must be refused at row, col with a message holding want. */
static void sheet_refused(struct fx *f, const char *rows, unsigned row, unsigned col,
                          const char *want)
{
    struct xlsx_error err;
    struct xlsx_row r;
    int rc;

    write_sheet(f, rows);
    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_open(f->book, 0, &err), 0);
    while ((rc = xlsx_next_row(f->book, &r, &err)) == 1)
        ;
    if (rc >= 0)
        fail_msg("sheet read without error: %s", rows);
    if (err.row != row || err.col != col || !strstr(err.message, want))
        fail_msg("error at %u:%u '%s', want %u:%u '%s'", err.row, err.col, err.message, row, col,
                 want);
    /* Errors are sticky. */
    assert_int_equal(xlsx_next_row(f->book, &r, &err), 0);
}

/* Cells with and without references, every type, shared strings by index. */
static void test_cell_types_by_hand(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;

    write_sheet(f, "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c>"
                   "<c r=\"C2\" t=\"s\"><v>2</v></c></row>"
                   "<row><c t=\"inlineStr\"><is><t>inline</t></is></c><c t=\"b\"><v>0</v></c>"
                   "<c t=\"e\"><v>#DIV/0!</v></c><c t=\"str\"><f>A1</f><v>text of f</v></c>"
                   "<c r=\"F3\" t=\"d\"><v>2015-03-01T00:00:00</v></c>"
                   "<c r=\"G3\"><v> 1E-3 </v></c><c r=\"H3\" t=\"n\"><v>2021</v></c></row>"
                   "<row r=\"7\"><c r=\"D7\" s=\"1\"/><c r=\"E7\"><f>X</f></c></row>"
                   "<row r=\"8\" spans=\"1:3\"><c r=\"C8\"><v>5</v></c></row>");
    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_open(f->book, 0, &err), 0);
    row_is(f, 2, (const char *const[]){"Mã", "Tên chỉ tiêu", NULL});
    row_is(f, 3,
           (const char *const[]){"inline", "b:false", "e:#DIV/0!", "text of f", "", "2015-03-01",
                                 "n:0.001", "n:2021", NULL});
    row_is(f, 8, (const char *const[]){"", "", "n:5", NULL});
    end_of_sheet(f);
}

static void test_sheet_errors_located(void **state)
{
    struct fx *f = *state;

    sheet_refused(f, "<row r=\"7\"><c r=\"D7\" t=\"s\"><v>9</v></c></row>", 7, 4,
                  "cell D7 refers to shared string '9'");
    sheet_refused(f, "<row r=\"3\"><c r=\"C3\"><v>1</v></c><c r=\"B3\"><v>2</v></c></row>", 3, 2,
                  "out of order");
    sheet_refused(f, "<row r=\"3\"><c r=\"A4\"><v>1</v></c></row>", 3, 0,
                  "cell A4 is inside row 3");
    sheet_refused(f, "<row r=\"5\"><c r=\"A5\"><v>1</v></c></row><row r=\"4\"/>", 4, 0,
                  "row 4 comes after row 5");
    sheet_refused(f, "<row r=\"2\"><c r=\"IW2\"><v>1</v></c></row>", 2, 257,
                  "cell IW2 has a value, beyond the last column read (IV");
    sheet_refused(f, "<row r=\"6\"><c r=\"B6\"><v>12abc</v></c></row>", 6, 2,
                  "cell B6 is a number cell holding '12abc'");
    sheet_refused(f, "<row r=\"6\"><c r=\"B6\" t=\"b\"><v>2</v></c></row>", 6, 2,
                  "cell B6 is a boolean");
    sheet_refused(f, "<row r=\"6\"><c r=\"B6\" t=\"x\"><v>2</v></c></row>", 6, 2,
                  "unknown type 'x'");
    sheet_refused(f, "<row r=\"2\"><c r=\"7D\"><v>1</v></c></row>", 2, 0,
                  "not a cell reference like D7");
    sheet_refused(f, "<row r=\"0\"></row>", 1, 0, "a row is numbered '0'");
    sheet_refused(f, "<row r=\"2\"><c r=\"A2\"><v>1</v></c>", 0, 0, "not well-formed XML");
    sheet_refused(f, "<row r=\"2\"><c r=\"A2\"><v>1&bogus;</v></c></row>", 0, 0,
                  "not well-formed XML");
}

static void test_not_a_zip(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;

    tu_write_file(f->path, "code,name\nCT01,x\n");
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "not a readable ZIP archive"));
    assert_int_equal(xlsx_open("", 0, &f->book, &err), TDKT_EINVAL);
    assert_null(f->book);
}

static void test_zip_without_workbook(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;

    zip_parts(f->path, (const struct part[]){{"readme.txt", "hello", 0}, {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "not an Excel workbook (it has no xl/workbook.xml)"));

    zip_parts(f->path, (const struct part[]){{"mimetype",
                                              "application/vnd.oasis."
                                              "opendocument.spreadsheet",
                                              0},
                                             {"content.xml", "<x/>", 0},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "OpenDocument file (.ods)"));

    zip_parts(f->path, (const struct part[]){{"word/document.xml", "<x/>", 0}, {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "Word document"));

    /* A workbook whose sheet is not where its relationships say. */
    zip_parts(f->path, (const struct part[]){{"_rels/.rels", root_rels, 0},
                                             {"xl/workbook.xml", workbook_xml, 0},
                                             {"xl/_rels/workbook.xml.rels", workbook_rels, 0},
                                             {"xl/sharedStrings.xml", sst_xml, 0},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_open(f->book, 0, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "has no part xl/worksheets/sheet1.xml"));
}

/* Without the package's root relationships the workbook is where Excel
 * puts it; without a sharedStrings part, there are none. */
static void test_minimal_package(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;
    static const char rels[] =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" Type=\"" NS_REL
        "/worksheet\" Target=\"./sub/../worksheets/s.xml\"/>"
        "<Relationship Id=\"rId9\" Type=\"" NS_REL
        "/hyperlink\" Target=\"http://example.org/\" TargetMode=\"External\"/>"
        "</Relationships>";

    zip_parts(f->path, (const struct part[]){{"xl/workbook.xml", workbook_xml, 0},
                                             {"xl/_rels/workbook.xml.rels", rels, 0},
                                             {"xl/worksheets/s.xml",
                                              "<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row>"
                                              "<c><v>1</v></c></row></sheetData></worksheet>",
                                              0},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), 0);
    assert_int_equal(xlsx_sheet_open(f->book, 0, &err), 0);
    row_is(f, 1, (const char *const[]){"n:1", NULL});
    end_of_sheet(f);
}

/* A part that would inflate past XLSX_PART_MAX is refused before it is
 * read, from the size its archive declares. */
static void test_oversized_part(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;

    zip_parts(f->path, (const struct part[]){{"_rels/.rels", root_rels, 0},
                                             {"xl/workbook.xml", workbook_xml, 0},
                                             {"xl/_rels/workbook.xml.rels", workbook_rels, 0},
                                             {"xl/sharedStrings.xml", NULL, XLSX_PART_MAX + 1},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_ETOOBIG);
    assert_true(f->len < 1024 * 1024); /* it was small on disk: a zip bomb */
    assert_non_null(strstr(err.message, "xl/sharedStrings.xml would be 67108865 bytes "
                                        "uncompressed, above the limit of 64 MiB: the file is a "
                                        "zip bomb"));
}

/* No DTD, so no entity: refused before libxml2 reads it. */
static void test_dtd_refused(void **state)
{
    struct fx *f = *state;
    struct xlsx_error err;
    static const char bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE sst [<!ENTITY a \"aaaaaaaa\">"
                               "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                               "<sst xmlns=\"" NS_MAIN "\"><si><t>&b;</t></si></sst>";

    zip_parts(f->path, (const struct part[]){{"_rels/.rels", root_rels, 0},
                                             {"xl/workbook.xml", workbook_xml, 0},
                                             {"xl/_rels/workbook.xml.rels", workbook_rels, 0},
                                             {"xl/sharedStrings.xml", bomb, 0},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "xl/sharedStrings.xml declares a DTD"));

    zip_parts(f->path, (const struct part[]){{"_rels/.rels", root_rels, 0},
                                             {"xl/workbook.xml", "\xFF\xFE<\0w\0", 0},
                                             {NULL, NULL, 0}});
    assert_int_equal(open_book(f, &err), TDKT_EINVAL);
    assert_non_null(strstr(err.message, "xl/workbook.xml is not UTF-8 XML"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_shared_strings),
        T(test_inline_strings),
        T(test_first_visible_sheet),
        cmocka_unit_test(test_serial_dates),
        cmocka_unit_test(test_column_names),
        T(test_cell_types_by_hand),
        T(test_sheet_errors_located),
        T(test_not_a_zip),
        T(test_zip_without_workbook),
        T(test_minimal_package),
        T(test_oversized_part),
        T(test_dtd_refused),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
