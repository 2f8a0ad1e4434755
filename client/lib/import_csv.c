/* SPDX-License-Identifier: MIT */
/*
 * The table mapping of a results import, CSV and workbook alike: header,
 * kind, rows (see import_csv.h); and the CSV source of its rows.
 */
#include "client/lib/import_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/lib/import_row.h"
#include "common/domain/records.h"
#include "common/err.h"
#include "common/text/csv.h"

#define HEAD_IGNORED (-1) /* a column without a name */

/* The header row: which column each cell is. */
struct csv_head {
    int col_of[IMPORT_CELLS_MAX]; /* enum import_col or HEAD_IGNORED */
    char text[IMPORT_CELLS_MAX][IMPORT_WHERE_MAX];
    unsigned column[IMPORT_CELLS_MAX];
    size_t n;
    int field_of[COL_N]; /* header index of each column, or -1 */
    unsigned line;
};

static int field_blank(const struct import_cell *f)
{
    for (size_t i = 0; i < f->len; i++)
        if (!import_row_blank(f->s[i]))
            return 0;
    return 1;
}

/* 1 when the cell starts with the apostrophe that export.c (and the
 * report) put before a text a spreadsheet would run as a formula ('=, '+,
 * '-, '@): the value is what follows it. */
static size_t formula_guard(const struct import_cell *f)
{
    return f->type == IMPORT_CELL_TEXT && f->len >= 2 && f->s[0] == '\'' && f->s[1] &&
           strchr("=+-@\t\r", f->s[1]) != NULL;
}

/* Map the header's cells to columns; report unknown and repeated ones. */
static void csv_head_read(struct import_state *m, struct csv_head *h,
                          const struct import_table_row *row)
{
    for (int c = 0; c < COL_N; c++)
        h->field_of[c] = -1;
    h->n = row->n;
    h->line = row->line;
    for (size_t i = 0; i < row->n; i++) {
        const struct import_cell *f = &row->cells[i];
        const char *s = f->s;
        size_t len = f->len;
        int c;

        while (len && import_row_blank(*s))
            s++, len--;
        while (len && import_row_blank(s[len - 1]))
            len--;
        snprintf(h->text[i], sizeof h->text[i], "%.*s", (int)len, s);
        h->column[i] = f->column;
        h->col_of[i] = HEAD_IGNORED;
        if (!len)
            continue;
        if (import_value_spell(m, SPELL_HEADER, s, len, &c) != 0) {
            import_row_error(m, f->line, f->column, h->text[i],
                             "unknown column '%s'; docs/results.md lists the column names",
                             h->text[i]);
            continue;
        }
        if (h->field_of[c] >= 0) {
            const struct import_cell *first = &row->cells[h->field_of[c]];
            import_row_error(m, f->line, f->column, h->text[i],
                             "column '%s' is the same as column %u ('%s'): give each column once",
                             h->text[i], first->column, h->text[h->field_of[c]]);
            continue;
        }
        h->col_of[i] = c;
        h->field_of[c] = (int)i;
    }
}

/*
 * The kind of a file without a kind column, from its header: among the kinds
 * whose required columns are all there, the one that also has a place for
 * every column (person,title is a registration, not facts); failing that,
 * the one whose required columns include those of every other (person,rating
 * is a person_rating, not a unit_rating). -1 with the error reported.
 */
static int csv_head_kind(struct import_state *m, const struct csv_head *h)
{
    uint32_t have = 0;
    int found[KIND_N], fits[KIND_N], n = 0, nfits = 0, best = -1;

    for (int c = 0; c < COL_N; c++)
        if (h->field_of[c] >= 0)
            have |= COL_BIT(c);
    for (int k = 0; k < KIND_N; k++) {
        uint32_t allowed =
            import_row_kinds[k].required | import_row_kinds[k].optional | COLS_EVERY_ROW;
        if ((import_row_kinds[k].required & ~have) != 0)
            continue;
        found[n++] = k;
        if ((have & ~allowed) == 0)
            fits[nfits++] = k;
    }
    if (nfits == 1)
        return fits[0];
    for (int i = 0; i < n; i++) {
        int covers = 1;
        for (int j = 0; j < n; j++)
            if ((import_row_kinds[found[j]].required & ~import_row_kinds[found[i]].required) != 0)
                covers = 0;
        if (covers)
            best = found[i];
    }
    if (best >= 0)
        return best;
    if (n == 0)
        import_row_error(
            m, h->line, 1, "",
            "the header has the columns of no kind of record: add a kind column or give "
            "--kind (target, task, task_plan, product, score, unit_rating, person_rating, "
            "registration, initiative, facts)");
    else
        import_row_error(m, h->line, 1, "",
                         "the header fits %s and %s records: add a kind column or give --kind",
                         import_row_kinds[found[0]].name, import_row_kinds[found[1]].name);
    return -1;
}

