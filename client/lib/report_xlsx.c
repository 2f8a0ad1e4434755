/* SPDX-License-Identifier: MIT */
/*
 * The report as one XLSX workbook through libxlsxwriter; see report.h. Three
 * sheets hold the same tables as the CSV files, in the same order and with
 * the same Vietnamese headers, but numbers are cells of type number (a
 * reader can sum and sort them) and nothing needs a formula guard: every
 * text goes through worksheet_write_string(), which never makes a formula.
 *
 * libxlsxwriter writes the file only in workbook_close(); it is given a
 * temporary name next to the target, renamed on success and removed on any
 * failure, so a half-written workbook is never left at the target path.
 * This file must not do anything but build the workbook.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "common/err.h"

#define XLSX_COLS_MAX 16 /* columns of one sheet */

/* A column: its header and its width in characters of the default font. */
struct xlsx_col {
    const char *header;
    double width;
};

static const struct xlsx_col xlsx_standings[] = {
    {"Mã cụm", 10},
    {"Cụm thi đua", 22},
    {"Xếp hạng", 9},
    {"Mã đơn vị", 12},
    {"Đơn vị", 50},
    {"Điểm tiêu chí", 13},
    {"Điểm tối đa", 12},
    {"Số chỉ tiêu", 11},
    {"Chỉ tiêu đạt và vượt", 19},
    {"Chỉ tiêu vượt", 13},
    {"Nhiệm vụ trọng tâm hoàn thành", 17},
    {"Nhiệm vụ trọng tâm kế hoạch", 17},
    {NULL, 0},
};

static const struct xlsx_col xlsx_proposals[] = {
    {"Mã đơn vị đề nghị", 12}, {"Đơn vị đề nghị", 40}, {"Đối tượng", 10}, {"Mã đối tượng", 12},
    {"Tên đối tượng", 40},     {"Mã danh hiệu", 14},   {"Danh hiệu", 36}, {"Trạng thái", 26},
    {"Kết quả xét", 22},       {"Điều kiện", 12},      {"Lý do", 50},     {"Số quyết định", 30},
    {"Ngày quyết định", 15},   {"Người ký", 16},       {NULL, 0},
};

/* The pending sheet is the proposals sheet without the decision columns. */
#define XLSX_PENDING_COLS 11

static const char *const xlsx_sheet_names[REPORT_TABLE_COUNT_] = {
    [REPORT_STANDINGS] = "Xếp hạng",
    [REPORT_PROPOSALS] = "Đề nghị & quyết định",
    [REPORT_PENDING] = "Chưa xử lý",
};

/* One sheet being filled: where the next cell goes and the first error. */
struct xlsx_sheet {
    lxw_worksheet *ws;
    lxw_row_t row;
    lxw_col_t col;
    lxw_error err;
};

static void xlsx_text(struct xlsx_sheet *s, const char *v, lxw_format *fmt)
{
    lxw_error e;

    /* An empty cell is left blank rather than holding an empty string. */
    if (!v || !*v)
        e = worksheet_write_blank(s->ws, s->row, s->col, fmt);
    else
        e = worksheet_write_string(s->ws, s->row, s->col, v, fmt);
    if (e && !s->err)
        s->err = e;
    s->col++;
}

static void xlsx_number(struct xlsx_sheet *s, double v)
{
    lxw_error e = worksheet_write_number(s->ws, s->row, s->col, v, NULL);

    if (e && !s->err)
        s->err = e;
    s->col++;
}

static void xlsx_next_row(struct xlsx_sheet *s)
{
    s->row++;
    s->col = 0;
}

/* The header row in bold, the widths, the frozen first row and a filter. */
static void xlsx_header(struct xlsx_sheet *s, const struct xlsx_col *cols, size_t n,
                        lxw_format *bold)
{
    for (size_t c = 0; c < n && cols[c].header; c++) {
        lxw_error e = worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width, NULL);

        if (e && !s->err)
            s->err = e;
        xlsx_text(s, cols[c].header, bold);
    }
    worksheet_freeze_panes(s->ws, 1, 0);
    xlsx_next_row(s);
}

static void xlsx_standings_rows(struct xlsx_sheet *s, const struct report *r,
                                const struct report_order *o)
{
    for (size_t k = 0; k < r->n_clusters; k++) {
        size_t c = o->clusters[k];
        const struct report_cluster *cl = &r->clusters[c];

        for (size_t j = 0; j < cl->n_members; j++) {
            size_t m = o->members[c][j];
            const struct report_standing *st = &cl->members[m];

            xlsx_text(s, cl->code, NULL);
            xlsx_text(s, cl->name, NULL);
            xlsx_number(s, o->rank[c][m]);
            xlsx_text(s, st->unit_code, NULL);
            xlsx_text(s, st->unit_name, NULL);
            xlsx_number(s, st->points);
            xlsx_number(s, st->points_max);
            xlsx_number(s, st->targets);
            xlsx_number(s, st->targets_met);
            xlsx_number(s, st->targets_exceeded);
            xlsx_number(s, st->tasks_done);
            xlsx_number(s, st->tasks_planned);
            xlsx_next_row(s);
        }
    }
}

