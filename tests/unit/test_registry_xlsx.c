/* SPDX-License-Identifier: MIT */
/*
 * The registry as a workbook (common/domain/registry_xlsx.h), through
 * registry_json_load_file as both `tdkt registry import` and `tdktd
 * registry import` read it: a workbook made by LibreOffice gives exactly
 * the records of the same registry written as JSON, and every refusal of
 * the JSON rules is told at the workbook's sheet, row and column, with the
 * rows it refers to; a file of another kind is named for what it is.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#include "common/domain/registry_json.h"
#include "common/err.h"

#define LO_BOOK TDKT_SOURCE_DIR "/tests/integration/data/so-dang-ky.xlsx"

/* The registry of LO_BOOK, as its JSON file would say it. */
static const char lo_json[] =
    "{\"rules\": [{\"code\": \"TT01-2019\", \"name\": \"Thông tư 01/2019/TT-VKSTC về công tác "
    "thi đua, khen thưởng trong ngành KSND\", \"effective_from\": \"2019-01-01\", \"values\": ["
    "{\"key\": \"vote.flag.threshold_pct\", \"value\": 80, \"source\": \"TT 01/2019 art. 20\"},"
    "{\"key\": \"ttldtt.members_ldtt_pct\", \"value\": 50, \"source\": \"TT 01/2019 art. 18\"}]}],"
    "\"units\": [{\"code\": \"VKSTC\", \"name\": \"Viện kiểm sát nhân dân tối cao\", \"kind\": "
    "\"supreme\", \"role\": \"central\"},"
    "{\"code\": \"VKSCC1\", \"name\": \"Viện kiểm sát nhân dân cấp cao tại Hà Nội\", \"kind\": "
    "\"high\", \"parent\": \"VKSTC\"},"
    "{\"code\": \"VKSCC2\", \"name\": \"Viện kiểm sát nhân dân cấp cao tại Đà Nẵng\", \"kind\": "
    "\"high\", \"parent\": \"VKSTC\"},"
    "{\"code\": \"CUC3\", \"name\": \"Cục Kế hoạch - Tài chính (Cục 3)\", \"kind\": "
    "\"department\", \"parent\": \"VKSTC\"}],"
    "\"persons\": [{\"id\": \"CC1-001\", \"name\": \"Phạm Thị Thu Hà\", \"unit\": \"VKSCC1\"},"
    "{\"id\": \"CC2-001\", \"name\": \"Lê Thị Mỹ Dung\", \"unit\": \"VKSCC2\"},"
    "{\"id\": \"HD-01\", \"name\": \"Nguyễn Văn Chủ\", \"unit\": \"VKSTC\"},"
    "{\"id\": \"HD-02\", \"name\": \"Trần Thị Phó\", \"unit\": \"VKSTC\"}],"
    "\"periods\": [{\"year\": 2021, \"state\": \"open\", \"deadline\": \"2022-01-15\"}],"
    "\"clusters\": [{\"year\": 2021, \"code\": \"CUM1\", \"name\": \"Cụm thi đua số 1\", "
    "\"kind\": \"cluster\", \"members\": [\"VKSCC1\", \"VKSCC2\"]}],"
    "\"criteria\": [{\"year\": 2021, \"cluster\": \"CUM1\", \"criteria\": ["
    "{\"code\": \"TC1\", \"name\": \"Thực hiện chức năng, nhiệm vụ chuyên môn\", \"max_points\": "
    "40},"
    "{\"code\": \"TC2\", \"name\": \"Thực hiện các nhiệm vụ trọng tâm, đột phá\", \"max_points\": "
    "15.5}]}],"
    "\"councils\": [{\"year\": 2021, \"code\": \"HDTDKT-2021\", \"name\": \"Hội đồng Thi đua - "
    "Khen thưởng ngành Kiểm sát nhân dân năm 2021\", \"members\": [{\"person\": \"HD-01\", "
    "\"role\": \"chair\"}, {\"person\": \"HD-02\", \"role\": \"vice_chair\"}]}]}";

struct fx {
    char dir[TU_PATH_MAX];
    char path[TU_PATH_MAX];
    lxw_workbook *wb;
    int n;
};
_Static_assert(offsetof(struct fx, dir) == 0, "tu_tmp_new gives the first member the directory");

