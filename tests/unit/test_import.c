/* SPDX-License-Identifier: MIT */
/*
 * Results import and export: the files an office fills in a spreadsheet
 * (Vietnamese headers, ';', BOM) or writes as JSON become the records it
 * means; a file with bad rows is refused as a whole with every bad cell
 * named by line and column; names typed in any Unicode form find the same
 * person; export then import gives back the same records.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/lib/export.h"
#include "client/lib/import.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/nfc.h"

#define BIG_ROWS 10000

/* ---- fixtures ------------------------------------------------------------- */

/* The local registry as the resolver sees it. Two persons share a name. */
static const struct person {
    const char *id, *unit, *name;
} people[] = {
    {"CC2-001", "VKSCC2", "Nguyễn Văn An"}, {"CC2-002", "VKSCC2", "Trần Thị Bình"},
    {"CC2-003", "VKSCC2", "Lê Văn Cường"},  {"CC2-004", "VKSCC2", "Lê Văn Cường"},
    {"CC3-001", "VKSCC3", "Nguyễn Văn An"},
};

struct resolver {
    int calls;
    int not_nfc; /* texts that reached the resolver not in NFC */
};

static int resolve(void *arg, const char *unit, const char *text, char id[IMPORT_ID_MAX + 1])
{
    struct resolver *rs = arg;
    const struct person *hit = NULL;
    int n = 0;

    rs->calls++;
    if (text_is_nfc(text, strlen(text)) != 1)
        rs->not_nfc++;
    for (size_t i = 0; i < sizeof people / sizeof people[0]; i++) {
        if (strcmp(people[i].unit, unit) != 0)
            continue;
        if (strcmp(people[i].id, text) == 0 || strcmp(people[i].name, text) == 0) {
            hit = &people[i];
            n++;
        }
    }
    if (n == 0)
        return TDKT_ENOTFOUND;
    if (n > 1)
        return TDKT_EEXIST;
    snprintf(id, IMPORT_ID_MAX + 1, "%s", hit->id);
    return 0;
}

static void print_errors(const struct import_result *r)
{
    for (size_t i = 0; i < r->nerrors; i++)
        print_message("  %u:%u [%s] %s\n", r->errors[i].line, r->errors[i].column,
                      r->errors[i].where, r->errors[i].message);
}

static int import_str(const char *s, const char *format, const struct import_opts *o,
                      struct import_result *r)
{
    return import_buffer(s, strlen(s), format, o, r);
}

/* Import s and assert it was good, listing the errors when not. */
static void import_ok(const char *s, const char *format, const struct import_opts *o,
                      struct import_result *r)
{
    int rc = import_str(s, format, o, r);

    if (rc != 0) {
        print_errors(r);
        fail_msg("import returned %d", rc);
    }
}

/*
 * Error i of r is want, written as print_errors shows an error:
 * "line:column [where] words", where words are part of its message.
 */
static void assert_error(const struct import_result *r, size_t i, const char *want)
{
    char at[IMPORT_ID_MAX + 64];
    const struct import_error *e;
    size_t len;

    if (i >= r->nerrors) {
        print_errors(r);
        fail_msg("expected an error %zu, have %zu: %s", i, r->nerrors, want);
    }
    e = &r->errors[i];
    len = (size_t)snprintf(at, sizeof at, "%u:%u [%s] ", e->line, e->column, e->where);
    if (strncmp(want, at, len) != 0 || !strstr(e->message, want + len)) {
        print_errors(r);
        fail_msg("error %zu: want %s", i, want);
    }
}

/* r's errors are exactly those of want (as assert_error has them), in
 * order; want ends with NULL. */
static void expect_errors(const struct import_result *r, const char *const want[])
{
    size_t n = 0;

    for (; want[n] != NULL; n++)
        assert_error(r, n, want[n]);
    if (r->nerrors != n) {
        print_errors(r);
        fail_msg("expected %zu errors, have %zu", n, r->nerrors);
    }
}

/* Import s: it must be refused as a whole, nothing kept, with exactly the
 * errors of w. */
static void refused(const char *s, const char *format, const struct import_opts *o,
                    const char *const w[])
{
    struct import_result r;

    assert_int_equal(import_str(s, format, o, &r), TDKT_EINVAL);
    assert_int_equal(r.ngroups, 0);
    assert_int_equal(r.nrecords, 0);
    assert_null(r.groups);
    expect_errors(&r, w);
    assert_false(r.truncated); /* every error is listed */
    import_result_free(&r);
}

static const Tdkt__ResultRecord *rec(const struct import_result *r, size_t g, size_t i)
{
    assert_true(g < r->ngroups);
    assert_true(i < r->groups[g].n);
    return r->groups[g].records[i];
}

/* ---- CSV ------------------------------------------------------------------ */

static void test_csv_vietnamese_headers_bom_semicolon(void **state)
{
    const char *csv = "\xEF\xBB\xBF"
                      "Mã chỉ tiêu;Tên chỉ tiêu;KẾ HOẠCH;thuc_hien;Càng thấp càng tốt\r\n"
                      "CT01;Tỷ lệ giải quyết tin báo;100;105,5;\r\n"
                      "CT02;\"Án trả hồ sơ; điều tra bổ sung\";5;3;x\r\n"
                      ";;;;\r\n"
                      "CT03; Số vụ  ;0;0.25;không\r\n";
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;
    const Tdkt__Target *t;

    import_ok(csv, NULL, &o, &r);
    assert_int_equal(r.ngroups, 1);
    assert_string_equal(r.groups[0].unit, "VKSCC2");
    assert_int_equal(r.groups[0].year, 2021);
    assert_int_equal(r.groups[0].n, 3);
    assert_int_equal(r.nrecords, 3);
    t = rec(&r, 0, 0)->target;
    assert_int_equal(rec(&r, 0, 0)->item_case, TDKT__RESULT_RECORD__ITEM_TARGET);
    assert_string_equal(t->code, "CT01");
    assert_string_equal(t->name, "Tỷ lệ giải quyết tin báo");
    assert_true(t->planned == 100 && t->achieved == 105.5 && !t->lower_is_better);
    t = rec(&r, 0, 1)->target;
    assert_string_equal(t->name, "Án trả hồ sơ; điều tra bổ sung");
    assert_true(t->lower_is_better);
    t = rec(&r, 0, 2)->target;
    assert_string_equal(t->name, "Số vụ"); /* cells are trimmed */
    assert_true(t->achieved == 0.25 && !t->lower_is_better);
    assert_false(rec(&r, 0, 2)->removed);
    import_result_free(&r);
}