/* A file of one kind: the header must have its required columns and no
 * columns of other kinds. */
static void csv_head_check(struct import_state *m, const struct csv_head *h, enum import_kind k)
{
    uint32_t allowed = import_row_kinds[k].required | import_row_kinds[k].optional | COLS_EVERY_ROW;

    for (int c = 0; c < COL_N; c++) {
        if ((import_row_kinds[k].required & COL_BIT(c)) && h->field_of[c] < 0) {
            import_row_error(m, h->line, 1, "", "%s %s needs the column '%s' (%s)",
                             import_row_article(import_row_kinds[k].name), import_row_kinds[k].name,
                             import_row_cols[c].name,
                             import_row_cols[c].aliases[0] ? import_row_cols[c].aliases[0]
                                                           : import_row_cols[c].name);
            m->missing_reported[k] |= COL_BIT(c);
        }
    }
    for (size_t i = 0; i < h->n; i++) {
        int c = h->col_of[i];
        if (c >= 0 && !(allowed & COL_BIT(c)))
            import_row_error(m, h->line, h->column[i], h->text[i],
                             "column '%s' is not part of %s records", h->text[i],
                             import_row_kinds[k].name);
    }
}

/* Unit and year of a row: its cells, else the defaults. */
static void row_unit_year(struct import_state *m, struct import_row *w)
{
    struct import_val *u = &w->v[COL_UNIT], *y = &w->v[COL_YEAR];

    w->unit = u->s ? u->s : m->o->unit;
    if (!w->unit) {
        if (u->present)
            import_row_value_error(m, w, COL_UNIT,
                                   "the unit is missing: fill it in or give --unit");
    } else if (!record_unit_code_valid(w->unit)) {
        import_row_value_error(
            m, w, COL_UNIT, "'%.64s' is not a unit code: 1 to %d characters of A-Z, 0-9, '_', '-'",
            w->unit, RECORD_CODE_MAX);
        w->unit = NULL;
    }
    w->year = m->o->year;
    if (y->s) {
        uint64_t n = 0;
        size_t i;
        for (i = 0; i < y->len && i < 5 && y->s[i] >= '0' && y->s[i] <= '9'; i++)
            n = n * 10 + (uint64_t)(y->s[i] - '0');
        w->year = 0;
        if (i != y->len || !record_year_valid((uint32_t)n))
            import_row_value_error(m, w, COL_YEAR, "'%.20s' is not a year from %d to %d", y->s,
                                   RECORD_YEAR_MIN, RECORD_YEAR_MAX);
        else
            w->year = (uint32_t)n;
    } else if (!w->year && y->present) {
        import_row_value_error(m, w, COL_YEAR, "the year is missing: fill it in or give --year");
    }
}

/* One data row of a table. */
static void csv_row_read(struct import_state *m, const struct csv_head *h,
                         const struct import_table_row *row, int fixed_kind, int default_kind,
                         struct import_row *w)
{
    int kind = fixed_kind, blank = 1;

    for (size_t i = 0; i < row->n && blank; i++)
        blank = field_blank(&row->cells[i]);
    if (blank)
        return; /* a row of empty cells, as spreadsheets leave */
    memset(w, 0, sizeof *w);
    w->line = row->line;
    w->column = row->cells[0].column;
    for (size_t i = 0; i < row->n; i++) {
        const struct import_cell *f = &row->cells[i];
        struct import_val *v;

        if (i >= h->n || h->col_of[i] < 0) {
            if (!field_blank(f)) {
                import_row_error(m, f->line, f->column, "",
                                 i >= h->n ? "this cell is after the last column of the header"
                                           : "this cell is in a column without a name");
                w->bad = 1;
            }
            continue;
        }
        v = &w->v[h->col_of[i]];
        if (f->type == IMPORT_CELL_ERROR) {
            import_row_error(m, f->line, f->column, h->text[i],
                             "the cell holds the spreadsheet error %.20s: correct its formula or "
                             "type the value",
                             f->s);
            w->bad = 1;
            v->present = 1;
            continue;
        }
        if (import_row_value_set(m, v, f->s + formula_guard(f), f->len - formula_guard(f)) < 0)
            goto out;
        v->typed = f->type == IMPORT_CELL_NUMBER;
        v->num = f->number;
        v->line = f->line;
        v->column = f->column;
        snprintf(v->where, sizeof v->where, "%s", h->text[i]);
    }
    /* Cells a short row leaves out are empty cells of their columns. */
    for (size_t i = row->n; i < h->n; i++) {
        struct import_val *v;
        if (h->col_of[i] < 0)
            continue;
        v = &w->v[h->col_of[i]];
        v->present = 1;
        v->line = row->end_line;
        v->column = row->grid ? h->column[i] : 1;
        snprintf(v->where, sizeof v->where, "%s", h->text[i]);
    }
    if (h->field_of[COL_KIND] >= 0) {
        const struct import_val *v = &w->v[COL_KIND];
        kind = v->s ? import_value_kind(m, v->s) : default_kind;
        if (kind < 0 && v->s)
            import_row_value_error(m, w, COL_KIND,
                                   "'%.40s' is not a kind: write target, task, task_plan, product, "
                                   "score, unit_rating, "
                                   "person_rating, registration, initiative or facts",
                                   v->s);
        else if (kind < 0)
            import_row_value_error(m, w, COL_KIND,
                                   "the kind is missing: fill it in or give --kind");
    }
    row_unit_year(m, w);
    if (kind < 0)
        goto out;
    w->kind = (enum import_kind)kind;
    for (int c = 0; c < COL_N; c++) {
        uint32_t allowed =
            import_row_kinds[kind].required | import_row_kinds[kind].optional | COLS_EVERY_ROW;
        if (w->v[c].s && !(allowed & COL_BIT(c)))
            import_row_value_error(
                m, w, (enum import_col)c, "%s %s has no %s: leave this cell empty",
                import_row_article(import_row_kinds[kind].name), import_row_kinds[kind].name,
                import_row_value_name(w, (enum import_col)c));
    }
    import_row_finish(m, w);
out:
    import_row_reset(w);
}