static int setup(void **state)
{
    *state = tu_tmp_new(sizeof(struct fx));
    return 0;
}

/* Start the next workbook of the test. */
static void book(struct fx *f)
{
    tu_path(f->path, sizeof f->path, "%s/so-dang-ky-%d.xlsx", f->dir, ++f->n);
    f->wb = workbook_new(f->path);
    assert_non_null(f->wb);
}

/* a and b pack to the same bytes. */
static void same_record(const Tdkt__RegistryRecord *a, const Tdkt__RegistryRecord *b)
{
    size_t la = tdkt__registry_record__get_packed_size(a);
    size_t lb = tdkt__registry_record__get_packed_size(b);
    uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);

    assert_int_equal(la, lb);
    tdkt__registry_record__pack(a, pa);
    tdkt__registry_record__pack(b, pb);
    assert_memory_equal(pa, pb, la);
    free(pa);
    free(pb);
}

static int teardown(void **state)
{
    struct fx *f = *state;

    if (f->wb)
        workbook_close(f->wb);
    return tu_tmp_cmocka_teardown(state);
}

/* A sheet of nrows rows of ncols cells, each NULL (empty), "n:NUMBER" or
 * text. */
static void sheet(struct fx *f, const char *name, size_t ncols, size_t nrows,
                  const char *const cells[])
{
    lxw_worksheet *ws = workbook_add_worksheet(f->wb, name);

    assert_non_null(ws);
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            const char *v = cells[r * ncols + c];
            if (!v)
                continue;
            if (strncmp(v, "n:", 2) == 0)
                worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, strtod(v + 2, NULL), NULL);
            else
                worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, v, NULL);
        }
}

/* Close the workbook and load it: it must be refused with want in the
 * message (which starts with the file's name). */
static void refused(struct fx *f, const char *want)
{
    Tdkt__RegistryRecord **recs = NULL;
    size_t n = 0;
    char err[512], full[600];

    assert_int_equal(workbook_close(f->wb), LXW_NO_ERROR);
    f->wb = NULL;
    assert_int_equal(registry_json_load_file(f->path, &recs, &n, err, sizeof err), TDKT_EINVAL);
    assert_null(recs);
    tu_path(full, sizeof full, "%s:%s", f->path, want);
    if (strncmp(err, full, strlen(full)) != 0)
        fail_msg("error '%s', want '%s'", err, full);
}

