/* SPDX-License-Identifier: MIT */
/*
 * Results export as one XLSX workbook through libxlsxwriter; see export.h.
 * A sheet per kind, named in Vietnamese, with the CSV's Vietnamese headers:
 * numbers are number cells, dates date cells shown dd/mm/yyyy (the import
 * reads both back, import_xlsx.h), yes/no are có/không, and texts go
 * through worksheet_write_string(), which never makes a formula.
 *
 * libxlsxwriter writes the file only in workbook_close(); it is given a
 * temporary name next to the target (report_file_open), renamed on success
 * and removed on any failure, as report_xlsx.c does.
 */
#include "export.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "client/lib/export_cols.h"
#include "client/lib/report.h"
#include "common/err.h"

#define EXPORT_XLSX_WIDTH_MIN 8  /* characters of a column */
#define EXPORT_XLSX_WIDTH_MAX 60 /* a wider text wraps in Excel's view, not here */

_Static_assert(RECORD_COUNT_MAX < (1ull << 53), "a count is exact in a number cell");

/* One sheet being filled: where the next cell goes and the first error. */
struct xsheet {
    lxw_worksheet *ws;
    lxw_format *date;
    lxw_row_t row;
    lxw_col_t col;
    double width[64];
    lxw_error err;
};

static void keep(struct xsheet *s, lxw_error e)
{
    if (e && !s->err)
        s->err = e;
}

/* A column's width grows with its longest text, counted in characters. */
static void widen(struct xsheet *s, const char *text)
{
    double n = 0;

    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        n += (*p & 0xC0) != 0x80;
    if (s->col < sizeof s->width / sizeof s->width[0] && n + 2 > s->width[s->col])
        s->width[s->col] = n + 2;
}

static void put_text(struct xsheet *s, const char *v, lxw_format *fmt)
{
    if (!v || !*v) {
        keep(s, worksheet_write_blank(s->ws, s->row, s->col, fmt));
    } else {
        keep(s, worksheet_write_string(s->ws, s->row, s->col, v, fmt));
        widen(s, v);
    }
    s->col++;
}

static void put_number(struct xsheet *s, double v)
{
    keep(s, worksheet_write_number(s->ws, s->row, s->col, v, NULL));
    s->col++;
}

/* A YYYY-MM-DD text as a date cell; anything else (empty) as text. */
static void put_date(struct xsheet *s, const char *v)
{
    lxw_datetime d = {0};

    if (v && strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d", &d.year, &d.month, &d.day) == 3) {
        keep(s, worksheet_write_datetime(s->ws, s->row, s->col, &d, s->date));
        widen(s, "dd/mm/yyyy");
        s->col++;
        return;
    }
    put_text(s, v, NULL);
}

static int put_value(struct xsheet *s, const struct export_val *v)
{
    char *joined;

    switch (v->type) {
    case EXPORT_NUMBER:
        put_number(s, v->number);
        break;
    case EXPORT_UINT:
        put_number(s, (double)v->uint);
        break;
    case EXPORT_TEXT:
        if (v->date)
            put_date(s, v->text);
        else
            put_text(s, v->text, NULL);
        break;
    case EXPORT_BOOL:
        put_text(s, v->boolean ? "có" : "không", NULL);
        break;
    case EXPORT_LIST:
        if (!(joined = export_list_join(v)))
            return TDKT_ENOMEM;
        put_text(s, joined, NULL);
        free(joined);
        break;
    }
    return 0;
}

static int lxw_rc(lxw_error e)
{
    if (e == LXW_NO_ERROR)
        return 0;
    return e == LXW_ERROR_MEMORY_MALLOC_FAILED ? TDKT_ENOMEM : TDKT_EIO;
}

