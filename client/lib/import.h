/* SPDX-License-Identifier: MIT */
/*
 * Results import (docs/results.md): a CSV, XLSX or JSON file becomes result
 * records, grouped per (unit, year) as one ResultsPut each would carry. The
 * whole file is checked first; a file with any bad value yields a list of
 * errors, each with the line and column of the cell (CSV; JSON syntax
 * errors), the row and column of the cell in its sheet (XLSX), or the JSON
 * path of the value, and no records at all, so nothing of a bad file is
 * ever stored.
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

#include "common/text/numlocale.h"
#include "proto/tdkt.pb-c.h"

#define IMPORT_FILE_MAX    (64u * 1024u * 1024u) /* bytes of one import file */
#define IMPORT_ERRORS_MAX  100                   /* errors listed before truncating */
#define IMPORT_WHERE_MAX   96
#define IMPORT_MESSAGE_MAX 320
#define IMPORT_UNIT_MAX    64  /* bytes of a unit code */
#define IMPORT_ID_MAX      64  /* bytes of a person id */
#define IMPORT_SHEET_MAX   129 /* bytes of a sheet name, with the NUL (XLSX_NAME_MAX + 1) */
#define IMPORT_PLACE_MAX   (IMPORT_SHEET_MAX + 64) /* import_error_place without the path */

struct import_opts {
    const char *unit;  /* default unit for rows without one (--unit); NULL: none */
    uint32_t year;     /* default year (--year); 0: none */
    const char *kind;  /* CSV, XLSX: kind of rows without a kind column (--kind); NULL: from
                          the header */
    const char *sheet; /* XLSX: the sheet to read (--sheet); NULL: the first visible one */
    /* How numbers and dates written as text are read (--locale, common/text/numlocale.h):
     * NUMLOCALE_NONE refuses 1.000 and 2,500, whose reading the locale decides. Numbers
     * that a workbook stores as numbers need no locale. */
    enum numlocale locale;
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
 * 0 when unknown (a JSON value: see where). In a workbook (import_result's
 * sheet is set) line is the sheet's row and column the column's number, A
 * being 1. where names the column as the file's header spells it, or the
 * JSON path ("targets[3].planned"); it is "" for a whole row or file. */
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
    int truncated;                /* more than IMPORT_ERRORS_MAX errors: the rest were not listed */
    size_t nrecords;              /* over all groups */
    char sheet[IMPORT_SHEET_MAX]; /* the sheet read from a workbook; "" for CSV and JSON */
};

/*
 * Import path. The format comes from the content when it says (a ZIP is a
 * workbook, whatever the extension), else from the extension (.csv, .xlsx,
 * .json, any case), else from the content again (JSON starts with '{' or
 * '['). A file that is none of these (an .xls, UTF-16 or Windows-1258 text,
 * a PDF) is refused with one error that says what it is and how to save it
 * (common/text/filekind.h). 0 when every row was good; TDKT_EINVAL with
 * out->errors (and no groups) when not; TDKT_EIO when the file cannot be
 * read and TDKT_ETOOBIG above IMPORT_FILE_MAX, each with one error saying
 * so; TDKT_ENOMEM. out is always initialised and must be freed with
 * import_result_free().
 */
int import_file(const char *path, const struct import_opts *o, struct import_result *out);

/* The same over data[0..len); format is "csv", "xlsx", "json" or NULL
 * (sniff). A ZIP given as "csv" is read as a workbook. */
int import_buffer(const char *data, size_t len, const char *format, const struct import_opts *o,
                  struct import_result *out);

/* Where e is, as the messages of a compiler put it, into buf (cap bytes):
 * "LINE:COLUMN" (CSV, a JSON syntax error), "SHEET:ROW:COLUMN" with the
 * column as Excel names it (XLSX: "Sheet1:7:D"), "SHEET" or "" when e has no
 * place. The caller puts the file's name and a ':' before it. */
void import_error_place(const struct import_result *r, const struct import_error *e, char *buf,
                        size_t cap);

void import_result_free(struct import_result *r);

/* Kinds of result records as files name them: "target", "task", ...
 * (docs/results.md). import_kind_valid: 1 if name is one (any case and
 * spacing: "Unit rating" is unit_rating), else 0. */
int import_kind_valid(const char *name);

#endif