static void test_csv_kind_from_header_and_option(void **state)
{
    struct import_opts o = {.unit = "VKSCC2", .year = 2021, .resolve_person = resolve};
    struct resolver rs = {0};
    struct import_result r;

    o.resolve_arg = &rs;
    /* person + rating: a person_rating, not a unit_rating. */
    import_ok("person,xếp loại\nCC2-001,HTXSNV\nTrần Thị Bình,Hoàn thành tốt "
              "nhiệm vụ\nCC2-003,excellent\n",
              "csv", &o, &r);
    assert_int_equal(r.nrecords, 3);
    assert_int_equal(rec(&r, 0, 1)->item_case, TDKT__RESULT_RECORD__ITEM_PERSON_RATING);
    assert_string_equal(rec(&r, 0, 1)->person_rating->person_id, "CC2-002");
    assert_int_equal(rec(&r, 0, 1)->person_rating->rating, TDKT__RATING__RATING_GOOD);
    assert_int_equal(rec(&r, 0, 2)->person_rating->rating, TDKT__RATING__RATING_EXCELLENT);
    import_result_free(&r);

    /* person + title: a registration; facts has no title. */
    import_ok("person,title\n,TTLDXS\nCC2-001,Chiến sĩ thi đua ngành KSND\n", "csv", &o, &r);
    assert_int_equal(rec(&r, 0, 0)->item_case, TDKT__RESULT_RECORD__ITEM_REGISTRATION);
    assert_int_equal(rec(&r, 0, 1)->registration->title, TDKT__TITLE__TITLE_CSTD_NGANH);
    import_result_free(&r);

    /* code, name: target, task and product all need more: --kind decides. */
    o.kind = "Product";
    import_ok("code,name,số lượng\nKN,Kiến nghị,69\n", "csv", &o, &r);
    assert_int_equal(rec(&r, 0, 0)->item_case, TDKT__RESULT_RECORD__ITEM_PRODUCT);
    assert_int_equal(rec(&r, 0, 0)->product->count, 69);
    import_result_free(&r);
}

/* One or two records of every kind, in the order of the JSON format. */
static const char every_kind_csv[] =
    "loại,đơn vị,năm,mã,tên,kế hoạch,thực hiện,nguồn,hoàn thành,số lượng,tiêu chí,điểm,"
    "xếp loại,cán bộ,danh hiệu,tác giả,phạm vi,quyết định,ngày tuyển dụng,số tháng nghỉ,"
    "nghỉ thai sản,kỷ luật,ngày kỷ luật,đang xem xét,xóa,số tháng nghỉ thai sản,"
    "số nhiệm vụ trọng tâm kế hoạch\n"
    "target,VKSCC2,2021,CT01,Tỷ lệ,100,105,,,,,,,,,,,,,,,,,,,,\n"
    "task,VKSCC2,2021,NV01,Chuyên đề,,,được giao,có,,,,,,,,,,,,,,,,,,\n"
    "task,VKSCC2,2021,NV02,Phát sinh,,,emerging,,,,,,,,,,,,,,,,,,,\n"
    "task_plan,VKSCC2,2021,,,,,,,,,,,,,,,,,,,,,,,,8\n"
    "product,VKSCC2,2021,KN,Kiến nghị,,,,,69,,,,,,,,,,,,,,,,,\n"
    "score,VKSCC2,2021,,,,,,,,TC1,\"38,5\",,,,,,,,,,,,,,,\n"
    "unit_rating,VKSCC2,2021,,,,,,,,,,HTXSNV,,,,,,,,,,,,,,\n"
    "person_rating,VKSCC2,2021,,,,,,,,,,HTTNV,CC2-001,,,,,,,,,,,,,\n"
    "registration,VKSCC2,2021,,,,,,,,,,,,Tập thể lao động xuất sắc,,,,,,,,,,,,\n"
    "registration,VKSCC2,2021,,,,,,,,,,,Nguyễn Văn An,CSTDCS,,,,,,,,,,,,\n"
    "initiative,VKSCC2,2021,SK01,,,,,,,,,,,Sổ tay kiểm sát,CC2-001; Trần Thị Bình,ngành,"
    "QĐ 12/QĐ-VKSTC,,,,,,,,,\n"
    "facts,VKSCC2,2021,,,,,,,,,,,CC2-002,,,,,2015-03-01,2,có,khiển trách,2021-05-04,,,4,\n"
    "facts,VKSCC2,2022,,,,,,,,,,,CC2-002,,,,,,,,,,X,yes,,\n";

