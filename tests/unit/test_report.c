/* SPDX-License-Identifier: MIT */
/*
 * Reports (client/lib/report.h): what a reader of the CSV, XLSX and HTML
 * relies on. Lists come in Vietnamese order, not byte order (the three
 * high-level procuracies tie, and "Đà Nẵng" must come before "Hà Nội" even
 * though its first byte is larger); tied units share a rank; pending means
 * not yet decided or refused; CSV cells that a spreadsheet would run as a
 * formula are defused and the file reads back with the project's own
 * RFC 4180 reader; the workbook has the three sheets, a bold frozen header
 * and numbers as numbers; the HTML escapes every text and loads nothing.
 *
 * The sample is the 2021 period from data/ (util/report_sample.h), which
 * the browser test of the HTML report shares.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "report_sample.h"
#include "common/err.h"
#include "common/text/collate.h"
#include "common/text/csv.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The whole output of fn on r, NUL-terminated; the caller frees it. */
static char *render(int (*fn)(FILE *, const struct report *, enum report_table),
                    const struct report *r, enum report_table t, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    *rc = fn(f, r, t);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static int html_as_table(FILE *f, const struct report *r, enum report_table t)
{
    (void)t;
    return report_write_html(f, r);
}

/* ---- order ---------------------------------------------------------------- */

static void test_collation_is_vietnamese(void **state)
{
    /* What ICU "vi" does with the names the reports hold, and how byte
     * order differs: 'Đ' is C4 90, after every ASCII letter. */
    assert_true(text_collate_cmp("Cục 3", "Đà Nẵng") < 0);
    assert_true(text_collate_cmp("Đà Nẵng", "Hà Nội") < 0);
    assert_true(strcmp("Đà Nẵng", "Hà Nội") > 0);
    assert_true(text_collate_cmp("Dương", "Đà Nẵng") < 0);
    /* o < ô < ơ < u: "Hồ" before "Huỳnh", which bytes reverse (E1 > 'u'). */
    assert_true(text_collate_cmp("Hồ Thị Ngọc Ánh", "Huỳnh Đức Thắng") < 0);
    assert_true(strcmp("Hồ Thị Ngọc Ánh", "Huỳnh Đức Thắng") > 0);
}

/*
 * The sample report with one cluster of the n standings s instead of its
 * own: it validates, and orders them as codes[0..n) with ranks[0..n) (the
 * rank of the unit at each place).
 */
static void expect_ranked(const struct report_standing *s, size_t n, const char *const codes[],
                          const int ranks[])
{
    const struct report_cluster cl = {"X", "Cụm thử", s, n};
    struct report r = tu_report_sample();
    struct report_order o;

    r.clusters = &cl;
    r.n_clusters = 1;
    assert_int_equal(report_validate(&r), 0);
    assert_int_equal(report_order_build(&r, &o), 0);
    for (size_t k = 0; k < n; k++) {
        size_t m = o.members[0][k];

        assert_string_equal(s[m].unit_code, codes[k]);
        assert_int_equal(o.rank[0][m], ranks[k]);
    }
    report_order_free(&o);
}

static void test_tied_units_share_rank_in_vietnamese_order(void **state)
{
    /* The three high-level procuracies on equal points: byte order would
     * give Hà Nội, Thành phố Hồ Chí Minh, Đà Nẵng. */
    const struct report_standing tie[] = {
        {"VKSCC1", VKSCC1_NAME, 95, 100, 64, 61, 34, 12, 12},
        {"VKSCC3", VKSCC3_NAME, 95, 100, 64, 62, 38, 15, 13},
        {"VKSCC2", VKSCC2_NAME, 95, 100, 64, 63, 39, 0, 0},
    };
    /* Đà Nẵng, Hà Nội, Thành phố; all first. */
    expect_ranked(tie, N(tie), (const char *const[]){"VKSCC2", "VKSCC1", "VKSCC3"},
                  (const int[]){1, 1, 1});
}

static void test_rank_by_points_skips_after_tie(void **state)
{
    const struct report_standing four[] = {
        {"VKSCC1", VKSCC1_NAME, 89, 100, 64, 61, 34, 12, 12},
        {"VKSCC3", VKSCC3_NAME, 93.5, 100, 64, 62, 38, 15, 13},
        {"VKSCC2", VKSCC2_NAME, 97, 100, 64, 63, 39, 0, 0},
        {"CUC3", CUC3_NAME, 93.5, 100, 0, 0, 0, 17, 8},
    };
    /* 97; then 93.5 twice (Cục before Viện); then 89 is fourth, not third. */
    expect_ranked(four, N(four), (const char *const[]){"VKSCC2", "CUC3", "VKSCC3", "VKSCC1"},
                  (const int[]){1, 2, 2, 4});
}

static void test_proposals_grouped_and_sorted(void **state)
{
    struct report r = tu_report_sample();
    struct report_order o;
    const char *want[] = {
        /* Cục 3 first (C < V); its titles: Chiến sĩ before Tập thể. */
        "C3-X02",
        "C3-X01",
        "CUC3",
        /* Viện ... Đà Nẵng before Hà Nội before Thành phố. Within Đà Nẵng:
         * Bằng khen < Cờ < Tập thể; the persons Đặng < Hồ < Huỳnh < Lê. */
        "CC2-006",
        "CC2-003",
        "CC2-005",
        "CC2-001",
        "VKSCC2",
        "VKSCC2",
        "VKSCC1",
        "CC3-002",
        "VKSCC3",
    };

    assert_int_equal(report_order_build(&r, &o), 0);
    assert_int_equal(N(want), r.n_proposals);
    for (size_t i = 0; i < N(want); i++)
        assert_string_equal(tu_sample_proposals[o.proposals[i]].subject_id, want[i]);
    assert_string_equal(tu_sample_proposals[o.proposals[7]].title_code, "CO_NGANH");
    assert_string_equal(tu_sample_proposals[o.proposals[8]].title_code, "TTLDXS");
    /* Clusters by name: Cụm before Khối. */
    assert_string_equal(tu_sample_clusters[o.clusters[0]].code, "CUM1");
    assert_string_equal(tu_sample_clusters[o.clusters[1]].code, "KHOI3");
    assert_string_equal(tu_sample_cum1[o.members[o.clusters[0]][0]].unit_code, "VKSCC2");
    assert_int_equal(o.rank[o.clusters[0]][2], 2); /* VKSCC3, 93.5 */
    report_order_free(&o);
}

static void test_pending_is_not_decided_nor_refused(void **state)
{
    struct report r = tu_report_sample();
    struct report_order o;

    assert_true(report_state_pending(REPORT_SUBMITTED));
    assert_true(report_state_pending(REPORT_RECEIVED));
    assert_true(report_state_pending(REPORT_RETURNED));
    assert_true(report_state_pending(REPORT_APPROVED));
    assert_false(report_state_pending(REPORT_DECIDED));
    assert_false(report_state_pending(REPORT_REJECTED));
    assert_false(report_state_pending(REPORT_CANCELLED));
    assert_false(report_state_pending(REPORT_ANNULLED));

    assert_int_equal(report_order_build(&r, &o), 0);
    assert_int_equal(o.n_pending, 2); /* Viện cấp cao 3's two */
    assert_string_equal(tu_sample_proposals[o.pending[0]].subject_id, "CC3-002");
    assert_string_equal(tu_sample_proposals[o.pending[1]].subject_id, "VKSCC3");
    /* Summary by title, in Vietnamese order of names. */
    assert_int_equal(o.n_titles, 4);
    assert_string_equal(o.titles[0].code, "BK_VT");
    assert_int_equal(o.titles[0].proposed, 4);
    assert_string_equal(o.titles[1].code, "CSTD_NGANH");
    assert_int_equal(o.titles[1].proposed, 3);
    assert_int_equal(o.titles[1].decided, 2);
    assert_int_equal(o.titles[1].pending, 1);
    assert_string_equal(o.titles[2].code, "CO_NGANH");
    assert_string_equal(o.titles[3].code, "TTLDXS");
    assert_int_equal(o.titles[3].proposed, 4);
    assert_int_equal(o.titles[3].decided, 2);
    report_order_free(&o);
}

static void test_validate_refuses_bad_input(void **state)
{
    struct report_standing s = tu_sample_cum1[0];
    struct report_cluster cl = {"CUM1", "Cụm thi đua số 1", &s, 1};
    struct report_proposal p = tu_sample_proposals[0];
    struct report r = tu_report_sample();
    struct report_proposal many[REPORT_TITLES_MAX + 1];
    char codes[REPORT_TITLES_MAX + 1][16];

    assert_int_equal(report_validate(&r), 0);
    r.clusters = &cl;
    r.n_clusters = 1;
    r.proposals = &p;
    r.n_proposals = 1;
    assert_int_equal(report_validate(&r), 0);

    s.targets_met = 65; /* more met than planned */
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    s = tu_sample_cum1[0];
    s.points = 0.0 / 0.0;
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    s = tu_sample_cum1[0];
    s.unit_name = "Vi\xe1\xbb"; /* truncated UTF-8 */
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    s = tu_sample_cum1[0];
    cl.n_members = REPORT_MEMBERS_MAX + 1;
    assert_int_equal(report_validate(&r), TDKT_ETOOBIG);
    cl.n_members = 1;

    p.subject_name = NULL;
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    p = tu_sample_proposals[0];
    p.title_name = "Cờ\tthi đua"; /* a control character outside a reason */
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    p = tu_sample_proposals[0];
    p.state = REPORT_STATE_COUNT_;
    assert_int_equal(report_validate(&r), TDKT_EINVAL);
    p = tu_sample_proposals[0];
    p.reason = "dòng một\r\ndòng hai"; /* breaks are fine in a reason */
    assert_int_equal(report_validate(&r), 0);

    for (size_t i = 0; i < N(many); i++) {
        many[i] = tu_sample_proposals[0];
        snprintf(codes[i], sizeof codes[i], "T%zu", i);
        many[i].title_code = codes[i];
    }
    r.proposals = many;
    r.n_proposals = N(many);
    assert_int_equal(report_validate(&r), TDKT_ETOOBIG);
    r.n_proposals = REPORT_TITLES_MAX;
    assert_int_equal(report_validate(&r), 0);
}

/* ---- CSV ------------------------------------------------------------------ */

/* Read CSV text with the project's reader, which must accept it whole;
 * with want (nrows rows of ncols cells), there are at most nrows rows,
 * each of ncols cells, and cell j of row i equals want[i * ncols + j]
 * where that is not NULL. Returns the rows. */
static size_t csv_read(const char *text, const char *const *want, size_t ncols, size_t nrows)
{
    struct csv_reader rd;
    struct csv_row *row = malloc(sizeof *row);
    size_t n = 0;
    int rc;

    assert_non_null(row);
    csv_reader_init(&rd, text, strlen(text), ',');
    for (; (rc = csv_next_row(&rd, row)) == 1; n++) {
        if (want == NULL)
            continue;
        assert_true(n < nrows);
        assert_int_equal(row->n, ncols);
        for (size_t j = 0; j < ncols; j++)
            if (want[n * ncols + j])
                assert_string_equal(row->fields[j].s, want[n * ncols + j]);
    }
    assert_int_equal(rc, 0);
    csv_reader_free(&rd);
    free(row);
    return n;
}

/* CSV text holds exactly the nrows rows of want (csv_read). */
static void assert_csv(const char *text, const char *const *want, size_t ncols, size_t nrows)
{
    assert_int_equal(csv_read(text, want, ncols, nrows), nrows);
}

/* The rows of CSV text, read with the project's reader. */
static size_t csv_rows(const char *text)
{
    return csv_read(text, NULL, 0, 0);
}

static void test_csv_standings(void **state)
{
    struct report r = tu_report_sample();
    const char *want[] = {
        "Mã cụm",
        "Cụm thi đua",
        "Xếp hạng",
        "Mã đơn vị",
        "Đơn vị",
        "Điểm tiêu chí",
        "Điểm tối đa",
        "Số chỉ tiêu",
        "Chỉ tiêu đạt và vượt",
        "Chỉ tiêu vượt",
        "Nhiệm vụ trọng tâm hoàn thành",
        "Nhiệm vụ trọng tâm kế hoạch",
        "CUM1",
        "Cụm thi đua số 1",
        "1",
        "VKSCC2",
        VKSCC2_NAME,
        "97",
        "100",
        "64",
        "63",
        "39",
        "0",
        "0",
        "CUM1",
        "Cụm thi đua số 1",
        "2",
        "VKSCC3",
        VKSCC3_NAME,
        "93.5",
        "100",
        "64",
        "62",
        "38",
        "15",
        "13",
        "CUM1",
        "Cụm thi đua số 1",
        "3",
        "VKSCC1",
        VKSCC1_NAME,
        "89",
        "100",
        "64",
        "61",
        "34",
        "12",
        "12",
        "KHOI3",
        "Khối thi đua số 3",
        "1",
        "CUC3",
        CUC3_NAME,
        "0",
        "100",
        "0",
        "0",
        "0",
        "17",
        "8",
    };
    int rc;
    char *out = render(report_write_csv, &r, REPORT_STANDINGS, &rc);

    assert_int_equal(rc, 0);
    assert_memory_equal(out,
                        "\xEF\xBB\xBF"
                        "Mã cụm,",
                        strlen("\xEF\xBB\xBF"
                               "Mã cụm,"));
    /* Every line ends in CRLF, and there is no bare LF. */
    for (const char *p = out; (p = strchr(p, '\n')); p++)
        assert_true(p > out && p[-1] == '\r');
    assert_non_null(
        strstr(out, "\r\nCUM1,Cụm thi đua số 1,1,VKSCC2," VKSCC2_NAME ",97,100,64,63,39,0,0\r\n"));
    assert_csv(out, want, 12, 5);
    free(out);
}

static void test_csv_defuses_formulas_and_quotes(void **state)
{
    struct report_proposal p[] = {tu_sample_proposals[9], tu_sample_proposals[9],
                                  tu_sample_proposals[9], tu_sample_proposals[9]};
    struct report r = tu_report_sample();
    int rc;
    char *out;

    p[0].subject_name = "=HYPERLINK(\"http://x\",\"bấm\")";
    p[0].subject_id = "A1";
    p[1].subject_name = "+84 Đà Nẵng";
    p[1].subject_id = "A2";
    p[2].subject_name = "-1";
    p[2].subject_id = "A3";
    p[3].subject_name = "@SUM(1,2)";
    p[3].subject_id = "A4";
    p[3].reason = "Lý do, có \"ngoặc\"\nvà xuống dòng";
    r.proposals = p;
    r.n_proposals = N(p);
    out = render(report_write_csv, &r, REPORT_PROPOSALS, &rc);
    assert_int_equal(rc, 0);
    /* RFC 4180: a field with a quote, comma or break is quoted, quotes
     * doubled; the apostrophe goes inside the quotes. */
    tu_has_all(out, (const char *const[]){",\"'=HYPERLINK(\"\"http://x\"\",\"\"bấm\"\")\",",
                                          ",'+84 Đà Nẵng,", ",'-1,", ",\"'@SUM(1,2)\",",
                                          ",\"Lý do, có \"\"ngoặc\"\"\nvà xuống dòng\",", NULL});
    {
        /* And the reader gives back the defused cells (rows come in
         * collation order, so look each up by its id). */
        const char *want[][3] = {
            {"A1", "'=HYPERLINK(\"http://x\",\"bấm\")", NULL},
            {"A2", "'+84 Đà Nẵng", NULL},
            {"A3", "'-1", NULL},
            {"A4", "'@SUM(1,2)", "Lý do, có \"ngoặc\"\nvà xuống dòng"},
        };
        struct csv_reader rd;
        struct csv_row *row = malloc(sizeof *row);
        size_t seen = 0;

        assert_non_null(row);
        csv_reader_init(&rd, out, strlen(out), ',');
        assert_int_equal(csv_next_row(&rd, row), 1); /* header */
        while ((rc = csv_next_row(&rd, row)) == 1) {
            assert_int_equal(row->n, 14);
            for (size_t i = 0; i < N(want); i++) {
                if (strcmp(row->fields[3].s, want[i][0]) != 0)
                    continue;
                assert_string_equal(row->fields[4].s, want[i][1]);
                if (want[i][2])
                    assert_string_equal(row->fields[10].s, want[i][2]);
                assert_string_equal(row->fields[7].s, "Không chấp thuận");
                assert_string_equal(row->fields[8].s, "Không đủ điều kiện");
                seen++;
            }
        }
        assert_int_equal(rc, 0);
        assert_int_equal(seen, N(want));
        csv_reader_free(&rd);
        free(row);
    }
    free(out);
}

static void test_csv_dir_writes_three_files(void **state)
{
    struct report r = tu_report_sample();
    char dir[TU_PATH_MAX], path[TU_PATH_MAX];
    const char *names[] = {"standings.csv", "proposals.csv", "pending.csv"};
    const size_t rows[] = {5, 13, 3};

    tu_mkdtemp(dir);
    assert_int_equal(report_write_csv_dir(&r, dir), 0);
    for (size_t i = 0; i < N(names); i++) {
        char buf[16384];
        size_t n;
        FILE *f;

        tu_path(path, sizeof path, "%s/%s", dir, names[i]);
        assert_non_null(f = fopen(path, "rb"));
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        assert_int_equal(csv_rows(buf), rows[i]);
        {
            size_t lines = 0;
            for (const char *p = buf; (p = strstr(p, "\r\n")); p += 2)
                lines++;
            assert_int_equal(lines, rows[i]);
        }
    }
    /* A bad report leaves no file behind. */
    tu_rm_rf(dir);
    tu_mkdtemp(dir);
    r.header.title = NULL;
    assert_int_equal(report_write_csv_dir(&r, dir), TDKT_EINVAL);
    tu_path(path, sizeof path, "%s/standings.csv", dir);
    assert_int_equal(access(path, F_OK), -1);
    tu_rm_rf(dir);
}

/* ---- XLSX ----------------------------------------------------------------- */

static uint32_t le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
    return le16(p) | le16(p + 2) << 16;
}

