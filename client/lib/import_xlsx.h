/* SPDX-License-Identifier: MIT */
/*
 * The workbook source of a results import (docs/results.md): one sheet of
 * an .xlsx file, read with common/text/xlsx_read.h, given row by row to the
 * table mapping that CSV files go through (import_csv.h), so both formats
 * have one set of column rules. It owns the choice of the sheet (--sheet,
 * else the first visible one) and how a workbook's cells become cells of a
 * table row: numbers stay typed (read without a locale; a date column
 * reads them as Excel date serials), booleans become "true"/"false", error
 * values are refused where they are. Errors are placed at the sheet's row
 * and column. Private to client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_XLSX_H
#define TDKT_CLIENT_LIB_IMPORT_XLSX_H

#include <stddef.h>

struct import_state;

/* Read the workbook data[0..len) into m's result, errors included. */
void import_xlsx_read(struct import_state *m, const char *data, size_t len);

#endif