static void test_csv_every_kind_with_kind_column(void **state)
{
    const char *csv = every_kind_csv;
    struct resolver rs = {0};
    struct import_opts o = {.resolve_person = resolve, .resolve_arg = &rs};
    struct import_result r;
    const Tdkt__ResultRecord *x;

    import_ok(csv, NULL, &o, &r);
    assert_int_equal(r.ngroups, 2);
    assert_int_equal(r.groups[0].n, 12);
    assert_int_equal(r.groups[1].year, 2022);
    x = rec(&r, 0, 1);
    assert_int_equal(x->task->origin, TDKT__TASK_ORIGIN__TASK_ORIGIN_ASSIGNED);
    assert_true(x->task->done);
    assert_false(rec(&r, 0, 2)->task->done);
    assert_int_equal(rec(&r, 0, 3)->task_plan->planned, 8);
    assert_true(rec(&r, 0, 5)->score->points == 38.5);
    assert_int_equal(rec(&r, 0, 6)->unit_rating->rating, TDKT__RATING__RATING_EXCELLENT);
    x = rec(&r, 0, 8);
    assert_string_equal(x->registration->person_id, "");
    assert_int_equal(x->registration->title, TDKT__TITLE__TITLE_TTLDXS);
    assert_string_equal(rec(&r, 0, 9)->registration->person_id, "CC2-001");
    x = rec(&r, 0, 10);
    assert_int_equal(x->initiative->n_author_ids, 2);
    assert_string_equal(x->initiative->author_ids[1], "CC2-002");
    assert_int_equal(x->initiative->scope, TDKT__SCOPE__SCOPE_SECTOR);
    assert_string_equal(x->initiative->decision_ref, "QĐ 12/QĐ-VKSTC");
    x = rec(&r, 0, 11);
    assert_string_equal(x->facts->recruited_on, "2015-03-01");
    assert_int_equal(x->facts->leave_months, 2);
    assert_true(x->facts->maternity_leave);
    assert_int_equal(x->facts->maternity_months, 4);
    assert_int_equal(x->facts->discipline, TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND);
    x = rec(&r, 1, 0);
    assert_true(x->facts->under_review && x->removed);
    import_result_free(&r);
}

static void test_names_are_stored_nfc(void **state)
{
    /* "Tỷ lệ" typed decomposed: y + U+0309, e + U+0302 + U+0323. */
    const char *csv = "code,name,planned,achieved\nCT01,Ty\xcc\x89 le\xcc\x82\xcc\xa3,1,1\n";
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;

    import_ok(csv, "csv", &o, &r);
    assert_string_equal(rec(&r, 0, 0)->target->name, "T\xe1\xbb\xb7 l\xe1\xbb\x87");
    import_result_free(&r);
}

static void test_nfd_names_find_the_same_person(void **state)
{
    /* "Nguyễn Văn An" composed (U+1EC5, U+0103) and decomposed. */
    const char *csv = "kind,person,rating,recruited_on\n"
                      "person_rating,Nguy\xe1\xbb\x85n V\xc4\x83n An,HTNV,\n"
                      "facts,Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An,,2010-01-01\n"
                      "person_rating,CC2-002,good,\n";
    struct resolver rs = {0};
    struct import_opts o = {
        .unit = "VKSCC2", .year = 2021, .resolve_person = resolve, .resolve_arg = &rs};
    struct import_result r;

    import_ok(csv, "csv", &o, &r);
    assert_int_equal(rs.calls, 3);
    assert_int_equal(rs.not_nfc, 0);
    assert_string_equal(rec(&r, 0, 0)->person_rating->person_id, "CC2-001");
    assert_string_equal(rec(&r, 0, 1)->facts->person_id, "CC2-001");
    import_result_free(&r);

    /* A name two persons share, and one nobody has, are errors at the cell;
     * without a resolver a name is not an id. */
    refused("person,rating\nLê Văn Cường,HTNV\nNgô Tất Tố,HTNV\n", "csv", &o,
            (const char *const[]){"2:1 [person] more than one person",
                                  "3:1 [person] no person 'Ngô Tất Tố' in VKSCC2", NULL});
    o.resolve_person = NULL;
    refused("person,rating\nCC2-001,HTNV\nNguyễn Văn An,HTNV\n", "csv", &o,
            (const char *const[]){"3:1 [person] not a person id", NULL});
}

static void test_csv_bad_rows_each_named(void **state)
{
    const char *csv = "code,name,planned,achieved,lower_is_better\n"
                      "CT01,Tỷ lệ,100,105,no\n"
                      "CT 02,Tên,100,105,no\n"
                      "CT03,Tên,abc,105,no\n"
                      "CT04,Tên,100,-5,maybe\n"
                      "CT05,,100,105,no\n"
                      "CT06,Tên,\"1.234,5\",1e3,\n"
                      "CT01,Again,1,1,no\n";
    static const char *const want[] = {
        "3:1 [code] a code is 1 to 64 characters",
        "4:10 [planned] 'abc' is not a number",
        "5:14 [achieved] must not be negative",
        "5:17 [lower_is_better] 'maybe' is not yes or no",
        "6:6 [name] name is missing",
        "7:10 [planned] '1.234,5' has a thousands separator, which needs the file's notation",
        "7:20 [achieved] '1e3' is not a number",
        "8:1 [] target 'CT01' of VKSCC2 for 2021 is given twice: here and on line 2",
        NULL,
    };
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};

    refused(csv, "csv", &o, want);
}

static void test_csv_unit_year_kind_errors(void **state)
{
    const char *csv = "unit,year,kind,code,name,count\n"
                      "VKSCC2,2021,product,KN,Kiến nghị,69\n"
                      "vkscc2,2021,product,KN2,x,1\n"
                      "VKSCC2,1999,product,KN3,x,1\n"
                      "VKSCC2,2021,widget,KN4,x,1\n"
                      "VKSCC2,2021,target,KN5,x,1\n"
                      ",2021,product,KN6,x,1\n"
                      "VKSCC2,,product,KN7,x,\n"
                      "VKSCC2,2021,product,KN8,x,2.5,extra\n";
    static const char *const want[] = {
        "3:1 [unit] 'vkscc2' is not a unit code",
        "4:8 [year] '1999' is not a year",
        "5:13 [kind] 'widget' is not a kind",
        "6:26 [count] a target has no count",
        "6:1 [] a target needs the column 'planned' (kế hoạch)",
        "6:1 [] a target needs the column 'achieved' (thực hiện)",
        "7:1 [unit] the unit is missing",
        "8:8 [year] the year is missing",
        "8:23 [count] count is missing",
        "9:31 [] after the last column",
        "9:27 [count] '2.5' is not a whole number",
        NULL,
    };

    refused(csv, "csv", NULL, want);
}