static void xlsx_proposal_row(struct xlsx_sheet *s, const struct report_proposal *p, int decision,
                              lxw_format *wrap)
{
    xlsx_text(s, p->office_code, NULL);
    xlsx_text(s, p->office_name, NULL);
    xlsx_text(s, report_subject_label(p->subject_kind), NULL);
    xlsx_text(s, p->subject_id, NULL);
    xlsx_text(s, p->subject_name, NULL);
    xlsx_text(s, p->title_code, NULL);
    xlsx_text(s, p->title_name, NULL);
    xlsx_text(s, report_state_label(p->state), NULL);
    xlsx_text(s, report_verdict_label(p->verdict), NULL);
    xlsx_text(s, p->rule_id, NULL);
    xlsx_text(s, p->reason, wrap);
    if (decision) {
        xlsx_text(s, p->decision_number, NULL);
        xlsx_text(s, p->decision_date, NULL);
        xlsx_text(s, p->decision_signer, NULL);
    }
    xlsx_next_row(s);
}

static int xlsx_error(lxw_error e)
{
    if (e == LXW_NO_ERROR)
        return 0;
    return e == LXW_ERROR_MEMORY_MALLOC_FAILED ? TDKT_ENOMEM : TDKT_EIO;
}

/* Fill the workbook; 0 or the first error. */
static int xlsx_fill(lxw_workbook *wb, const struct report *r, const struct report_order *o)
{
    struct xlsx_sheet sh[REPORT_TABLE_COUNT_];
    lxw_format *bold = workbook_add_format(wb), *wrap = workbook_add_format(wb);
    int rc = 0;

    if (!bold || !wrap)
        return TDKT_ENOMEM;
    format_set_bold(bold);
    format_set_text_wrap(bold);
    format_set_align(bold, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    for (int t = 0; t < REPORT_TABLE_COUNT_; t++) {
        memset(&sh[t], 0, sizeof sh[t]);
        if (!(sh[t].ws = workbook_add_worksheet(wb, xlsx_sheet_names[t])))
            return TDKT_EIO;
    }

    xlsx_header(&sh[REPORT_STANDINGS], xlsx_standings, XLSX_COLS_MAX, bold);
    xlsx_standings_rows(&sh[REPORT_STANDINGS], r, o);

    xlsx_header(&sh[REPORT_PROPOSALS], xlsx_proposals, XLSX_COLS_MAX, bold);
    for (size_t i = 0; i < r->n_proposals; i++)
        xlsx_proposal_row(&sh[REPORT_PROPOSALS], &r->proposals[o->proposals[i]], 1, wrap);

    xlsx_header(&sh[REPORT_PENDING], xlsx_proposals, XLSX_PENDING_COLS, bold);
    for (size_t i = 0; i < o->n_pending; i++)
        xlsx_proposal_row(&sh[REPORT_PENDING], &r->proposals[o->pending[i]], 0, wrap);

    for (int t = 0; t < REPORT_TABLE_COUNT_ && rc == 0; t++) {
        /* A filter on the header row lets a reader narrow by unit or title. */
        lxw_col_t last = t == REPORT_STANDINGS   ? 11
                         : t == REPORT_PROPOSALS ? 13
                                                 : XLSX_PENDING_COLS - 1;
        lxw_row_t rows = sh[t].row > 0 ? sh[t].row - 1 : 0;

        if (!sh[t].err)
            sh[t].err = worksheet_autofilter(sh[t].ws, 0, 0, rows, last);
        rc = xlsx_error(sh[t].err);
    }
    return rc;
}

int report_write_xlsx(const struct report *r, const char *path)
{
    struct report_order o;
    char tmp[REPORT_PATH_MAX];
    /* libxlsxwriter copies these; its struct is not const-qualified. */
    lxw_doc_properties props = {.title = (char *)r->header.title,
                                .author = (char *)r->header.generated_by};
    lxw_workbook *wb;
    lxw_error e;
    FILE *f;
    int rc;

    if ((rc = report_validate(r)) < 0)
        return rc;
    if ((rc = report_order_build(r, &o)) < 0)
        return rc;
    /* Reserve a fresh temporary name; libxlsxwriter rewrites the file. */
    if ((rc = report_file_open(path, tmp, &f)) < 0)
        goto out;
    fclose(f);
    if (!(wb = workbook_new(tmp))) {
        rc = TDKT_ENOMEM;
        goto out_tmp;
    }
    if (workbook_set_properties(wb, &props) != LXW_NO_ERROR)
        rc = TDKT_ENOMEM;
    if (rc == 0)
        rc = xlsx_fill(wb, r, &o);
    /* workbook_close() writes the file and frees the workbook, also after an
     * error above, which is why it runs either way. */
    e = workbook_close(wb);
    if (rc == 0 && e != LXW_NO_ERROR)
        rc = TDKT_EIO;
    if (rc == 0 && chmod(tmp, 0644) != 0)
        rc = TDKT_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = TDKT_EIO;
out_tmp:
    if (rc < 0)
        unlink(tmp);
out:
    report_order_free(&o);
    return rc;
}
