/* SPDX-License-Identifier: MIT */
/*
 * Spreadsheets both ways (issue 16), through the real tdkt into the real
 * tdktd on the sector's registry (data/registry.json).
 *
 * tests/integration/data/ket-qua.xlsx was made by LibreOffice, not by tdkt:
 * `soffice --headless --convert-to xlsx ket-qua.fods` (LibreOffice 7.4,
 * Debian 12) from the flat ODF beside it. Its sheets are VKSCC1's targets
 * (number cells, a formula, a blank row, a sparse row), its staff facts
 * (names, date cells), its work products (a count typed as the text
 * "1.250", which only the file's notation can read) and a sheet with a bad
 * cell at Lỗi!D7.
 *
 * The office imports each sheet, sends them, and the central office sees
 * them on the server; a second store of the office pulls them back and
 * exports them, and what it exports (XLSX, CSV for Vietnamese Excel)
 * imports again unchanged. Files of the wrong kind are refused with what
 * they are.
 *
 * so-dang-ky.xlsx, made the same way, is a registry as a workbook: a sheet
 * per section in Vietnamese, the criteria and the Council a row per inner
 * item. tdktd imports it into the ledger, the offices see it, and the
 * central office's tdkt sends it again without changing anything.
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xlsxwriter.h>

#define BOOK     TDKT_SOURCE_DIR "/tests/integration/data/ket-qua.xlsx"
#define REGISTRY TDKT_SOURCE_DIR "/tests/integration/data/so-dang-ky.xlsx"

#define MUST(st, want) TU_EXIT_IS(st, want, out)

/* tdkt as unit, then the arguments. */
#define TDKT(f, unit, out, ...) tu_tdkt((f)->dir, (f)->d.port, unit, out, __VA_ARGS__, NULL)

static void test_libreoffice_workbook_into_the_daemon(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], store[TU_PATH_MAX], xlsx[TU_PATH_MAX], csv[TU_PATH_MAX];

    /* The registry first: the facts name persons. */
    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);

    /* The first sheet by default: the targets. */
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021"), 0);
    tu_has_all(out,
               (const char *const[]){"ket-qua.xlsx:Chỉ tiêu: 4 records, 4 new or changed", NULL});
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021", "--sheet",
              "Thông tin cán bộ"),
         0);
    tu_has_all(out, (const char *const[]){"ket-qua.xlsx:Thông tin cán bộ: 2 records", NULL});

    /* "1.250" as text: refused at its cell without the file's notation. */
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021", "--sheet", "Sản phẩm"),
         2);
    tu_has_all(out, (const char *const[]){"ket-qua.xlsx:Sản phẩm:2:C: Số lượng: '1.250' is "
                                          "ambiguous",
                                          "--locale vi", "nothing was imported", NULL});
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021", "--sheet", "san pham",
              "--locale", "vi"),
         0);
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021", "--sheet", "Lỗi"), 2);
    tu_has_all(out, (const char *const[]){"ket-qua.xlsx:Lỗi:7:D: Thực hiện: 'abc' is not a "
                                          "number",
                                          NULL});
    MUST(TDKT(f, "VKSCC1", out, "results", "import", BOOK, "--year", "2021", "--sheet", "Bảng"), 2);
    tu_has_all(out, (const char *const[]){"ket-qua.xlsx: the workbook has no sheet 'Bảng'; its "
                                          "sheets are 'Chỉ tiêu', 'Thông tin cán bộ', 'Sản "
                                          "phẩm' and 'Lỗi'",
                                          NULL});
    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);

    /* On the server, as the central office reads it. */
    MUST(TDKT(f, "VKSTC", out, "results", "show", "--remote", "--unit", "VKSCC1", "--year", "2021"),
         0);
    tu_has_all(out, (const char *const[]){"CT-HS4", "84.7/70 exceeded", "CT-HS9", "24/12", "CT-HS8",
                                          "1250.5/1000", "KN", "1250", "CC1-001",
                                          "leave 0, maternity 6 months", "CC1-002", NULL});
    /* The same for a Vietnamese reader: numbers the Vietnamese way, words translated. */
    MUST(TDKT(f, "VKSTC", out, "--lang", "vi", "results", "show", "--remote", "--unit", "VKSCC1",
              "--year", "2021"),
         0);
    tu_has_row(out, (const char *const[]){"VKSCC1", "2021", "Chỉ tiêu", "CT-HS8",
                                          "1.250,5/1.000 vượt", NULL});
    tu_has_row(out, (const char *const[]){"CT-HS4", "84,7/70 vượt", NULL});

    /* A second store of the office (a new computer) fetches the records
     * back from the server and exports them: the dates of the date cells
     * are there. */
    tu_path(store, sizeof store, "%s/VKSCC1-second.store", f->dir);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "sync"), 0);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "reconcile"), 0);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "export", "--unit", "VKSCC1", "--year",
              "2021"),
         0);
    tu_has_all(out, (const char *const[]){"\"recruited_on\": \"2015-03-01\"",
                                          "\"recruited_on\": \"2010-09-15\"",
                                          "\"achieved\": 1250.5", "\"count\": 1250", NULL});

    /* What it exports imports again, record for record: nothing changes. */
    tu_path(xlsx, sizeof xlsx, "%s/xuat.xlsx", f->dir);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "export", "--unit", "VKSCC1", "--year",
              "2021", "--format", "xlsx", "-o", xlsx),
         0);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "import", xlsx), 0);
    tu_has_all(out, (const char *const[]){"4 records, 0 new or changed", NULL});
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "import", xlsx, "--sheet",
              "Thông tin cán bộ"),
         0);
    tu_has_all(out, (const char *const[]){"2 records, 0 new or changed", NULL});
    tu_path(csv, sizeof csv, "%s/xuat.csv", f->dir);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "export", "--unit", "VKSCC1", "--year",
              "2021", "--format", "csv", "--kind", "target", "--excel-vi", "-o", csv),
         0);
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "import", csv), 0);
    tu_has_all(out, (const char *const[]){"4 records, 0 new or changed", NULL});
    MUST(TDKT(f, "VKSCC1", out, "--store", store, "results", "import", csv, "--locale", "vi"), 0);
    tu_has_all(out, (const char *const[]){"4 records, 0 new or changed", NULL});
}