static void test_libreoffice_book_is_the_json(void **state)
{
    Tdkt__RegistryRecord **a = NULL, **b = NULL;
    size_t na = 0, nb = 0;
    char err[512];

    (void)state;
    if (registry_json_load_file(LO_BOOK, &a, &na, err, sizeof err) != 0)
        fail_msg("%s", err);
    if (registry_json_parse(lo_json, sizeof lo_json - 1, &b, &nb, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(na, 13);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        same_record(a[i], b[i]);
    registry_records_free(a, na);
    registry_records_free(b, nb);
}

static void test_unknown_sheet_and_column(void **state)
{
    struct fx *f = *state;

    book(f);
    sheet(f, "Ghi chú", 1, 1, (const char *const[]){"x"});
    refused(f, "Ghi chú: this sheet is not a section of the registry: name the sheets units");

    book(f);
    sheet(f, "Đơn vị", 4, 2,
          (const char *const[]){"Mã đơn vị", "Tên đơn vị", "Loại", "Màu", "VKSTC", "Viện",
                                "supreme", "đỏ"});
    refused(f, "Đơn vị:1:D: unknown column 'Màu': the columns of units are code (mã), name "
               "(tên), kind (loại)");
}

/* The JSON rules' refusals, at the cell and with rows for paths. */
static void test_refusals_placed(void **state)
{
    struct fx *f = *state;

    book(f);
    sheet(f, "units", 5, 4,
          (const char *const[]){"code",  "name",     "kind",       "role", "parent", /* */
                                "VKSTC", "Tối cao",  "supreme",    NULL,   NULL,     /* */
                                "A",     "Đơn vị A", "department", NULL,   "B",      /* */
                                "B",     "Đơn vị B", "department", NULL,   "VKSTC"});
    refused(f, "units:3:E: parent: unit 'B' is given later, at row 4; list a parent before "
               "its units");

    book(f);
    sheet(f, "Cụm, khối", 5, 3,
          (const char *const[]){"Năm", "Mã cụm", "Tên cụm", "Loại", "Thành viên",       /* */
                                "n:2021", "CUM1", "Cụm 1", "cluster", "VKSCC1; VKSCC2", /* */
                                "n:2021", "CUM2", "Cụm 2", "cluster", "VKSCC2"});
    refused(f, "Cụm, khối:3:E: Thành viên: unit 'VKSCC2' is already a member of 'CUM1' in 2021 "
               "(row 2)");

    /* An inner item: its own row. */
    book(f);
    sheet(f, "Tiêu chí", 5, 4,
          (const char *const[]){"Năm",    "Mã cụm", "Mã tiêu chí", "Tên tiêu chí", "Điểm tối đa",
                                "n:2021", "CUM1",   "TC1",         "Một",          "n:40", /* */
                                NULL,     NULL,     "TC2",         "Hai",          "n:15", /* */
                                NULL,     NULL,     "TC3",         "Ba",           "n:0"});
    refused(f, "Tiêu chí:4:E: Điểm tối đa: ");

    /* A year that is no whole number, at its cell. */
    book(f);
    sheet(f, "Kỳ thi đua", 2, 2, (const char *const[]){"Năm", "Trạng thái", "n:2021.5", "open"});
    refused(f, "Kỳ thi đua:2:A: Năm: must be a whole number");

    /* Text that the locale would read a thousand times apart. */
    book(f);
    sheet(f, "Tiêu chí", 5, 2,
          (const char *const[]){"Năm", "Mã cụm", "Mã tiêu chí", "Tên tiêu chí", "Điểm tối đa",
                                "n:2021", "CUM1", "TC1", "Một", "1.000"});
    refused(f, "Tiêu chí:2:E: Điểm tối đa: '1.000' reads a thousand times apart");
}

/* The rows of one item repeat its key or leave it empty; what they give of
 * the item must agree, and the first must name it. */
static void test_grouped_rows(void **state)
{
    struct fx *f = *state;

    book(f);
    sheet(f, "Hội đồng", 5, 3,
          (const char *const[]){"Năm", "Mã hội đồng", "Tên hội đồng", "Cán bộ", "Vai trò", "n:2021",
                                "HD", "Hội đồng 2021", "HD-01", "chair", /* */
                                NULL, NULL, "Hội đồng khác", "HD-02", "member"});
    refused(f, "Hội đồng:3:C: Tên hội đồng: the Council of row 2 says otherwise");

    book(f);
    sheet(f, "Quy định", 6, 2,
          (const char *const[]){"Mã", "Tên văn bản", "Áp dụng từ", "Khóa", "Giá trị", "Căn cứ",
                                NULL, "TT", "2019-01-01", "vote.flag.threshold_pct", "n:80", NULL});
    refused(f, "Quy định:2:A: Mã: the first rule set needs its code");
}

/* What is not a workbook and not JSON text is named for what it is. */
static void test_wrong_kind_of_file(void **state)
{
    struct fx *f = *state;
    Tdkt__RegistryRecord **recs = NULL;
    size_t n = 0;
    char path[TU_PATH_MAX], err[512];
    FILE *fp;

    tu_path(path, sizeof path, "%s/registry.xls", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 1, 10, fp);
    fclose(fp);
    assert_int_equal(registry_json_load_file(path, &recs, &n, err, sizeof err), TDKT_EINVAL);
    assert_non_null(strstr(err, "registry.xls: this is an Excel 97-2003 .xls file"));

    tu_path(path, sizeof path, "%s/registry.json", f->dir);
    tu_write_file(path, "{\"persons\": [{\"name\": \"Ph\xe1m\"}]}");
    assert_int_equal(registry_json_load_file(path, &recs, &n, err, sizeof err), TDKT_EINVAL);
    assert_non_null(strstr(err, "registry.json: line 1, column 26: byte 0xE1 is not UTF-8: the "
                                "file is not UTF-8 (perhaps Windows-1258"));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libreoffice_book_is_the_json),
        T(test_unknown_sheet_and_column),
        T(test_refusals_placed),
        T(test_grouped_rows),
        T(test_wrong_kind_of_file),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
