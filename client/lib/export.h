/* SPDX-License-Identifier: MIT */
/*
 * Results export (docs/results.md): groups of result records written as the
 * JSON or CSV files that import.h reads, so export then import gives back
 * the same records. JSON is UTF-8 without escapes for non-ASCII text,
 * indented, one record per line; numbers are written in the shortest
 * decimal form that reads back as the same double. CSV has English header
 * names, a unit and a year column, RFC 4180 quoting, CRLF line ends and a
 * UTF-8 byte-order mark (so spreadsheets open it as UTF-8).
 *
 * This module only formats and writes to the caller's FILE; it does not
 * open, flush or close it, and owns nothing.
 */
#ifndef TDKT_CLIENT_LIB_EXPORT_H
#define TDKT_CLIENT_LIB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "client/lib/import.h"

#define EXPORT_NUMBER_MAX 64 /* bytes of a formatted number, with the NUL */

/*
 * The groups as JSON: one object per group, an array of them when n != 1.
 * 0, TDKT_EIO when writing failed, TDKT_EINVAL when a group has two unit
 * ratings (the format holds one), TDKT_ENOMEM.
 */
int export_json(FILE *f, const struct import_group *g, size_t n);

/*
 * The records of one kind ("target", "task", ... as import_kind_valid()
 * accepts) of the groups as CSV, with a header even when there are none;
 * records of other kinds are left out. A "removed" column is written only
 * when a record is removed. 0, TDKT_EINVAL for an unknown kind, TDKT_EIO,
 * TDKT_ENOMEM.
 */
int export_csv(FILE *f, const char *kind, const struct import_group *g, size_t n);

/* v (finite, >= 0) in fixed notation with '.' whatever the locale, in the
 * fewest decimals that read back as v ("100", "212.5", "0.1"). */
void export_number(double v, char out[EXPORT_NUMBER_MAX]);

#endif