static void test_csv_header_errors(void **state)
{
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;

    refused("", "csv", &o, (const char *const[]){"1:1 [] the file is empty", NULL});

    /* Header only: nothing to import, nothing wrong. */
    import_ok("code,name,planned,achieved\r\n", "csv", &o, &r);
    assert_int_equal(r.ngroups, 0);
    import_result_free(&r);

    refused("code,tên,giá trị,Mã\nX,Y,1,2\n", "csv", &o,
            (const char *const[]){"1:10 [giá trị] unknown column 'giá trị'",
                                  "1:18 [Mã] is the same as column 1 ('code')", NULL});
    refused("code,name\nX,Y\n", "csv", &o,
            (const char *const[]){"1:1 [] add a kind column or give --kind", NULL});

    o.kind = "target";
    refused("code,name,planned,count\nX,Y,1,2\n", "csv", &o,
            (const char *const[]){"1:1 [] a target needs the column 'achieved'",
                                  "1:19 [count] column 'count' is not part of target records",
                                  NULL});

    o.kind = "bogus";
    refused("code\n", "csv", &o,
            (const char *const[]){"0:0 [] --kind 'bogus' is not a kind", NULL});

    /* A syntax error of the file itself. */
    o.kind = NULL;
    refused("code,name,planned,achieved\nX,\"Y,1,2\n", "csv", &o,
            (const char *const[]){"2:3 [] no closing quote", NULL});
}

static void test_csv_errors_truncate(void **state)
{
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;
    char want[64];
    size_t cap = 64 + 32 * 2 * IMPORT_ERRORS_MAX, used;
    char *csv = malloc(cap);

    used = (size_t)snprintf(csv, cap, "code,name,planned,achieved\n");
    for (int i = 0; i < 2 * IMPORT_ERRORS_MAX; i++)
        used += (size_t)snprintf(csv + used, cap - used, "C%d,N,x,1\n", i);
    assert_int_equal(import_buffer(csv, used, "csv", &o, &r), TDKT_EINVAL);
    assert_int_equal(r.nerrors, IMPORT_ERRORS_MAX);
    assert_true(r.truncated);
    /* Line 101 holds "C99,N,x,1": the 100th error. */
    tu_path(want, sizeof want, "%d:7 [planned] not a number", IMPORT_ERRORS_MAX + 1);
    assert_error(&r, IMPORT_ERRORS_MAX - 1, want);
    import_result_free(&r);
    free(csv);
}

static void test_csv_ten_thousand_rows(void **state)
{
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;
    char want[64];
    size_t cap = 64 + 64 * BIG_ROWS, used;
    char *csv = malloc(cap);

    used = (size_t)snprintf(csv, cap, "mã;tên;kế hoạch;thực hiện\r\n");
    for (int i = 0; i < BIG_ROWS; i++)
        used += (size_t)snprintf(csv + used, cap - used, "CT%05d;Chỉ tiêu số %d;%d;%d,5\r\n", i, i,
                                 i, i);
    assert_int_equal(import_buffer(csv, used, NULL, &o, &r), 0);
    assert_int_equal(r.ngroups, 1);
    assert_int_equal(r.nrecords, BIG_ROWS);
    assert_string_equal(rec(&r, 0, BIG_ROWS - 1)->target->code, "CT09999");
    assert_true(rec(&r, 0, BIG_ROWS - 1)->target->achieved == 9999.5);
    import_result_free(&r);

    /* The same code twice at the end: found among 10,000. */
    used += (size_t)snprintf(csv + used, cap - used, "CT00042;x;1;1\r\n");
    assert_int_equal(import_buffer(csv, used, NULL, &o, &r), TDKT_EINVAL);
    tu_path(want, sizeof want, "%d:1 [] on line 44", BIG_ROWS + 2);
    expect_errors(&r, (const char *const[]){want, NULL});
    import_result_free(&r);
    free(csv);
}

static void test_duplicates(void **state)
{
    struct import_opts o = {.year = 2021};
    struct import_result r;

    /* Same key in two units, or twice as different kinds: no duplicate. */
    import_ok("unit,kind,code,name,count,planned,achieved\n"
              "VKSCC2,product,KN,x,1,,\n"
              "VKSCC3,product,KN,x,1,,\n"
              "VKSCC2,target,KN,x,,1,1\n",
              "csv", &o, &r);
    assert_int_equal(r.ngroups, 2);
    import_result_free(&r);

    /* A unit's rating twice; a registration of the same title twice. */
    refused("unit,kind,rating,title,person\n"
            "VKSCC2,unit_rating,HTNV,,\n"
            "VKSCC2,registration,,LDTT,CC2-001\n"
            "VKSCC2,unit_rating,HTTNV,,\n"
            "VKSCC2,registration,,Lao động tiên tiến,CC2-001\n"
            "VKSCC2,registration,,LDTT,\n",
            "csv", &o,
            (const char *const[]){
                "4:1 [] the unit_rating of VKSCC2 for 2021 is given twice: here and on line 2",
                "5:1 [] registration 'CC2-001/LDTT' of VKSCC2 for 2021 is given twice: here and on "
                "line 3",
                NULL});
}

static void test_record_rules_point_at_the_cell(void **state)
{
    /* A discipline needs its date: record_validate's fault, at that cell. */
    const char *csv = "person,discipline,disciplined_on,leave_months,recruited_on\n"
                      "CC2-001,cảnh cáo,,0,\n"
                      "CC2-002,,,13,\n"
                      "CC2-003,,,,01/03/2015\n";
    static const char *const want[] = {
        "2:18 [disciplined_on] needs the date",
        "3:11 [leave_months] at most 12",
        "4:12 [recruited_on] write YYYY-MM-DD",
        NULL,
    };
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};

    refused(csv, "csv", &o, want);
}

/* The facts the eligibility engine reads for CSTĐCS (an accepted research
 * topic) and LĐTT (a discipline already counted), under Vietnamese headers. */