/* The member name of the ZIP archive in buf, inflated and NUL-terminated
 * (the caller frees it), or NULL. Enough of APPNOTE for what
 * libxlsxwriter writes: stored or deflated members, no ZIP64. */
static char *zip_member(const unsigned char *buf, size_t len, const char *name)
{
    size_t eocd = len >= 22 ? len - 22 : 0, cd, n;

    while (eocd > 0 && le32(buf + eocd) != 0x06054b50)
        eocd--;
    if (le32(buf + eocd) != 0x06054b50)
        return NULL;
    n = le16(buf + eocd + 10);
    cd = le32(buf + eocd + 16);
    for (size_t i = 0; i < n && cd + 46 <= len; i++) {
        const unsigned char *e = buf + cd;
        uint32_t method = le16(e + 10), csize = le32(e + 20), usize = le32(e + 24);
        uint32_t nlen = le16(e + 28), xlen = le16(e + 30), clen = le16(e + 32);
        uint32_t off = le32(e + 42);

        if (nlen == strlen(name) && memcmp(e + 46, name, nlen) == 0) {
            const unsigned char *lh = buf + off;
            const unsigned char *data = lh + 30 + le16(lh + 26) + le16(lh + 28);
            char *out = malloc(usize + 1);
            z_stream z = {0};

            assert_non_null(out);
            if (method == 0) {
                memcpy(out, data, usize);
            } else {
                assert_int_equal(method, 8);
                assert_int_equal(inflateInit2(&z, -15), Z_OK);
                z.next_in = (unsigned char *)data;
                z.avail_in = csize;
                z.next_out = (unsigned char *)out;
                z.avail_out = usize;
                assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
                inflateEnd(&z);
            }
            out[usize] = '\0';
            return out;
        }
        cd += 46 + nlen + xlen + clen;
    }
    return NULL;
}

