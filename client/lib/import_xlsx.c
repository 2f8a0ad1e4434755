/* SPDX-License-Identifier: MIT */
/* The workbook source of a results import; see import_xlsx.h. */
#include "client/lib/import_xlsx.h"

#include <stdio.h>
#include <string.h>

#include "client/lib/import_csv.h"
#include "client/lib/import_row.h"
#include "common/err.h"
#include "common/text/xlsx_read.h"

_Static_assert(XLSX_COLS_MAX <= IMPORT_CELLS_MAX, "a workbook row fits a table row");
_Static_assert(XLSX_NAME_MAX + 1 <= IMPORT_SHEET_MAX, "a sheet name fits the result");

struct xlsx_src {
    struct xlsx_book *book;
};

static void report(struct import_state *m, int rc, const struct xlsx_error *err)
{
    if (rc == TDKT_ENOMEM)
        m->nomem = 1;
    else
        import_row_error(m, err->row, err->row ? err->col : 0, "", "%s", err->message);
}

static int xlsx_src_next(void *arg, struct import_state *m, struct import_table_row *out)
{
    struct xlsx_src *x = arg;
    struct xlsx_row row;
    struct xlsx_error err;
    int rc = xlsx_next_row(x->book, &row, &err);

    if (rc < 0)
        report(m, rc, &err);
    if (rc <= 0)
        return rc;
    out->n = row.n;
    out->line = out->end_line = row.row;
    out->grid = 1;
    for (size_t i = 0; i < row.n; i++) {
        const struct xlsx_cell *c = &row.cells[i];
        enum import_cell_type t = c->type == XLSX_NUMBER  ? IMPORT_CELL_NUMBER
                                  : c->type == XLSX_ERROR ? IMPORT_CELL_ERROR
                                                          : IMPORT_CELL_TEXT;

        out->cells[i] = (struct import_cell){t, c->s, c->len, c->number, row.row, (unsigned)i + 1};
    }
    return 1;
}

/* "the workbook has no sheet 'X'; its sheets are A, B and C". */
static void no_such_sheet(struct import_state *m, const struct xlsx_book *b, const char *name)
{
    char list[IMPORT_MESSAGE_MAX];
    size_t used = 0, n = xlsx_sheet_count(b);

    list[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s'%s'",
                         i == 0       ? ""
                         : i + 1 == n ? " and "
                                      : ", ",
                         xlsx_sheet_name(b, i));
        if (w < 0)
            break;
        used += (size_t)w;
    }
    import_row_error(m, 0, 0, "", "the workbook has no sheet '%.60s'; its sheets are %s", name,
                     list);
}

void import_xlsx_read(struct import_state *m, const char *data, size_t len)
{
    struct xlsx_src x = {0};
    struct xlsx_error err;
    size_t sheet;
    int rc;

    if ((rc = xlsx_open(data, len, &x.book, &err)) < 0) {
        report(m, rc, &err);
        return;
    }
    if (!m->o->sheet) {
        sheet = xlsx_sheet_first(x.book);
    } else if (xlsx_sheet_find(x.book, m->o->sheet, &sheet) < 0) {
        no_such_sheet(m, x.book, m->o->sheet);
        goto out;
    }
    snprintf(m->out->sheet, sizeof m->out->sheet, "%s", xlsx_sheet_name(x.book, sheet));
    m->date1904 = xlsx_date1904(x.book);
    if ((rc = xlsx_sheet_open(x.book, sheet, &err)) < 0) {
        report(m, rc, &err);
        goto out;
    }
    import_table_read(m, xlsx_src_next, &x);
out:
    xlsx_close(x.book);
}