static void test_facts_research_and_counted_discipline(void **state)
{
    const char *csv = "cán bộ;đề tài nghiên cứu;kỷ luật;ngày kỷ luật;kỷ luật đã tính\n"
                      "CC2-001;có;;;\n"
                      "CC2-002;;khiển trách;2021-03-01;x\n";
    struct import_opts o = {.unit = "VKSCC2", .year = 2021, .kind = "facts"};
    struct import_result r;
    const Tdkt__ResultRecord *x;

    (void)state;
    assert_int_equal(import_str(csv, "csv", &o, &r), 0);
    x = rec(&r, 0, 0);
    assert_true(x->facts->research_accepted);
    assert_false(x->facts->discipline_counted_before);
    x = rec(&r, 0, 1);
    assert_false(x->facts->research_accepted);
    assert_true(x->facts->discipline_counted_before);
    assert_int_equal(x->facts->discipline, TDKT__DISCIPLINE__DISCIPLINE_REPRIMAND);
    import_result_free(&r);
}

/* Maternity leave in months beside the other leave: the Vietnamese header
 * or the JSON key, 0 to 12, with the other leave at most the 12 months of
 * the period, and the superseded yes/no set from it (a "no" beside months
 * is a contradiction). */
static void test_facts_maternity_months(void **state)
{
    const char *csv = "cán bộ,số tháng nghỉ,số tháng nghỉ thai sản,nghỉ thai sản\n"
                      "CC2-001,2,6,\n"
                      "CC2-002,0,,có\n"
                      "CC2-003,1,0,\n";
    const char *bad = "person,leave_months,maternity_months,maternity\n"
                      "CC2-001,0,13,\n"
                      "CC2-002,8,6,\n"
                      "CC2-003,0,4,no\n"
                      "CC2-004,0,4,yes\n";
    static const char *const want[] = {
        "2:11 [maternity_months] at most 12",
        "3:11 [maternity_months] 8 months of leave and 6 of maternity leave are more than the 12 "
        "months of the emulation period",
        "4:11 [maternity_months] 4 months of maternity leave, but maternity says no",
        NULL,
    };
    struct import_opts o = {.unit = "VKSCC2", .year = 2021, .kind = "facts"};
    struct import_result r;
    const Tdkt__ResultRecord *x;

    (void)state;
    assert_int_equal(import_str(csv, "csv", &o, &r), 0);
    x = rec(&r, 0, 0);
    assert_int_equal(x->facts->leave_months, 2);
    assert_int_equal(x->facts->maternity_months, 6);
    assert_true(x->facts->maternity_leave);
    x = rec(&r, 0, 1);
    assert_int_equal(x->facts->maternity_months, 0);
    assert_true(x->facts->maternity_leave);
    x = rec(&r, 0, 2);
    assert_int_equal(x->facts->maternity_months, 0);
    assert_false(x->facts->maternity_leave);
    import_result_free(&r);

    refused(bad, "csv", &o, want);

    o.kind = NULL;
    import_ok("{\"unit\": \"VKSCC2\", \"year\": 2021, \"facts\": [{\"person\": \"CC2-001\", "
              "\"leave_months\": 1, \"maternity_months\": 5}]}",
              "json", &o, &r);
    x = rec(&r, 0, 0);
    assert_int_equal(x->facts->maternity_months, 5);
    assert_true(x->facts->maternity_leave);
    import_result_free(&r);
    refused("{\"unit\": \"VKSCC2\", \"year\": 2021, \"facts\": [{\"person\": \"CC2-001\", "
            "\"maternity_months\": 2.5}]}",
            "json", &o,
            (const char *const[]){"0:0 [facts[0].maternity_months] must be a whole number", NULL});
}

/* ---- JSON ----------------------------------------------------------------- */

static const char json_good[] =
    "{\n"
    "  \"unit\": \"VKSCC2\",\n"
    "  \"year\": 2021,\n"
    "  \"targets\":  [{\"code\": \"CT01\", \"name\": \"Tỷ lệ\", \"planned\": 100, \"achieved\": "
    "105.5, \"lower_is_better\": false}],\n"
    "  \"tasks\":    [{\"code\": \"NV01\", \"name\": \"Chuyên đề\", \"origin\": \"phát sinh\", "
    "\"done\": true}],\n"
    "  \"products\": [{\"code\": \"KN\", \"name\": \"Kiến nghị\", \"count\": 69}],\n"
    "  \"scores\":   [{\"criterion\": \"TC1\", \"points\": \"38,5\"}],\n"
    "  \"rating\":   \"HTXSNV\",\n"
    "  \"person_ratings\": [{\"person\": \"CC2-001\", \"rating\": \"excellent\"}],\n"
    "  \"registrations\":  [{\"person\": \"\", \"title\": \"TTLDXS\"}],\n"
    "  \"initiatives\":    [{\"code\": \"SK01\", \"title\": \"Sổ tay\", \"authors\": "
    "[\"CC2-001\", \"Trần Thị Bình\"], \"scope\": \"nganh\", \"decision\": \"QĐ 1\"}],\n"
    "  \"facts\":          [{\"person\": \"CC2-002\", \"recruited_on\": \"2015-03-01\", "
    "\"leave_months\": 0,\n"
    "                      \"maternity\": false, \"discipline\": \"\", \"disciplined_on\": \"\", "
    "\"under_review\": false}]\n"
    "}\n";

static void test_json_good(void **state)
{
    struct resolver rs = {0};
    struct import_opts o = {.resolve_person = resolve, .resolve_arg = &rs};
    struct import_result r;
    char *two;
    size_t len = strlen(json_good);

    import_ok(json_good, NULL, &o, &r);
    assert_int_equal(r.ngroups, 1);
    assert_int_equal(r.nrecords, 9);
    assert_true(rec(&r, 0, 0)->target->achieved == 105.5);
    assert_int_equal(rec(&r, 0, 1)->task->origin, TDKT__TASK_ORIGIN__TASK_ORIGIN_EMERGING);
    assert_true(rec(&r, 0, 3)->score->points == 38.5);
    assert_int_equal(rec(&r, 0, 4)->item_case, TDKT__RESULT_RECORD__ITEM_UNIT_RATING);
    assert_string_equal(rec(&r, 0, 7)->initiative->author_ids[1], "CC2-002");
    import_result_free(&r);

    /* An array of two units' objects, with a BOM. */
    two = malloc(2 * len + 16);
    snprintf(two, 2 * len + 16, "\xEF\xBB\xBF[%s,%s]", json_good, json_good);
    memcpy(strstr(strstr(two, "VKSCC2") + 1, "VKSCC2"), "VKSCC3", 6);
    /* VKSCC3's persons differ: the second object names VKSCC2's there. */
    refused(two, "json", &o,
            (const char *const[]){
                "0:0 [[1].person_ratings[0].person] no person 'CC2-001' in VKSCC3",
                "0:0 [[1].initiatives[0].authors] no person 'CC2-001' in VKSCC3",
                "0:0 [[1].initiatives[0].authors] no person 'Trần Thị Bình' in VKSCC3",
                "0:0 [[1].facts[0].person] no person 'CC2-002' in VKSCC3", NULL});
    o.resolve_person = NULL;
    refused(two, "json", &o,
            (const char *const[]){
                "0:0 [[0].initiatives[0].authors] 'Trần Thị Bình' is not a person id",
                "0:0 [[1].initiatives[0].authors] 'Trần Thị Bình' is not a person id", NULL});
    free(two);
}

