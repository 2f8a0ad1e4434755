/* SPDX-License-Identifier: MIT */
/* A table aligned by display width: see table.h. */
#include "common/text/table.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/text/width.h"

int text_table_init(struct text_table *t, size_t ncols, const char *const *heads)
{
    memset(t, 0, sizeof *t);
    if (ncols == 0 || ncols > TEXT_TABLE_COLS)
        return TDKT_EINVAL;
    t->ncols = ncols;
    for (size_t i = 0; heads != NULL && i < ncols; i++)
        t->heads[i] = heads[i];
    return 0;
}

int text_table_add(struct text_table *t, const char *const *cells)
{
    size_t need = (t->nrows + 1) * t->ncols;

    if (need > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
        char **c;

        while (cap < need)
            cap *= 2;
        if ((c = realloc(t->cells, cap * sizeof *c)) == NULL)
            return TDKT_ENOMEM;
        t->cells = c;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        char *s = strdup(cells[i] ? cells[i] : "");

        if (s == NULL) {
            while (i-- > 0)
                free(t->cells[t->nrows * t->ncols + i]);
            return TDKT_ENOMEM;
        }
        t->cells[t->nrows * t->ncols + i] = s;
    }
    t->nrows++;
    return 0;
}

static void print_row(const struct text_table *t, FILE *f, const char *indent,
                      const char *const *row, const size_t *w)
{
    fputs(indent ? indent : "", f);
    for (size_t i = 0; i < t->ncols; i++) {
        size_t cw = text_width(row[i]);
        int last = i + 1 == t->ncols;

        if (t->right & (1u << i))
            for (size_t k = cw; k < w[i]; k++)
                fputc(' ', f);
        if (last || (t->right & (1u << i)))
            fputs(row[i], f);
        else
            text_pad(f, row[i], w[i]);
        if (!last)
            fputs("  ", f);
    }
    fputc('\n', f);
}

void text_table_print(const struct text_table *t, FILE *f, const char *indent)
{
    size_t w[TEXT_TABLE_COLS] = {0};
    int heads = t->heads[0] != NULL;

    for (size_t i = 0; i < t->ncols; i++) {
        if (heads && t->heads[i] && text_width(t->heads[i]) > w[i])
            w[i] = text_width(t->heads[i]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t cw = text_width(t->cells[r * t->ncols + i]);
            if (cw > w[i])
                w[i] = cw;
        }
    }
    if (heads) {
        const char *h[TEXT_TABLE_COLS];

        for (size_t i = 0; i < t->ncols; i++)
            h[i] = t->heads[i] ? t->heads[i] : "";
        print_row(t, f, indent, h, w);
    }
    for (size_t r = 0; r < t->nrows; r++)
        print_row(t, f, indent, (const char *const *)&t->cells[r * t->ncols], w);
}

void text_table_free(struct text_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
