/* SPDX-License-Identifier: MIT */
/*
 * The registry import file (docs/registry.md): one JSON object with the
 * arrays "units", "persons", "periods", "clusters" and "criteria", read with
 * jansson into a list of Tdkt__RegistryRecord ready for a RegistryPut.
 *
 * Records come out in the order the central office must apply them: every
 * unit, then every person, period, cluster and criteria sheet, each group in
 * file order. Each record is normalised (registry_record_normalise) and
 * validated (registry_record_validate); the file is refused as a whole at
 * the first error, which is described in err as a JSON path
 * ("units[3].kind: ...") or, for a syntax error, a line and column.
 *
 * What needs the ledger (does the parent exist, is a member registered) is
 * not checked here; within the file, a unit's parent must not come after it
 * and no unit, person id, period, cluster or sheet may be given twice.
 *
 * The same records come from a workbook (registry_xlsx.h), which is turned
 * into the tree this module reads (registry_json_parse_tree), so both files
 * have one set of rules.
 *
 * This module reads a file only in registry_json_load_file(); it does no
 * other I/O.
 */
#ifndef TDKT_COMMON_DOMAIN_REGISTRY_JSON_H
#define TDKT_COMMON_DOMAIN_REGISTRY_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "proto/tdkt.pb-c.h"

#define REGISTRY_JSON_FILE_MAX    (16u * 1024u * 1024u) /* bytes in a registry file */
#define REGISTRY_JSON_RECORDS_MAX 100000u               /* records in one file */
#define REGISTRY_JSON_VERSION     1                     /* the "version" this parser reads */
#define REGISTRY_JSON_PATH_MAX    128                   /* bytes in a JSON path */
#define REGISTRY_JSON_ERR_MIN     256 /* an err buffer this big holds every message whole */

/*
 * Parse len bytes of data (UTF-8 JSON, an optional byte-order mark). On
 * success *out is a malloc'd array of *n records, each malloc'd with the
 * default allocator (tdkt__registry_record__free_unpacked(r, NULL) frees
 * one); the caller frees the lot with registry_records_free(). On failure
 * *out is NULL, *n is 0 and err (cap bytes, may be NULL) says why.
 * 0, TDKT_EINVAL (syntax or value), TDKT_ETOOBIG (a named limit), TDKT_ENOMEM.
 */
int registry_json_parse(const char *data, size_t len, Tdkt__RegistryRecord ***out, size_t *n,
                        char *err, size_t cap);

/* The same over a tree jansson has built (root is only read). */
int registry_json_parse_tree(const json_t *root, Tdkt__RegistryRecord ***out, size_t *n, char *err,
                             size_t cap);

/*
 * The same for a file; err then starts with the path. A file that is a ZIP
 * is read as a workbook (registry_xlsx.h); one that is neither JSON text
 * nor a workbook (an .xls, UTF-16) is refused with what it is. Also
 * TDKT_ENOTFOUND (no such file) and TDKT_EIO.
 */
int registry_json_load_file(const char *path, Tdkt__RegistryRecord ***out, size_t *n, char *err,
                            size_t cap);

/* Free n records and the array. NULL is a no-op. */
void registry_records_free(Tdkt__RegistryRecord **recs, size_t n);

#endif