static void test_json_syntax_error_line_column(void **state)
{
    const char *json = "{\n"
                       "  \"unit\": \"VKSCC2\",\n"
                       "  \"year\": 2021,\n"
                       "  \"targets\": [\n"
                       "    {\"code\": \"CT01\", \"name\": \"Tỷ lệ\",}\n"
                       "  ]\n"
                       "}\n";
    struct import_result r;

    assert_int_equal(import_buffer(json, strlen(json), "json", NULL, &r), TDKT_EINVAL);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0].line, 5);
    assert_true(r.errors[0].column > 30);
    assert_non_null(strstr(r.errors[0].message, "JSON: "));
    import_result_free(&r);

    /* A key twice in one object is refused by the parser, too. */
    assert_int_equal(import_str("{\"unit\": \"A\",\n\"unit\": \"B\"}", "json", NULL, &r),
                     TDKT_EINVAL);
    assert_int_equal(r.errors[0].line, 2);
    assert_non_null(strstr(r.errors[0].message, "duplicate"));
    import_result_free(&r);
}

static void test_json_bad_values_by_path(void **state)
{
    const char *json = "{\"unit\": \"VKSCC2\", \"year\": 2021,\n"
                       " \"targets\": [{\"code\": \"CT01\", \"name\": \"A\", \"planned\": 1, "
                       "\"achieved\": 1},\n"
                       "             {\"code\": \"CT02\", \"name\": \"B\", \"planned\": \"abc\", "
                       "\"achieved\": -1, \"colour\": \"red\"},\n"
                       "             {\"code\": \"CT01\", \"name\": \"C\", \"planned\": 2, "
                       "\"achieved\": 2}],\n"
                       " \"tasks\": [{\"code\": \"NV1\", \"name\": \"x\", \"origin\": "
                       "\"assigned\"}],\n"
                       " \"rating\": \"XYZ\",\n"
                       " \"awards\": []}";
    static const char *const want[] = {
        "0:0 [targets[1]] unknown key 'colour' in a target",
        "0:0 [targets[1].planned] 'abc' is not a number",
        "0:0 [targets[1].achieved] not below 0",
        "0:0 [targets[2]] given twice: here and on targets[0]",
        "0:0 [tasks[0]] done is missing",
        "0:0 [rating] 'XYZ' is not a rating: write HTXSNV, HTTNV, HTNV or KHTNV",
        "0:0 [awards] unknown key 'awards'",
        NULL,
    };
    struct import_result r;

    refused(json, "json", NULL, want);
    refused("[1]", "json", NULL, (const char *const[]){"0:0 [[0]] a JSON object", NULL});
    /* An empty key is named, not an empty path. */
    refused("{\"unit\": \"VKSCC2\", \"year\": 2021, \"\": 1}", "json", NULL,
            (const char *const[]){"0:0 [\"\"] unknown key ''", NULL});
    refused("{\"targets\": []}", "json", NULL,
            (const char *const[]){"0:0 [unit] the unit is missing",
                                  "0:0 [year] the year is missing", NULL});
    import_ok("[]", "json", NULL, &r);
    assert_int_equal(r.ngroups, 0);
    import_result_free(&r);
}

/* ---- files ---------------------------------------------------------------- */

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(fclose(f), 0);
}

static void test_import_file(void **state)
{
    char dir[TU_PATH_MAX], path[TU_PATH_MAX];
    struct import_opts o = {.unit = "VKSCC2", .year = 2021};
    struct import_result r;
    FILE *f;

    tu_mkdtemp(dir);
    tu_path(path, sizeof path, "%s/missing.csv", dir);
    assert_int_equal(import_file(path, &o, &r), TDKT_EIO);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0].message, "cannot open"));
    import_result_free(&r);

    /* The extension chooses the format, any case; else the content. */
    tu_path(path, sizeof path, "%s/ratings.JSON", dir);
    write_file(path, "{\"rating\": \"good\"}");
    assert_int_equal(import_file(path, &o, &r), 0);
    assert_int_equal(rec(&r, 0, 0)->unit_rating->rating, TDKT__RATING__RATING_GOOD);
    import_result_free(&r);
    tu_path(path, sizeof path, "%s/ratings.txt", dir);
    write_file(path, "  {\"rating\": \"HTNV\"}");
    assert_int_equal(import_file(path, &o, &r), 0);
    import_result_free(&r);
    tu_path(path, sizeof path, "%s/ratings.csv", dir);
    write_file(path, "{rating}\n");
    assert_int_equal(import_file(path, &o, &r), TDKT_EINVAL);
    assert_error(&r, 0, "1:1 [{rating}] unknown column");
    import_result_free(&r);

    /* Above the limit: refused before reading (a sparse file). */
    tu_path(path, sizeof path, "%s/huge.csv", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)IMPORT_FILE_MAX + 1), 0);
    fclose(f);
    assert_int_equal(import_file(path, &o, &r), TDKT_ETOOBIG);
    assert_non_null(strstr(r.errors[0].message, "larger than 64 MiB"));
    import_result_free(&r);
    tu_rm_rf(dir);
}

