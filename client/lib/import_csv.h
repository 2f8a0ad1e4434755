/* SPDX-License-Identifier: MIT */
/*
 * The CSV mapping of a results import (docs/results.md): a spreadsheet's
 * export read with common/text/csv.h (BOM, separator detected, quoted
 * fields) and mapped to rows (import_row.h). It owns the header (each field
 * matched to a column by any of its spellings, unknown and repeated columns
 * reported), the kind of a file without a kind column (from --kind, or from
 * which kind's columns the header has), which cells a row of each kind may
 * fill, and the unit and year of a row (its cells, else --unit and --year).
 * A header with any error stops the file before its rows: every row would
 * be wrong. It converts no value itself (import_value.h). Private to
 * client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_CSV_H
#define TDKT_CLIENT_LIB_IMPORT_CSV_H

#include <stddef.h>

struct import_state;

/* Read the CSV data[0..len) into m's result, errors included. */
void import_csv_read(struct import_state *m, const char *data, size_t len);

#endif
