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

static const char *const xlsx_sheet_names[REPORT_TABLE_COUNT_] = {
    [REPORT_STANDINGS] = "Xếp hạng",
    [REPORT_PROPOSALS] = "Đề nghị & quyết định",
    [REPORT_PENDING] = "Chưa xử lý",
};

/* One sheet being filled: its columns, where the next cell goes and the
 * first error. */
struct xlsx_sheet {
    lxw_worksheet *ws;
    const struct report_col *cols;
    size_t ncols;
    lxw_format *wrap; /* for the columns whose text wraps */
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

/* The header row in bold, the widths and the frozen first row. */
static void xlsx_header(struct xlsx_sheet *s, lxw_format *bold)
{
    for (size_t c = 0; c < s->ncols; c++) {
        lxw_error e =
            worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c, s->cols[c].width, NULL);

        if (e && !s->err)
            s->err = e;
        xlsx_text(s, s->cols[c].header, bold);
    }
    worksheet_freeze_panes(s->ws, 1, 0);
    xlsx_next_row(s);
}

/* One row of the sheet (report_table_each). */
static void xlsx_row(void *arg, const struct report_cell *cells)
{
    struct xlsx_sheet *s = arg;

    for (size_t c = 0; c < s->ncols; c++) {
        if (cells[c].text)
            xlsx_text(s, cells[c].text, s->cols[c].wrap ? s->wrap : NULL);
        else
            xlsx_number(s, cells[c].number);
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
    struct xlsx_sheet sheet, *s = &sheet;
    lxw_format *bold = workbook_add_format(wb), *wrap = workbook_add_format(wb);
    int rc = 0;

    if (!bold || !wrap)
        return TDKT_ENOMEM;
    format_set_bold(bold);
    format_set_text_wrap(bold);
    format_set_align(bold, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(wrap);
    format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
    for (int t = 0; t < REPORT_TABLE_COUNT_ && rc == 0; t++) {
        memset(s, 0, sizeof *s);
        if (!(s->ws = workbook_add_worksheet(wb, xlsx_sheet_names[t])))
            return TDKT_EIO;
        s->cols = report_table_cols((enum report_table)t, &s->ncols);
        s->wrap = wrap;
        xlsx_header(s, bold);
        report_table_each(r, o, (enum report_table)t, xlsx_row, s);
        /* A filter on the header row lets a reader narrow by unit or title. */
        if (!s->err)
            s->err = worksheet_autofilter(s->ws, 0, 0, s->row > 0 ? s->row - 1 : 0,
                                          (lxw_col_t)(s->ncols - 1));
        rc = xlsx_error(s->err);
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