/* ---- export and round trip ------------------------------------------------ */

static void assert_same_records(const struct import_group *a, const struct import_group *b)
{
    assert_string_equal(a->unit, b->unit);
    assert_int_equal(a->year, b->year);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        size_t la = tdkt__result_record__get_packed_size(a->records[i]);
        size_t lb = tdkt__result_record__get_packed_size(b->records[i]);
        uint8_t *pa = malloc(la + 1), *pb = malloc(lb + 1);

        assert_int_equal(la, lb);
        tdkt__result_record__pack(a->records[i], pa);
        tdkt__result_record__pack(b->records[i], pb);
        assert_memory_equal(pa, pb, la);
        free(pa);
        free(pb);
    }
}

/*
 * b, imported from an export of a's records of one kind, holds exactly
 * those records: group by group, in order, and nothing else.
 */
static void expect_kind_exported(const struct import_result *a, const char *kind,
                                 const struct import_result *b)
{
    size_t bg = 0;

    for (size_t g = 0; g < a->ngroups; g++) {
        struct import_group want = a->groups[g];
        Tdkt__ResultRecord *keep[16];
        size_t n = 0;

        for (size_t i = 0; i < want.n; i++)
            if (strcmp(kind, record_kind_name(want.records[i])) == 0) {
                assert_true(n < sizeof keep / sizeof keep[0]);
                keep[n++] = want.records[i];
            }
        if (!n)
            continue;
        want.records = keep;
        want.n = n;
        assert_true(bg < b->ngroups);
        assert_same_records(&want, &b->groups[bg++]);
    }
    assert_int_equal(bg, b->ngroups);
}

/* Export with fn into memory; the text in *out (caller frees). */
static void export_mem(int json, const char *kind, const struct import_result *r, char **out)
{
    size_t len;
    FILE *f = open_memstream(out, &len);

    assert_non_null(f);
    if (json)
        assert_int_equal(export_json(f, r->groups, r->ngroups), 0);
    else
        assert_int_equal(export_csv(f, kind, EXPORT_CSV_PLAIN, r->groups, r->ngroups), 0);
    assert_int_equal(fclose(f), 0);
}

static void test_round_trip_json(void **state)
{
    const char *json = "[{\"unit\": \"VKSCC2\", \"year\": 2021,\n"
                       " \"targets\": [{\"code\": \"CT01\", \"name\": \"Tỷ lệ \\\"A\\\" \\\\ "
                       "dòng 2\", \"planned\": 0.1, \"achieved\": 1e12, \"lower_is_better\": true},"
                       " {\"code\": \"CT02\", \"name\": \"x\", \"planned\": 3.14159, "
                       "\"achieved\": 2, \"removed\": true}],\n"
                       " \"rating\": {\"rating\": \"HTNV\", \"removed\": true},\n"
                       " \"facts\": [{\"person\": \"CC2-001\", \"discipline\": \"giáng chức\", "
                       "\"disciplined_on\": \"2020-02-29\", \"leave_months\": 12}]},\n"
                       " {\"unit\": \"VKSCC3\", \"year\": 2022, \"scores\": [{\"criterion\": "
                       "\"TC.1\", \"points\": 38.25}]}]";
    struct import_result a, b;
    char *text;

    import_ok(json, "json", NULL, &a);
    assert_int_equal(a.nrecords, 5);
    export_mem(1, NULL, &a, &text);
    assert_non_null(strstr(text, "\"planned\": 0.1,"));
    assert_non_null(strstr(text, "\"achieved\": 1000000000000,"));
    assert_non_null(strstr(text, "Tỷ lệ \\\"A\\\" \\\\ dòng 2")); /* UTF-8 as is */
    import_ok(text, NULL, NULL, &b);
    assert_int_equal(b.ngroups, 2);
    assert_same_records(&a.groups[0], &b.groups[0]);
    assert_same_records(&a.groups[1], &b.groups[1]);
    import_result_free(&b);
    free(text);
    import_result_free(&a);
}

static void test_round_trip_csv(void **state)
{
    const char *csv = "kind,unit,year,code,name,planned,achieved,title,authors,scope,decision,"
                      "person,rating,removed\n"
                      "target,VKSCC2,2021,CT01,\"Tỷ lệ, \"\"A\"\"\",100,\"105,5\",,,,,,,\n"
                      "target,VKSCC2,2021,CT02,\" dòng 1; dòng 2 \",0.1,0,,,,,,,yes\n"
                      "initiative,VKSCC2,2021,SK01,,,,Sổ tay,CC2-001;CC2-002,toàn quốc,,,,\n"
                      "person_rating,VKSCC3,2021,,,,,,,,,CC3-001,KHTNV,\n";
    static const char *const kinds[] = {"target", "initiative", "person_rating"};
    struct import_result a, b;
    char *text;

    import_ok(csv, "csv", NULL, &a);
    assert_int_equal(a.nrecords, 4);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        export_mem(0, kinds[k], &a, &text);
        import_ok(text, NULL, NULL, &b);
        expect_kind_exported(&a, kinds[k], &b);
        if (k == 0) /* quoting, BOM, the removed column */
            assert_non_null(strstr(text, "\xEF\xBB\xBFmã đơn vị,năm,mã chỉ tiêu,tên chỉ tiêu,"
                                         "kế hoạch,thực hiện,càng thấp càng tốt,xóa\r\n"
                                         "VKSCC2,2021,CT01,\"Tỷ lệ, \"\"A\"\"\",100,105.5,no,no"));
        import_result_free(&b);
        free(text);
    }
    import_result_free(&a);
}

/* Every kind through CSV (one file per kind) and JSON, with names resolved
 * on the way in and ids written on the way out. */
