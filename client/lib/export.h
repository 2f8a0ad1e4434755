/* SPDX-License-Identifier: MIT */
/*
 * Results export (docs/results.md, docs/client.md): groups of result
 * records written as the JSON, CSV or XLSX files that import.h reads, so
 * export then import gives back the same records.
 *
 * JSON is UTF-8 without escapes for non-ASCII text, indented, one record per
 * line; numbers are written in the shortest decimal form that reads back as
 * the same double. CSV and XLSX have Vietnamese headers (import.h reads them
 * and the English ones alike) with a unit and a year column.
 *
 * CSV comes in two forms. The plain one is for programs: ',' between
 * fields, '.' before decimals, yes/no, ISO dates, RFC 4180 quoting, CRLF and
 * a UTF-8 byte-order mark. The Excel one is what a double-click opens
 * cleanly in Excel set to Vietnamese: the same with ';' between fields, ','
 * before decimals and có/không, and a text that starts like a formula (=,
 * +, -, @) guarded by an apostrophe, which the import takes off again.
 * Either reads back without --locale: a number that would be ambiguous
 * (1.125, where '.' could separate thousands) gets a fourth decimal
 * (1.1250).
 *
 * XLSX is one workbook with a sheet per kind, named in Vietnamese, numbers
 * as number cells and dates as date cells (dd/mm/yyyy); its texts are never
 * formulas.
 *
 * The JSON and CSV writers only format and write to the caller's FILE; they
 * do not open, flush or close it, and own nothing. export_xlsx writes a
 * file: libxlsxwriter needs a path.
 */
#ifndef TDKT_CLIENT_LIB_EXPORT_H
#define TDKT_CLIENT_LIB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "client/lib/import.h"

#define EXPORT_NUMBER_MAX 64 /* bytes of a formatted number, with the NUL */

enum export_csv_form {
    EXPORT_CSV_PLAIN,    /* for programs: ',' and '.' */
    EXPORT_CSV_EXCEL_VI, /* for Excel in a Vietnamese locale: ';' and ',' */
};

/*
 * The groups as JSON: one object per group, an array of them when n != 1.
 * 0, TDKT_EIO when writing failed, TDKT_EINVAL when a group has two unit
 * ratings (the format holds one), TDKT_ENOMEM.
 */
int export_json(FILE *f, const struct import_group *g, size_t n);

/*
 * The records of one kind ("target", "task", ... as import_kind_valid()
 * accepts) of the groups as CSV in form, with a header even when there are
 * none; records of other kinds are left out. A "removed" column is written
 * only when a record is removed. 0, TDKT_EINVAL for an unknown kind,
 * TDKT_EIO, TDKT_ENOMEM.
 */
int export_csv(FILE *f, const char *kind, enum export_csv_form form, const struct import_group *g,
               size_t n);

/*
 * The groups as a workbook at path: a sheet for kind, or with kind NULL one
 * for each kind that has records (a workbook has at least one sheet: the
 * targets' header when there are no records at all). Written under a
 * temporary name and renamed, so path never holds half a workbook. 0,
 * TDKT_EINVAL for an unknown kind, TDKT_EIO, TDKT_ENOMEM.
 */
int export_xlsx(const char *path, const char *kind, const struct import_group *g, size_t n);

/* v (finite, >= 0) in fixed notation with '.' whatever the locale, in the
 * fewest decimals that read back as v ("100", "212.5", "0.1"). */
void export_number(double v, char out[EXPORT_NUMBER_MAX]);

#endif