/* A file in another format or encoding: what it is and how to save it. */
static void test_wrong_files_named(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], path[TU_PATH_MAX];
    FILE *fp;

    tu_path(path, sizeof path, "%s/cu.xls", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 1, 12, fp);
    fclose(fp);
    MUST(TDKT(f, "VKSCC1", out, "results", "import", path, "--year", "2021"), 2);
    tu_has_all(out, (const char *const[]){"cu.xls: this is an Excel 97-2003 .xls file", NULL});

    tu_path(path, sizeof path, "%s/unicode.csv", f->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fwrite("\xFF\xFEM\0\xE3\0\r\0\n\0", 1, 10, fp);
    fclose(fp);
    MUST(TDKT(f, "VKSCC1", out, "results", "import", path, "--year", "2021"), 2);
    tu_has_all(out, (const char *const[]){"unicode.csv: this is UTF-16 text", "CSV UTF-8", NULL});

    tu_path(path, sizeof path, "%s/ansi.csv", f->dir);
    tu_write_file(path, "M\xe3,T\xean\nCT01,Vi\xea\xf2t\n");
    MUST(TDKT(f, "VKSCC1", out, "results", "import", path, "--year", "2021"), 2);
    tu_has_all(out, (const char *const[]){"ansi.csv:1:2: a non-UTF-8 byte 0xE3 here: the file "
                                          "is not UTF-8 (perhaps Windows-1258, TCVN3 or VNI)",
                                          "Save As > CSV UTF-8", NULL});

    /* The LibreOffice workbook under a .csv name is read as the workbook. */
    tu_path(path, sizeof path, "%s/renamed.csv", f->dir);
    MUST(tu_runf(out, sizeof out, "/bin/cp", BOOK, path, NULL), 0);
    MUST(TDKT(f, "VKSCC1", out, "results", "import", path, "--year", "2021", "--dry-run"), 0);
    tu_has_all(out, (const char *const[]){"renamed.csv:Chỉ tiêu: 4 records", NULL});
}

static int setup_bare(void **state)
{
    struct tu_fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tu_fx_init(f);
    *state = f;
    return 0;
}

static void test_registry_workbook(void **state)
{
    struct tu_fx *f = *state;
    char out[TU_OUT_MAX], bad[TU_PATH_MAX];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    json_t *doc;
    json_int_t height;

    /* A refusal names the sheet, row and column, and imports nothing. */
    tu_path(bad, sizeof bad, "%s/sai.xlsx", f->dir);
    wb = workbook_new(bad);
    ws = workbook_add_worksheet(wb, "Đơn vị");
    worksheet_write_string(ws, 0, 0, "Mã đơn vị", NULL);
    worksheet_write_string(ws, 0, 1, "Tên đơn vị", NULL);
    worksheet_write_string(ws, 0, 2, "Loại", NULL);
    worksheet_write_string(ws, 2, 0, "VKSCC9", NULL);
    worksheet_write_string(ws, 2, 1, "Viện kiểm sát nhân dân tỉnh", NULL);
    worksheet_write_string(ws, 2, 2, "provincal", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "registry", "import", "--data", f->data, bad, NULL),
         2);
    tu_has_all(out, (const char *const[]){"sai.xlsx:Đơn vị:3:C: Loại: 'provincal' is not one of "
                                          "supreme, department, high, provincial",
                                          NULL});

    MUST(tu_runf(out, sizeof out, TDKTD_BIN, "registry", "import", "--data", f->data, REGISTRY,
                 NULL),
         0);
    tu_fx_serve(f, TU_FX_PLAIN, NULL);
    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);
    MUST(TDKT(f, "VKSCC1", out, "registry", "show", "--json"), 0);
    tu_has_all(out,
               (const char *const[]){"\"persons\":4", "\"clusters\":1", "\"periods\":1", NULL});
    /* The office records against it: a score on the workbook's criteria. */
    tu_path(bad, sizeof bad, "%s/diem.csv", f->dir);
    tu_write_file(bad, "Mã tiêu chí,Điểm tự chấm\nTC2,\"15,5\"\n");
    MUST(TDKT(f, "VKSCC1", out, "results", "import", bad, "--year", "2021"), 0);
    MUST(TDKT(f, "VKSCC1", out, "sync"), 0);

    /* The central office sends the same workbook: the ledger gains no
     * entry, each record being equal to the one there. */
    MUST(TDKT(f, "VKSTC", out, "status", "--json"), 0);
    doc = tu_json_parse("status", out);
    height = json_integer_value(json_object_get(doc, "ledger_height"));
    json_decref(doc);
    MUST(TDKT(f, "VKSTC", out, "registry", "import", REGISTRY), 0);
    tu_has_all(out, (const char *const[]){"so-dang-ky.xlsx: 13 registry records queued", NULL});
    MUST(TDKT(f, "VKSTC", out, "status", "--json"), 0);
    doc = tu_json_parse("status", out);
    assert_int_equal(json_integer_value(json_object_get(doc, "ledger_height")), height);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_libreoffice_workbook_into_the_daemon,
                                        tu_fx_cmocka_setup_seed, tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_files_named, tu_fx_cmocka_setup_seed,
                                        tu_fx_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_registry_workbook, setup_bare, tu_fx_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
