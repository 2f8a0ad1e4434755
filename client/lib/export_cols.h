/* SPDX-License-Identifier: MIT */
/*
 * The columns of the results export (export.h), shared by its JSON and CSV
 * writers (export.c) and its workbook writer (export_xlsx.c): each kind's
 * columns with their English name (the JSON key) and Vietnamese header
 * (one of import_row.c's spellings, so a file reads back), where its
 * record's message holds each value, and the kinds with their JSON key and
 * Vietnamese sheet name. Private to client/lib/export*.c.
 */
#ifndef TDKT_CLIENT_LIB_EXPORT_COLS_H
#define TDKT_CLIENT_LIB_EXPORT_COLS_H

#include <stddef.h>
#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"

/* The columns every row of a table starts (or ends) with. */
#define EXPORT_HEAD_UNIT    "mã đơn vị"
#define EXPORT_HEAD_YEAR    "năm"
#define EXPORT_HEAD_REMOVED "xóa"

/* How a column's field is stored in its kind's message. */
enum export_field {
    FIELD_TEXT,   /* char * */
    FIELD_DATE,   /* char *, YYYY-MM-DD or empty */
    FIELD_DOUBLE, /* double */
    FIELD_U32,    /* uint32_t */
    FIELD_U64,    /* uint64_t */
    FIELD_BOOL,   /* protobuf_c_boolean */
    FIELD_LABEL,  /* a proto enum, written as its code in labels */
    FIELD_LIST,   /* char ** with its size_t count at n_off */
};

/* One column: its names, and where and how its kind's message holds it. */
struct export_col {
    Tdkt__ResultRecord__ItemCase item;
    const char *name; /* English: the JSON key */
    const char *vi;   /* the header of CSV and XLSX */
    enum export_field field;
    size_t off;
    const struct record_label *labels; /* FIELD_LABEL */
    size_t n_off;                      /* FIELD_LIST */
};

/* A kind: its name, JSON key, sheet name, and where the record holds its
 * message. A scalar kind (one per unit and year, one column) is written in
 * JSON as its bare value ("rating": "HTXSNV"), or as an object when the
 * record is removed. */
struct export_kind {
    const char *name;
    const char *json;
    const char *sheet;
    Tdkt__ResultRecord__ItemCase item;
    size_t item_off;
    int scalar;
};

extern const struct export_col export_cols[];
extern const size_t export_ncols;
extern const struct export_kind export_kinds[];
extern const size_t export_nkinds;

/* The first column of kind k at or after c; export_ncols when there is none. */
size_t export_col_next(const struct export_kind *k, size_t c);
/* The kind named kind (any spelling import_kind_valid accepts), or NULL. */
const struct export_kind *export_kind_find(const char *kind);

/* One value of a record, ready to write. */
enum export_type { EXPORT_TEXT, EXPORT_NUMBER, EXPORT_UINT, EXPORT_BOOL, EXPORT_LIST };

struct export_val {
    enum export_type type;
    const char *text; /* EXPORT_TEXT; a FIELD_DATE column's too */
    int date;         /* the text is a date */
    double number;
    uint64_t uint;
    int boolean;
    char *const *list;
    size_t nlist;
};

/* The value of column c of r, a record of kind k. */
struct export_val export_get(const struct export_kind *k, const Tdkt__ResultRecord *r,
                             const struct export_col *c);
/* A list's items joined by ';', as the importer splits authors (malloc'd;
 * NULL when out of memory). */
char *export_list_join(const struct export_val *v);

#endif