/* The sheet of kind ek: the header, then a row per record of that kind. */
static int sheet_fill(lxw_workbook *wb, const struct export_kind *ek, lxw_format *bold,
                      lxw_format *date, const struct import_group *g, size_t n)
{
    struct xsheet s = {.date = date};
    int removed = 0, rc;

    if (!(s.ws = workbook_add_worksheet(wb, ek->sheet)))
        return TDKT_EIO;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < g[i].n; r++)
            removed |= g[i].records[r]->item_case == ek->item && g[i].records[r]->removed;
    put_text(&s, EXPORT_HEAD_UNIT, bold);
    put_text(&s, EXPORT_HEAD_YEAR, bold);
    for (size_t c = export_col_next(ek, 0); c < export_ncols; c = export_col_next(ek, c + 1))
        put_text(&s, export_cols[c].vi, bold);
    if (removed)
        put_text(&s, EXPORT_HEAD_REMOVED, bold);
    lxw_col_t ncols = s.col;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < g[i].n; k++) {
            const Tdkt__ResultRecord *r = g[i].records[k];

            if (r->item_case != ek->item)
                continue;
            s.row++;
            s.col = 0;
            put_text(&s, g[i].unit, NULL);
            put_number(&s, g[i].year);
            for (size_t c = export_col_next(ek, 0); c < export_ncols;
                 c = export_col_next(ek, c + 1)) {
                struct export_val v = export_get(ek, r, &export_cols[c]);
                if ((rc = put_value(&s, &v)) < 0)
                    return rc;
            }
            if (removed)
                put_text(&s, r->removed ? "có" : "không", NULL);
        }
    }
    for (lxw_col_t c = 0; c < ncols && c < sizeof s.width / sizeof s.width[0]; c++) {
        double w = s.width[c] < EXPORT_XLSX_WIDTH_MIN   ? EXPORT_XLSX_WIDTH_MIN
                   : s.width[c] > EXPORT_XLSX_WIDTH_MAX ? EXPORT_XLSX_WIDTH_MAX
                                                        : s.width[c];
        keep(&s, worksheet_set_column(s.ws, c, c, w, NULL));
    }
    worksheet_freeze_panes(s.ws, 1, 0);
    keep(&s, worksheet_autofilter(s.ws, 0, 0, s.row, (lxw_col_t)(ncols - 1)));
    return lxw_rc(s.err);
}

int export_xlsx(const char *path, const char *kind, const struct import_group *g, size_t n)
{
    const struct export_kind *only = NULL;
    char tmp[REPORT_PATH_MAX];
    lxw_workbook *wb;
    lxw_format *bold, *date;
    lxw_error e;
    FILE *f;
    int rc = 0, sheets = 0;

    if (kind && !(only = export_kind_find(kind)))
        return TDKT_EINVAL;
    if ((rc = report_file_open(path, tmp, &f)) < 0)
        return rc;
    fclose(f);
    if (!(wb = workbook_new(tmp))) {
        unlink(tmp);
        return TDKT_ENOMEM;
    }
    bold = workbook_add_format(wb);
    date = workbook_add_format(wb);
    if (!bold || !date) {
        rc = TDKT_ENOMEM;
    } else {
        format_set_bold(bold);
        format_set_num_format(date, "dd/mm/yyyy");
    }
    for (size_t k = 0; rc == 0 && k < export_nkinds; k++) {
        const struct export_kind *ek = &export_kinds[k];
        int any = 0;

        if (only && ek != only)
            continue;
        for (size_t i = 0; i < n && !any; i++)
            for (size_t r = 0; r < g[i].n && !any; r++)
                any = g[i].records[r]->item_case == ek->item;
        if (!only && !any)
            continue;
        rc = sheet_fill(wb, ek, bold, date, g, n);
        sheets++;
    }
    if (rc == 0 && sheets == 0)
        rc = sheet_fill(wb, &export_kinds[0], bold, date, g, n);
    /* workbook_close() writes the file and frees the workbook, also after an
     * error above, which is why it runs either way. */
    e = workbook_close(wb);
    if (rc == 0)
        rc = lxw_rc(e);
    if (rc == 0 && chmod(tmp, 0644) != 0)
        rc = TDKT_EIO;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = TDKT_EIO;
    if (rc < 0)
        unlink(tmp);
    return rc;
}