static void test_xlsx_workbook(void **state)
{
    struct report r = tu_report_sample();
    char dir[TU_PATH_MAX], path[TU_PATH_MAX];
    unsigned char *buf;
    char *wb, *s1, *s2, *s3, *strings, *styles;
    struct stat st;
    FILE *f;

    tu_mkdtemp(dir);
    tu_path(path, sizeof path, "%s/bao-cao-2021.xlsx", dir);
    assert_int_equal(report_write_xlsx(&r, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_non_null(buf = malloc((size_t)st.st_size));
    assert_non_null(f = fopen(path, "rb"));
    assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);

    assert_non_null(wb = zip_member(buf, (size_t)st.st_size, "xl/workbook.xml"));
    tu_has_all(wb, (const char *const[]){"name=\"Xếp hạng\"", "name=\"Đề nghị &amp; quyết định\"",
                                         "name=\"Chưa xử lý\"", NULL});
    assert_non_null(s1 = zip_member(buf, (size_t)st.st_size, "xl/worksheets/sheet1.xml"));
    assert_non_null(s2 = zip_member(buf, (size_t)st.st_size, "xl/worksheets/sheet2.xml"));
    assert_non_null(s3 = zip_member(buf, (size_t)st.st_size, "xl/worksheets/sheet3.xml"));
    assert_non_null(strings = zip_member(buf, (size_t)st.st_size, "xl/sharedStrings.xml"));
    assert_non_null(styles = zip_member(buf, (size_t)st.st_size, "xl/styles.xml"));

    /* Frozen header row, widths, a bold style for the header. */
    for (char *s = s1; s; s = s == s1 ? s2 : s == s2 ? s3 : NULL) {
        tu_has_all(s, (const char *const[]){"<pane ySplit=\"1\"", "state=\"frozen\"", "<col ",
                                            "<autoFilter ", NULL});
    }
    assert_non_null(strstr(styles, "<b/>"));
    /* Numbers are numeric cells: row 2 is Viện cấp cao 2, rank 1, 97 of
     * 100, 63 of 64 targets; row 3 has 93.5. */
    assert_non_null(strstr(s1, "<c r=\"C2\" s=\"0\"><v>1</v></c>") ||
                    strstr(s1, "<c r=\"C2\"><v>1</v></c>"));
    tu_has_all(s1, (const char *const[]){"<c r=\"F2\"><v>97</v></c>", "<c r=\"I2\"><v>63</v></c>",
                                         "<c r=\"F3\"><v>93.5</v></c>", NULL});
    /* Texts are shared strings, never formulas. */
    assert_null(strstr(s1, "<f>"));
    tu_has_all(strings, (const char *const[]){VKSCC2_NAME, "Quyết định số 124/QĐ-VKSTC",
                                              "Chỉ tiêu đạt và vượt", NULL});
    /* The pending sheet has the header and two rows. */
    assert_non_null(strstr(s3, "<row r=\"3\""));
    assert_null(strstr(s3, "<row r=\"4\""));

    free(wb);
    free(s1);
    free(s2);
    free(s3);
    free(strings);
    free(styles);
    free(buf);
    tu_rm_rf(dir);
}

/* ---- HTML ----------------------------------------------------------------- */

static void test_html_page(void **state)
{
    struct report r = tu_report_sample();
    int rc;
    char *out = render(html_as_table, &r, 0, &rc);

    assert_int_equal(rc, 0);
    tu_has_all(out, (const char *const[]){"<html lang=\"vi\">", "<meta charset=\"utf-8\">",
                                          "<title>Báo cáo thi đua, khen thưởng năm 2021</title>",
                                          "@media print", NULL});
    /* Self-contained: no script, no link, no src, no url(); the only URL
     * is the SVG namespace. */
    tu_has_none(out, (const char *const[]){"<script", "<link", "src=", "url(", NULL});
    for (const char *p = out; (p = strstr(p, "http")); p++)
        assert_int_equal(strncmp(p, "http://www.w3.org/2000/svg", 26), 0);
    /* Two charts: Cụm thi đua số 1 and Khối thi đua số 3 points, and the
     * summary. */
    {
        size_t n = 0;
        for (const char *p = out; (p = strstr(p, "<svg ")); p++)
            n++;
        assert_int_equal(n, 3);
    }
    tu_has_all(out, (const char *const[]){"<td class=\"n\">63/64</td>", "93,5/100",
                                          "<td class=\"n\">17/8</td>",
                                          "Quyết định số 124/QĐ-VKSTC, ngày 2021-12-30", NULL});
    /* Bars are proportional: 97 of 100 on a 640-unit track. */
    assert_non_null(strstr(out, "class=\"bar\" x=\"0\" y=\"20\" width=\"620.8\""));
    /* Order in the page: Cụm before Khối; in Cụm, Đà Nẵng (97) first. */
    assert_true(strstr(out, "Cụm thi đua số 1") < strstr(out, "Khối thi đua số 3"));
    assert_true(strstr(out, "Đặng Thị Thu Thảo") < strstr(out, "Huỳnh Đức Thắng"));
    free(out);
}

static void test_html_escapes_all_text(void **state)
{
    struct report_proposal p = tu_sample_proposals[9];
    struct report r = tu_report_sample();
    int rc;
    char *out;

    p.subject_name = "<script>alert('x')</script> & \"Đà Nẵng\"";
    p.reason = "<img src=x onerror=alert(1)>";
    r.header.title = "Báo cáo </title><b>";
    r.proposals = &p;
    r.n_proposals = 1;
    out = render(html_as_table, &r, 0, &rc);
    assert_int_equal(rc, 0);
    tu_has_none(out, (const char *const[]){"<script", "<img", "<b>", NULL});
    tu_has_all(out, (const char *const[]){"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                                          "&quot;Đà Nẵng&quot;",
                                          "<title>Báo cáo &lt;/title&gt;&lt;b&gt;</title>", NULL});
    free(out);
}

static void test_empty_report_renders(void **state)
{
    struct report r = {.header = {2021, "Báo cáo trống", "2022-01-20", "VKSTC"}};
    char dir[TU_PATH_MAX], path[TU_PATH_MAX];
    int rc;
    char *out = render(html_as_table, &r, 0, &rc);

    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "Không có đề nghị nào đang chờ xử lý."));
    free(out);
    out = render(report_write_csv, &r, REPORT_PENDING, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "Lý do\r\n"));
    free(out);
    tu_mkdtemp(dir);
    tu_path(path, sizeof path, "%s/trong.xlsx", dir);
    assert_int_equal(report_write_xlsx(&r, path), 0);
    tu_path(path, sizeof path, "%s/trong.html", dir);
    assert_int_equal(report_write_html_file(&r, path), 0);
    assert_int_equal(access(path, R_OK), 0);
    tu_rm_rf(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collation_is_vietnamese),
        cmocka_unit_test(test_tied_units_share_rank_in_vietnamese_order),
        cmocka_unit_test(test_rank_by_points_skips_after_tie),
        cmocka_unit_test(test_proposals_grouped_and_sorted),
        cmocka_unit_test(test_pending_is_not_decided_nor_refused),
        cmocka_unit_test(test_validate_refuses_bad_input),
        cmocka_unit_test(test_csv_standings),
        cmocka_unit_test(test_csv_defuses_formulas_and_quotes),
        cmocka_unit_test(test_csv_dir_writes_three_files),
        cmocka_unit_test(test_xlsx_workbook),
        cmocka_unit_test(test_html_page),
        cmocka_unit_test(test_html_escapes_all_text),
        cmocka_unit_test(test_empty_report_renders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