void import_table_read(struct import_state *m, import_table_next next, void *src)
{
    struct import_table_row *row = malloc(sizeof *row);
    struct csv_head *h = malloc(sizeof *h);
    struct import_row *w = calloc(1, sizeof *w);
    int rc, fixed_kind = -1, default_kind = -1;

    if (!row || !h || !w) {
        m->nomem = 1;
        goto out;
    }
    rc = next(src, m, row);
    if (rc == 0) {
        if (m->out->sheet[0])
            import_row_error(m, 0, 0, "",
                             "sheet '%s' is empty: its first row must name the columns",
                             m->out->sheet);
        else
            import_row_error(m, 1, 1, "",
                             "the file is empty: its first line must name the columns");
        goto out;
    }
    if (rc < 0)
        goto out;
    csv_head_read(m, h, row);
    if (m->o->kind)
        default_kind = import_value_kind(m, m->o->kind);
    if (h->field_of[COL_KIND] < 0 && !m->out->nerrors) {
        /* Guessing from a header with unknown columns would only add noise. */
        fixed_kind = default_kind >= 0 ? default_kind : csv_head_kind(m, h);
        if (fixed_kind >= 0)
            csv_head_check(m, h, (enum import_kind)fixed_kind);
    }
    if (h->field_of[COL_UNIT] < 0 && !m->o->unit)
        import_row_error(m, h->line, 1, "", "the file has no unit column: add one or give --unit");
    if (h->field_of[COL_YEAR] < 0 && !m->o->year)
        import_row_error(m, h->line, 1, "", "the file has no year column: add one or give --year");
    if (m->out->nerrors)
        goto out; /* with a wrong header every row would be wrong */
    while (!m->stop && !m->nomem && next(src, m, row) == 1)
        csv_row_read(m, h, row, fixed_kind, default_kind, w);
out:
    free(row);
    free(h);
    free(w);
}

/* The CSV source: one line of fields at a time. */
struct csv_src {
    struct csv_reader r;
    struct csv_row row;
};

static int csv_src_next(void *arg, struct import_state *m, struct import_table_row *out)
{
    struct csv_src *c = arg;
    int rc = csv_next_row(&c->r, &c->row);

    if (rc == TDKT_ENOMEM) {
        m->nomem = 1;
        return rc;
    }
    if (rc < 0) {
        import_row_error(m, c->r.err.line, c->r.err.column, "", "%s", c->r.err.message);
        return rc;
    }
    if (rc == 0)
        return 0;
    out->n = c->row.n;
    out->line = c->row.line;
    out->end_line = c->row.end_line;
    out->grid = 0;
    for (size_t i = 0; i < c->row.n; i++) {
        const struct csv_field *f = &c->row.fields[i];
        out->cells[i] = (struct import_cell){IMPORT_CELL_TEXT, f->s, f->len, 0, f->line, f->column};
    }
    return 1;
}

void import_csv_read(struct import_state *m, const char *data, size_t len)
{
    struct csv_src *c = malloc(sizeof *c);

    if (!c) {
        m->nomem = 1;
        return;
    }
    csv_reader_init(&c->r, data, len, csv_detect_separator(data, len));
    import_table_read(m, csv_src_next, c);
    csv_reader_free(&c->r);
    free(c);
}
