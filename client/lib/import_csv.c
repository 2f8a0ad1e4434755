/* SPDX-License-Identifier: MIT */
/*
 * The CSV mapping of a results import: header, kind, rows (see
 * import_csv.h).
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

/* The header line: which column each field is. */
struct csv_head {
    int col_of[CSV_FIELDS_MAX]; /* enum import_col or HEAD_IGNORED */
    char text[CSV_FIELDS_MAX][IMPORT_WHERE_MAX];
    unsigned column[CSV_FIELDS_MAX];
    size_t n;
    int field_of[COL_N]; /* header index of each column, or -1 */
    unsigned line;
};

static int field_blank(const struct csv_field *f)
{
    for (size_t i = 0; i < f->len; i++)
        if (!import_row_blank(f->s[i]))
            return 0;
    return 1;
}

/* Map the header's fields to columns; report unknown and repeated ones. */
static void csv_head_read(struct import_state *m, struct csv_head *h, const struct csv_row *row)
{
    for (int c = 0; c < COL_N; c++)
        h->field_of[c] = -1;
    h->n = row->n;
    h->line = row->line;
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
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
            const struct csv_field *first = &row->fields[h->field_of[c]];
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

/* One data row of a CSV file. */
static void csv_row_read(struct import_state *m, const struct csv_head *h,
                         const struct csv_row *row, int fixed_kind, int default_kind,
                         struct import_row *w)
{
    int kind = fixed_kind, blank = 1;

    for (size_t i = 0; i < row->n && blank; i++)
        blank = field_blank(&row->fields[i]);
    if (blank)
        return; /* a row of empty cells, as spreadsheets leave */
    memset(w, 0, sizeof *w);
    w->line = row->line;
    w->column = row->fields[0].column;
    for (size_t i = 0; i < row->n; i++) {
        const struct csv_field *f = &row->fields[i];
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
        if (import_row_value_set(m, v, f->s, f->len) < 0)
            goto out;
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
        v->column = 1;
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

void import_csv_read(struct import_state *m, const char *data, size_t len)
{
    struct csv_reader r;
    struct csv_row *row = malloc(sizeof *row);
    struct csv_head *h = malloc(sizeof *h);
    struct import_row *w = calloc(1, sizeof *w);
    int rc, fixed_kind = -1, default_kind = -1;

    csv_reader_init(&r, data, len, csv_detect_separator(data, len));
    if (!row || !h || !w) {
        m->nomem = 1;
        goto out;
    }
    rc = csv_next_row(&r, row);
    if (rc == 0) {
        import_row_error(m, 1, 1, "", "the file is empty: its first line must name the columns");
        goto out;
    }
    if (rc < 0)
        goto fail;
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
    while (!m->stop && !m->nomem && (rc = csv_next_row(&r, row)) == 1)
        csv_row_read(m, h, row, fixed_kind, default_kind, w);
    if (rc >= 0)
        goto out;
fail:
    if (rc == TDKT_ENOMEM)
        m->nomem = 1;
    else
        import_row_error(m, r.err.line, r.err.column, "", "%s", r.err.message);
out:
    csv_reader_free(&r);
    free(row);
    free(h);
    free(w);
}
