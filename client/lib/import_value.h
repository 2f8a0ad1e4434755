/* SPDX-License-Identifier: MIT */
/*
 * The value converters of a results import: what a cell or a JSON value of
 * a row (import_row.h) means. It owns the spellings a value may take (the
 * label tables of records.c, the English words of docs/results.md, short
 * title names, yes/no words, the header and kind names, all matched after
 * text_fold), the readers of numbers (a workbook's typed numbers as they
 * are, text by the import's declared locale, common/text/numlocale.h),
 * whole numbers, booleans, enum labels, dates (also a workbook's date
 * serials) and persons (by id, or by name through the caller's resolver),
 * and the record of each
 * kind built from a row's values, normalised and validated as the server
 * would. It reads no file and knows nothing of CSV or JSON layout; every bad
 * value is reported at its place through import_row_value_error. It also
 * answers import.h's import_kind_valid. Private to client/lib/import*.c.
 */
#ifndef TDKT_CLIENT_LIB_IMPORT_VALUE_H
#define TDKT_CLIENT_LIB_IMPORT_VALUE_H

#include <stddef.h>

#include "proto/tdkt.pb-c.h"

#define IMPORT_KEY_MAX   128 /* bytes of a folded spelling or header */
#define IMPORT_SPELL_MAX 256 /* spellings known to one import */

struct import_state;
struct import_row;

/* Sets of words a value is matched against (after text_fold). */
enum import_spell_set {
    SPELL_HEADER, /* value: enum import_col */
    SPELL_KIND,   /* value: enum import_kind */
    SPELL_RATING,
    SPELL_TITLE,
    SPELL_SCOPE,
    SPELL_DISCIPLINE,
    SPELL_ORIGIN,
    SPELL_BOOL
};

struct import_spelling {
    enum import_spell_set set;
    int value;
    char key[IMPORT_KEY_MAX];
};

/* Fill the import's spelling table (every set above). */
void import_value_init(struct import_state *m);
/* The value of text[0..len) in set: 0 with *value, or TDKT_ENOTFOUND. */
int import_value_spell(const struct import_state *m, enum import_spell_set set, const char *text,
                       size_t len, int *value);
/* The kind (enum import_kind) named by text in any spelling, or -1. */
int import_value_kind(const struct import_state *m, const char *text);
/* Read the row's values of its kind into a new record: 0 with *out, or
 * TDKT_EINVAL with *out NULL when any value was bad (each reported), or
 * TDKT_ENOMEM. */
int import_value_record(struct import_state *m, struct import_row *w, Tdkt__ResultRecord **out);

#endif
