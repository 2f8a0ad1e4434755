/* SPDX-License-Identifier: MIT */
/*
 * The table mapping of a results import (docs/results.md): a table of rows
 * of cells under a header row, whether a CSV file's lines (read here with
 * common/text/csv.h: BOM, separator detected, quoted fields) or a
 * workbook's sheet (import_xlsx.h), mapped to rows (import_row.h). It is
 * the one home of the column rules of both: the header (each cell matched
 * to a column by any of its spellings, unknown and repeated columns
 * reported), the kind of a file without a kind column (from --kind, or
 * from which kind's columns the header has), which cells a row of each kind
 * may fill, and the unit and year of a row (its cells, else --unit and
 * --year). A header with any error stops the file before its rows: every
 * row would be wrong. It converts no value itself (import_value.h).
 * Private to client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_CSV_H
#define TDKT_CLIENT_LIB_IMPORT_CSV_H

#include <stddef.h>

#include "common/text/csv.h"

struct import_state;

#define IMPORT_CELLS_MAX CSV_FIELDS_MAX /* cells of one row, CSV or workbook */

enum import_cell_type {
    IMPORT_CELL_TEXT,   /* text as written (CSV fields are all text) */
    IMPORT_CELL_NUMBER, /* a workbook's number: s in "C" notation, number its value */
    IMPORT_CELL_ERROR,  /* a workbook's error value (#DIV/0!): refused where it is */
};

/* One cell of a table row: its text (the source's, valid until the next
 * row) and where it is: a CSV field's line and column in characters, or a
 * workbook cell's row and column number (A = 1). */
struct import_cell {
    enum import_cell_type type;
    const char *s;
    size_t len;
    double number;
    unsigned line, column;
};

struct import_table_row {
    struct import_cell cells[IMPORT_CELLS_MAX];
    size_t n;          /* >= 1 */
    unsigned line;     /* where the row starts */
    unsigned end_line; /* where it ends (CSV: a quoted line break makes it later) */
    int grid;          /* a workbook: cell i is in column i + 1, so a cell the row lacks has its
                          header's column */
};

/* The next row of a table into *row: 1 with a row, 0 at the end, < 0 when
 * the source failed (it has reported the error through import_row_error,
 * or set m->nomem). */
typedef int (*import_table_next)(void *src, struct import_state *m, struct import_table_row *row);

/* Read the table that next gives into m's result, errors included. */
void import_table_read(struct import_state *m, import_table_next next, void *src);

/* Read the CSV data[0..len) into m's result, errors included. */
void import_csv_read(struct import_state *m, const char *data, size_t len);

#endif
