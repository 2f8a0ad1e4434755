/* SPDX-License-Identifier: MIT */
/*
 * Results import (docs/results.md): a CSV or JSON file becomes result
 * records, grouped per (unit, year) as one ResultsPut each would carry. The
 * whole file is checked first; a file with any bad value yields a list of
 * errors, each with the line and column of the cell (CSV; JSON syntax
 * errors) or the JSON path of the value, and no records at all, so nothing
 * of a bad file is ever stored.
 *
 * Every record is built, normalised (record_normalise: names to NFC) and
 * validated (record_validate) here, so what the importer returns already
 * passes the server's syntax checks. What needs the registry (is a person
 * registered in the unit's subtree) goes through the caller's resolver.
 *
 * The parsing core does no I/O: import_file() only reads the file and hands
 * the bytes to import_buffer(). Groups are not split to RESULTS_BATCH_MAX:
 * the caller sends a large group in several batches.
 *
 * Ownership: struct import_result owns everything it points to (groups,
 * their records, errors); import_result_free() releases it. Each record is
 * malloc'd the way protobuf-c unpacks, so a caller may also take one out of
 * a group and free it with tdkt__result_record__free_unpacked(rec, NULL).
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_H
#define TDKT_CLIENT_LIB_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/tdkt.pb-c.h"

#define IMPORT_FILE_MAX    (64u * 1024u * 1024u) /* bytes of one import file */
#define IMPORT_ERRORS_MAX  100                   /* errors listed before truncating */
#define IMPORT_WHERE_MAX   96
#define IMPORT_MESSAGE_MAX 200
#define IMPORT_UNIT_MAX    64 /* bytes of a unit code */
#define IMPORT_ID_MAX      64 /* bytes of a person id */

struct import_opts {
    const char *unit; /* default unit for rows without one (--unit); NULL: none */
    uint32_t year;    /* default year (--year); 0: none */
    const char *kind; /* CSV: kind of rows without a kind column (--kind); NULL: from the header */
    /*
     * Turn a person cell into an id: text is NFC, unit is the row's unit.
     * Returns 0 with id filled (NUL-terminated), TDKT_ENOTFOUND,
     * TDKT_EEXIST when the text matches several persons, or another
     * negative code. NULL: the text must itself be a valid person id.
     */
    int (*resolve_person)(void *arg, const char *unit, const char *text,
                          char id[IMPORT_ID_MAX + 1]);
    void *resolve_arg;
};

/* One refusal. line and column are 1-based (column in characters); both are
 * 0 when unknown (a JSON value: see where). where names the CSV column as
 * the file's header spells it, or the JSON path ("targets[3].planned"); it
 * is "" for a whole row or file. */
struct import_error {
    unsigned line, column;
    char where[IMPORT_WHERE_MAX];
    char message[IMPORT_MESSAGE_MAX];
};

/* The records of one unit and year, in file order. */
struct import_group {
    char unit[IMPORT_UNIT_MAX + 1];
    uint32_t year;
    Tdkt__ResultRecord **records; /* owned */
    size_t n, cap;
};

struct import_result {
    struct import_group *groups; /* owned; in order of first appearance */
    size_t ngroups;
    struct import_error *errors; /* owned; in file order */
    size_t nerrors;
    int truncated;   /* more than IMPORT_ERRORS_MAX errors: the rest were not listed */
    size_t nrecords; /* over all groups */
};

/*
 * Import path. The format comes from the extension (.csv, .json, any case),
 * else from the content (JSON starts with '{' or '['). 0 when every row was
 * good; TDKT_EINVAL with out->errors (and no groups) when not; TDKT_EIO when
 * the file cannot be read and TDKT_ETOOBIG above IMPORT_FILE_MAX, each with
 * one error saying so; TDKT_ENOMEM. out is always initialised and must be
 * freed with import_result_free().
 */
int import_file(const char *path, const struct import_opts *o, struct import_result *out);

/* The same over data[0..len); format is "csv", "json" or NULL (sniff). */
int import_buffer(const char *data, size_t len, const char *format, const struct import_opts *o,
                  struct import_result *out);

void import_result_free(struct import_result *r);

/* Kinds of result records as files name them: "target", "task", ...
 * (docs/results.md). import_kind_valid: 1 if name is one (any case and
 * spacing: "Unit rating" is unit_rating), else 0. */
int import_kind_valid(const char *name);

#endif
