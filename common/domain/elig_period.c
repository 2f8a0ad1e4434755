/* SPDX-License-Identifier: MIT */
/* Dates and emulation periods; see elig_period.h. */
#include "elig_period.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

static unsigned month_days(unsigned year, unsigned month)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : mdays[month - 1];
}

int elig_date_valid(const struct elig_date *d)
{
    if (d->year == 0)
        return d->month == 0 && d->day == 0;
    return d->year <= ELIG_YEAR_MAX && d->month >= 1 && d->month <= 12 && d->day >= 1 &&
           d->day <= month_days(d->year, d->month);
}

int elig_date_cmp(const struct elig_date *a, const struct elig_date *b)
{
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if (a->month != b->month)
        return a->month < b->month ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return 0;
}

int elig_period_of(unsigned year, unsigned start_month, struct elig_period *out)
{
    if (out == NULL || start_month < 1 || start_month > 12 || year < 2 || year > ELIG_YEAR_MAX)
        return TDKT_EINVAL;
    if (start_month == 1) {
        out->first = (struct elig_date){year, 1, 1};
        out->last = (struct elig_date){year, 12, 31};
        return 0;
    }
    out->first = (struct elig_date){year - 1, start_month, 1};
    out->last = (struct elig_date){year, start_month - 1, month_days(year, start_month - 1)};
    return 0;
}

int elig_period_has(const struct elig_period *p, const struct elig_date *d)
{
    return d->year != 0 && elig_date_cmp(d, &p->first) >= 0 && elig_date_cmp(d, &p->last) <= 0;
}

unsigned elig_period_served(const struct elig_date *d, const struct elig_period *p)
{
    unsigned idx;

    if (d == NULL || d->year == 0 || elig_date_cmp(d, &p->first) < 0)
        return 12;
    if (elig_date_cmp(d, &p->last) > 0)
        return 0;
    /* The month of the period d falls in, 0 for the first. */
    idx = (d->month + 12 - p->first.month) % 12;
    return d->day <= 1 ? 12 - idx : 11 - idx;
}

int elig_parse_date(const char *s, struct elig_date *d)
{
    unsigned v[3] = {0, 0, 0};
    static const int width[3] = {4, 2, 2};
    const char *c = s;

    if (s == NULL || d == NULL)
        return TDKT_EINVAL;
    memset(d, 0, sizeof *d);
    if (*s == '\0')
        return 0;
    for (int f = 0; f < 3; f++) {
        for (int i = 0; i < width[f]; i++, c++) {
            if (*c < '0' || *c > '9')
                return TDKT_EINVAL;
            v[f] = v[f] * 10 + (unsigned)(*c - '0');
        }
        if (f < 2 && *c++ != '-')
            return TDKT_EINVAL;
    }
    if (*c != '\0')
        return TDKT_EINVAL;
    d->year = v[0];
    d->month = v[1];
    d->day = v[2];
    if (d->year == 0 || !elig_date_valid(d)) {
        memset(d, 0, sizeof *d);
        return TDKT_EINVAL;
    }
    return 0;
}

void elig_date_text(const struct elig_date *d, char buf[ELIG_DATE_TEXT])
{
    if (d->year == 0)
        snprintf(buf, ELIG_DATE_TEXT, "an unknown date");
    else
        snprintf(buf, ELIG_DATE_TEXT, "%02u/%02u/%04u", d->day % 100, d->month % 100,
                 d->year % 10000);
}
