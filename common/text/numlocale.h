/* SPDX-License-Identifier: MIT */
/*
 * Numbers and dates as people type them in a spreadsheet, read by a declared
 * locale (docs/results.md, "Numbers and dates"). In a Vietnamese sheet
 * `1.000` is one thousand and `1,5` is one and a half; in an English one
 * `1,000` is one thousand and `1.5` one and a half. So:
 *
 *   locale    thousands  decimal  reads                      dates
 *   vi        .          ,        1.000  1.000,5  1,5  1000  YYYY-MM-DD, DD/MM/YYYY
 *   en        ,          .        1,000  1,000.5  1.5  1000  YYYY-MM-DD
 *   (none)    -          . or ,   1000   1.5  1,5  0.125    YYYY-MM-DD
 *
 * Without a locale a number has at most one separator, either '.' or ',',
 * taken as the decimal separator, and the one form whose reading depends on
 * the locale is refused: a separator followed by exactly three digits after
 * one to three leading digits (`1.000`, `2,500`), which is a thousand times
 * more in one locale than in the other. So nothing is ever read a thousand
 * times off; the refusal says how to write the number or which locale to
 * declare. Writing a number that must read back without a locale, a writer
 * adds a fourth decimal to such a form (numlocale_unambiguous).
 *
 * Grouping is checked, not just skipped: in vi `1.00` and `12.5` are refused
 * (a group has three digits), so a file with '.' decimals read as vi is
 * caught rather than read a thousand times off.
 *
 * Pure: no I/O, no allocation. Numbers are converted with strtod in the "C"
 * locale whatever the process's LC_NUMERIC.
 */
#ifndef TDKT_COMMON_TEXT_NUMLOCALE_H
#define TDKT_COMMON_TEXT_NUMLOCALE_H

#include <stddef.h>

#define NUMLOCALE_TEXT_MAX 40 /* characters of a number, separators included */

enum numlocale {
    NUMLOCALE_NONE = 0, /* not declared: refuse what the locale would decide */
    NUMLOCALE_VI,       /* 1.000,5 and DD/MM/YYYY */
    NUMLOCALE_EN,       /* 1,000.5 */
};

/* Why a text is not a number. */
enum numlocale_fault {
    NUMLOCALE_OK = 0,
    NUMLOCALE_NOT_NUMBER, /* a character other than digits, '.', ',' or a leading '-' */
    NUMLOCALE_AMBIGUOUS,  /* 1.000 or 2,500 without a locale */
    NUMLOCALE_GROUPED,    /* two separators (1.000,5; 1.000.000) without a locale */
    NUMLOCALE_NOT_LOCALE, /* not a number as the declared locale writes one */
    NUMLOCALE_TOO_LONG,   /* above NUMLOCALE_TEXT_MAX characters */
};

/* "vi" or "en" (any case) into *out: 0, or TDKT_EINVAL for another name. */
int numlocale_from_name(const char *name, enum numlocale *out);
/* "vi", "en" or "" for NUMLOCALE_NONE. */
const char *numlocale_name(enum numlocale loc);

/*
 * Read s[0..len) (already trimmed) as a number written in loc: 0 with *out
 * (finite), or TDKT_EINVAL with *fault set. A leading '-' is read; whether a
 * negative number is allowed is the caller's rule.
 */
int numlocale_parse(const char *s, size_t len, enum numlocale loc, double *out,
                    enum numlocale_fault *fault);

/* Why the value is refused and what to write instead, as the rest of a
 * sentence that starts with the value: "'1.000' " + "is ambiguous: ...;
 * write 1000 (or 1,5 ...), or give the file's notation with --locale vi or
 * --locale en". */
const char *numlocale_why(enum numlocale_fault fault, enum numlocale loc);

/*
 * Read s (NUL-terminated, trimmed) as a calendar date: YYYY-MM-DD always, and
 * in vi also D/M/YYYY or DD/MM/YYYY. 0 with iso ("YYYY-MM-DD", NUL-terminated)
 * when the date is a real one from 1900 on, else TDKT_EINVAL.
 */
int numlocale_date(const char *s, enum numlocale loc, char iso[11]);

/*
 * Make a number written by a writer (digits with at most one separator sep,
 * as export_number writes them) read back the same without a locale: a form
 * that numlocale_parse would call ambiguous (1.125) gets a fourth decimal
 * (1.1250). buf (cap bytes, NUL-terminated) is changed in place; 0, or
 * TDKT_ETOOBIG when the extra digit does not fit.
 */
int numlocale_unambiguous(char *buf, size_t cap, char sep);

#endif
