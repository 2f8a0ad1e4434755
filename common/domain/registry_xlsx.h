/* SPDX-License-Identifier: MIT */
/*
 * The registry import file as an Excel workbook (docs/registry.md, "As a
 * workbook"): a sheet per section of the JSON file, named by its key or in
 * Vietnamese (units / Đơn vị, persons / Cán bộ, ...), whose first row names
 * the columns by the JSON keys or their Vietnamese headers, and whose rows
 * are the items. A cluster's members are one cell, separated by ';'. The
 * sections whose items hold a list (a criteria sheet's criteria, a Council's
 * members, a rule set's values) take a row per inner item; the rows of one
 * item repeat its key (year and cluster, year and code, code) or leave it
 * empty under the first, as merged cells do.
 *
 * The workbook is read with common/text/xlsx_read.h and turned into the tree
 * that registry_json.h checks, so a workbook and a JSON file are held to one
 * set of rules and give the same records. Its refusal is placed where a
 * person looks: NAME:SHEET:ROW:COLUMN, the column as Excel names it, and
 * the header as the sheet writes it.
 *
 * Pure: no I/O; it reads the caller's buffer.
 */
#ifndef TDKT_COMMON_DOMAIN_REGISTRY_XLSX_H
#define TDKT_COMMON_DOMAIN_REGISTRY_XLSX_H

#include <stddef.h>

#include "proto/tdkt.pb-c.h"

/*
 * Parse the workbook data[0..len) as registry_json_parse does a JSON file:
 * 0 with *out and *n (registry_records_free frees them), or TDKT_EINVAL,
 * TDKT_ETOOBIG or TDKT_ENOMEM with err (cap bytes, may be NULL) saying why,
 * starting with name (the file's, or NULL) and the place:
 * "so-dang-ky.xlsx:Đơn vị:4:C: Loại: 'provincal' is not one of ...".
 */
int registry_xlsx_parse(const char *name, const char *data, size_t len, Tdkt__RegistryRecord ***out,
                        size_t *n, char *err, size_t cap);

#endif
