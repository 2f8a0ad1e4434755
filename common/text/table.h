/* SPDX-License-Identifier: MIT */
/*
 * A table for a person's terminal: rows of text cells, printed with each
 * column as wide as its widest cell in display columns (common/text/width.h),
 * so columns stay aligned after Vietnamese names. The table owns copies of
 * its cells; text_table_free releases them. Limits: TEXT_TABLE_COLS columns.
 */
#ifndef TDKT_COMMON_TEXT_TABLE_H
#define TDKT_COMMON_TEXT_TABLE_H

#include <stddef.h>
#include <stdio.h>

#define TEXT_TABLE_COLS 12

struct text_table {
    size_t ncols, nrows, cap;
    const char *heads[TEXT_TABLE_COLS]; /* borrowed; NULL: no header line */
    unsigned right;                     /* bit i: column i is aligned right (numbers) */
    char **cells;                       /* nrows * ncols, owned */
};

/* Start a table of ncols columns (1 to TEXT_TABLE_COLS) with the given
 * headings (NULL: none), each borrowed. 0 or TDKT_EINVAL. */
int text_table_init(struct text_table *t, size_t ncols, const char *const *heads);

/* Append a row of ncols cells (NULL is ""), copied. 0 or TDKT_ENOMEM. */
int text_table_add(struct text_table *t, const char *const *cells);

/* Print the heading (if any) and the rows to f, each line starting with
 * indent and columns two spaces apart; the last column is not padded. */
void text_table_print(const struct text_table *t, FILE *f, const char *indent);

void text_table_free(struct text_table *t);

#endif
