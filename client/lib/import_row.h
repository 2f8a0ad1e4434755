/* SPDX-License-Identifier: MIT */
/*
 * The row of a results import (import.h): the one shape a CSV line, a
 * workbook's row and a JSON item are all brought to before any value is
 * read. It owns the
 * columns and kinds of result records (their English names, which are the
 * JSON keys, the header spellings of docs/results.md, and the proto fields
 * record_validate names), a row of values each with its place in the file,
 * the state of one import, the errors reported at those places, and what
 * happens to a finished row: its record built (import_value.h), checked for
 * a duplicate key and kept in the group of its unit and year. It reads no
 * file and parses no value: import_csv.c (with import_xlsx.c) and
 * import_json.c fill rows, import_value.c reads their values. Private to
 * client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_ROW_H
#define TDKT_CLIENT_LIB_IMPORT_ROW_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "client/lib/import.h"
#include "client/lib/import_value.h"

enum import_col {
    COL_UNIT,
    COL_YEAR,
    COL_REMOVED,
    COL_KIND,
    COL_CODE,
    COL_NAME,
    COL_PLANNED,
    COL_ACHIEVED,
    COL_LOWER,
    COL_ORIGIN,
    COL_DONE,
    COL_COUNT,
    COL_CRITERION,
    COL_POINTS,
    COL_RATING,
    COL_PERSON,
    COL_TITLE,
    COL_AUTHORS,
    COL_SCOPE,
    COL_DECISION,
    COL_RECRUITED,
    COL_LEAVE,
    COL_MATERNITY,
    COL_DISCIPLINE,
    COL_DISCIPLINED_ON,
    COL_REVIEW,
    COL_RESEARCH,
    COL_COUNTED,
    COL_MATERNITY_MONTHS,
    COL_TASKS_PLANNED,
    COL_N
};

#define COL_ALIASES_MAX 6
#define COL_BIT(c)      (1u << (c))
_Static_assert(COL_N <= 32, "column sets are 32-bit masks");
#define COLS_EVERY_ROW                                                                             \
    (COL_BIT(COL_UNIT) | COL_BIT(COL_YEAR) | COL_BIT(COL_REMOVED) | COL_BIT(COL_KIND))

/* The English name (also the JSON key), the proto field that record_fault
 * names, and the other header spellings of docs/results.md. */
struct import_col_spec {
    const char *name;
    const char *field;
    const char *aliases[COL_ALIASES_MAX];
};
extern const struct import_col_spec import_row_cols[COL_N];

enum import_kind {
    KIND_TARGET,
    KIND_TASK,
    KIND_TASK_PLAN,
    KIND_PRODUCT,
    KIND_SCORE,
    KIND_UNIT_RATING,
    KIND_PERSON_RATING,
    KIND_REGISTRATION,
    KIND_INITIATIVE,
    KIND_FACTS,
    KIND_N
};

#define KIND_ALIASES_MAX 3

/* A kind's name, its JSON key, its columns (docs/results.md) and other
 * spellings of its name in a kind column. */
struct import_kind_spec {
    const char *name;
    const char *json;
    uint32_t required, optional;
    const char *aliases[KIND_ALIASES_MAX];
};
extern const struct import_kind_spec import_row_kinds[KIND_N];

/* A value of one column of one row, wherever it came from. */
struct import_val {
    int present; /* the column exists (CSV) or the key is there (JSON) */
    char *s;     /* text, trimmed, NUL-terminated, owned; NULL when empty or not text */
    size_t len;
    json_t *j; /* a JSON value that is not a string or null; borrowed */
    int typed; /* a number cell of a workbook: s is its "C" notation, num its value */
    double num;
    unsigned line; /* 0 for JSON values; a workbook's row */
    unsigned column;
    char where[IMPORT_WHERE_MAX]; /* header as written, or JSON path */
};

struct import_row {
    enum import_kind kind;
    struct import_val v[COL_N];
    unsigned line, column;        /* where the row starts (CSV, a workbook's row) */
    char where[IMPORT_WHERE_MAX]; /* JSON path of the item; "" for CSV */
    const char *unit;             /* valid code, or NULL once reported */
    uint32_t year;                /* valid year, or 0 once reported */
    int bad;                      /* an error was reported for this row */
};

/* A record key seen in this file, for duplicates. */
struct import_dup {
    char *key; /* owned; NULL: free slot */
    unsigned line;
    char *where; /* owned JSON path; NULL for CSV, where line says it */
};

struct import_state {
    const struct import_opts *o;
    struct import_result *out;
    int stop;     /* error list full: stop reading */
    int nomem;    /* an allocation failed */
    int date1904; /* the workbook counts date serials from 1904 */
    struct import_spelling spell[IMPORT_SPELL_MAX];
    size_t nspell;
    struct import_dup *dups;
    size_t ndups, dups_cap;
    uint32_t missing_reported[KIND_N]; /* columns already reported missing */
};

/* An error at a place in the file (line and column 1-based, 0 when
 * unknown; where: the header as written or the JSON path). Errors past
 * IMPORT_ERRORS_MAX stop the import (truncated). */
void import_row_error(struct import_state *m, unsigned line, unsigned column, const char *where,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An error about value c of row w, at its cell or key (else the row's
 * place); marks the row bad. Returns TDKT_EINVAL. */
int import_row_value_error(struct import_state *m, struct import_row *w, enum import_col c,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* How a message names column c: as the file spells it. */
const char *import_row_value_name(const struct import_row *w, enum import_col c);
/* Set v to a trimmed copy of s[0..len) (NULL when blank); TDKT_ENOMEM. */
int import_row_value_set(struct import_state *m, struct import_val *v, const char *s, size_t len);
/* Free the row's values and clear it. */
void import_row_reset(struct import_row *w);
/* Space, tab, CR or LF: what is trimmed around a value. */
int import_row_blank(char ch);
/* "a" or "an" before a kind's name. */
const char *import_row_article(const char *name);
/* Build, check and keep one row's record (errors reported, nothing kept,
 * when a value is bad or the key was given before). */
void import_row_finish(struct import_state *m, struct import_row *w);
/* Free the duplicate table of the import. */
void import_row_dups_free(struct import_state *m);

#endif
