/* SPDX-License-Identifier: MIT */
/*
 * Calendar dates and the emulation period of a year, as the eligibility
 * judge counts them. The period of year Y is the days its evaluation covers:
 * the calendar year by default, or, where the rule set in force for Y gives
 * year.start_month = M (2..12), from the 1st of month M of Y-1 to the last
 * day before the 1st of month M of Y (the sector's statistical year: M = 12
 * runs from 01/12/Y-1 to 30/11/Y). Months served by a person recruited in the
 * year and a discipline "in the year" are counted within that period
 * (eligibility.h). Pure: no I/O, no allocation, no state.
 */
#ifndef TDKT_COMMON_DOMAIN_ELIG_PERIOD_H
#define TDKT_COMMON_DOMAIN_ELIG_PERIOD_H

#define ELIG_YEAR_MAX  9999u /* the last year a date or a proposal may name */
#define ELIG_DATE_TEXT 16    /* bytes of elig_date_text()'s buffer, NUL included */

/* A calendar date; year 0 = not known (then month and day are 0 too). */
struct elig_date {
    unsigned year, month, day;
};

/* The first and the last day of a year's evaluation, both included. */
struct elig_period {
    struct elig_date first, last;
};

/* 1 when d is a real calendar date (leap years included) or the unknown
   date {0, 0, 0}; 0 otherwise. */
int elig_date_valid(const struct elig_date *d);

/* <0, 0, >0 as a is before, on or after b (both known dates). */
int elig_date_cmp(const struct elig_date *a, const struct elig_date *b);

/* The period of year with the period starting on the 1st of start_month
   (1..12; 1 = the calendar year). TDKT_EINVAL for a month or year out of
   range, 0 otherwise. */
int elig_period_of(unsigned year, unsigned start_month, struct elig_period *out);

/* 1 when the known date d falls within p; 0 when it does not or is unknown. */
int elig_period_has(const struct elig_period *p, const struct elig_date *d);

/* Full months of p served by a person recruited on *d: 12 if recruited before
   p (or the date is unknown), 0 if after it; recruited within it, the months
   from the first of the month if d is a 1st, else from the next month. */
unsigned elig_period_served(const struct elig_date *d, const struct elig_period *p);

/* Parse "YYYY-MM-DD" (a real calendar date) into *d; "" gives year 0.
   TDKT_EINVAL otherwise. */
int elig_parse_date(const char *s, struct elig_date *d);

/* d as dd/mm/yyyy, or "an unknown date". */
void elig_date_text(const struct elig_date *d, char buf[ELIG_DATE_TEXT]);

#endif