static void test_round_trip_every_kind(void **state)
{
    static const char *const kinds[] = {
        "target",      "task",          "task_plan",    "product",    "score",
        "unit_rating", "person_rating", "registration", "initiative", "facts"};
    struct resolver rs = {0};
    struct import_opts o = {.resolve_person = resolve, .resolve_arg = &rs};
    struct import_result a, b;
    char *text;

    import_ok(every_kind_csv, "csv", &o, &a);
    export_mem(1, NULL, &a, &text);
    import_ok(text, "json", &o, &b);
    assert_int_equal(b.ngroups, a.ngroups);
    for (size_t g = 0; g < a.ngroups; g++)
        assert_same_records(&a.groups[g], &b.groups[g]);
    import_result_free(&b);
    free(text);

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        export_mem(0, kinds[k], &a, &text);
        import_ok(text, "csv", &o, &b); /* the kind comes from the header */
        expect_kind_exported(&a, kinds[k], &b);
        import_result_free(&b);
        free(text);
    }
    import_result_free(&a);
}

/* The plan's count of key tasks: one per unit and year, its own CSV kind
 * (found from its header alone) and a bare number in JSON like the rating;
 * 0 is refused at its cell, a second one in the file is a duplicate. */
static void test_task_plan(void **state)
{
    struct import_opts o = {.unit = "CUC3", .year = 2021};
    struct import_result r;
    char *text;

    (void)state;
    import_ok("Số nhiệm vụ trọng tâm kế hoạch\n8\n", "csv", &o, &r);
    assert_int_equal(rec(&r, 0, 0)->item_case, TDKT__RESULT_RECORD__ITEM_TASK_PLAN);
    assert_int_equal(rec(&r, 0, 0)->task_plan->planned, 8);
    import_result_free(&r);

    import_ok("{\"unit\": \"CUC3\", \"year\": 2021, \"tasks_planned\": 8,"
              " \"tasks\": [{\"code\": \"NV01\", \"name\": \"Dự toán\", \"origin\": \"assigned\","
              " \"done\": true}]}",
              "json", NULL, &r);
    assert_int_equal(r.groups[0].n, 2);
    assert_int_equal(rec(&r, 0, 0)->task_plan->planned, 8);
    /* Exported as a bare number, after the tasks. */
    export_mem(1, NULL, &r, &text);
    assert_non_null(strstr(text, "\n  ],\n  \"tasks_planned\": 8\n}"));
    free(text);
    export_mem(0, "task_plan", &r, &text);
    assert_non_null(
        strstr(text, "mã đơn vị,năm,số nhiệm vụ trọng tâm kế hoạch\r\nCUC3,2021,8\r\n"));
    free(text);
    import_result_free(&r);

    /* Withdrawn, as an object with removed. */
    import_ok("{\"unit\": \"CUC3\", \"year\": 2021, \"tasks_planned\": {\"tasks_planned\": 8,"
              " \"removed\": true}}",
              "json", NULL, &r);
    assert_true(rec(&r, 0, 0)->removed);
    import_result_free(&r);

    /* A target's planned beside it: the fault is the task plan's cell. */
    refused("kind,tasks_planned,planned\ntask_plan,0,\ntask_plan,9,\ntask_plan,10,\n", "csv", &o,
            (const char *const[]){"2:11 [tasks_planned] the plan counts 1 to 10000 key tasks",
                                  "4:1 [] given twice", NULL});
    refused("{\"unit\": \"CUC3\", \"year\": 2021, \"tasks_planned\": \"tám\"}", "json", NULL,
            (const char *const[]){"0:0 [tasks_planned] 'tám' is not a whole number", NULL});
}

static void test_export_refuses(void **state)
{
    struct import_result a;
    struct import_group two;
    Tdkt__ResultRecord *recs[2];
    FILE *f = fopen("/dev/null", "w");

    import_ok("{\"unit\": \"VKSCC2\", \"year\": 2021, \"rating\": \"HTNV\"}", NULL, NULL, &a);
    assert_int_equal(export_csv(f, "rating", EXPORT_CSV_PLAIN, a.groups, a.ngroups), TDKT_EINVAL);
    assert_int_equal(export_csv(f, "Unit Rating", EXPORT_CSV_PLAIN, a.groups, a.ngroups), 0);
    two = a.groups[0];
    recs[0] = recs[1] = a.groups[0].records[0];
    two.records = recs;
    two.n = 2;
    assert_int_equal(export_json(f, &two, 1), TDKT_EINVAL);
    fclose(f);
    import_result_free(&a);
}

static void test_export_number(void **state)
{
    char buf[EXPORT_NUMBER_MAX];

    export_number(100, buf);
    assert_string_equal(buf, "100");
    export_number(212.5, buf);
    assert_string_equal(buf, "212.5");
    export_number(0.1, buf);
    assert_string_equal(buf, "0.1");
    export_number(105.3, buf);
    assert_string_equal(buf, "105.3");
    export_number(1e12, buf);
    assert_string_equal(buf, "1000000000000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_vietnamese_headers_bom_semicolon),
        cmocka_unit_test(test_csv_kind_from_header_and_option),
        cmocka_unit_test(test_csv_every_kind_with_kind_column),
        cmocka_unit_test(test_names_are_stored_nfc),
        cmocka_unit_test(test_nfd_names_find_the_same_person),
        cmocka_unit_test(test_csv_bad_rows_each_named),
        cmocka_unit_test(test_csv_unit_year_kind_errors),
        cmocka_unit_test(test_csv_header_errors),
        cmocka_unit_test(test_csv_errors_truncate),
        cmocka_unit_test(test_csv_ten_thousand_rows),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_record_rules_point_at_the_cell),
        cmocka_unit_test(test_facts_research_and_counted_discipline),
        cmocka_unit_test(test_facts_maternity_months),
        cmocka_unit_test(test_task_plan),
        cmocka_unit_test(test_json_good),
        cmocka_unit_test(test_json_syntax_error_line_column),
        cmocka_unit_test(test_json_bad_values_by_path),
        cmocka_unit_test(test_import_file),
        cmocka_unit_test(test_round_trip_json),
        cmocka_unit_test(test_round_trip_csv),
        cmocka_unit_test(test_round_trip_every_kind),
        cmocka_unit_test(test_export_refuses),
        cmocka_unit_test(test_export_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
