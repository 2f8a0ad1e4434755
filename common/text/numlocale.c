/* SPDX-License-Identifier: MIT */
/* Numbers and dates by a declared locale; see numlocale.h. */
#include "common/text/numlocale.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_make(void)
{
    /* Never freed: one per process, like the "C" locale itself. */
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

int numlocale_from_name(const char *name, enum numlocale *out)
{
    if (name && strcasecmp(name, "vi") == 0)
        *out = NUMLOCALE_VI;
    else if (name && strcasecmp(name, "en") == 0)
        *out = NUMLOCALE_EN;
    else
        return TDKT_EINVAL;
    return 0;
}

const char *numlocale_name(enum numlocale loc)
{
    return loc == NUMLOCALE_VI ? "vi" : loc == NUMLOCALE_EN ? "en" : "";
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* digits[0..n) grouped by sep into groups of three after a first group of
 * one to three that does not start with 0 (1.000, 12.345.678): 1, else 0.
 * Digits without any sep are not a grouping. */
static int grouped(const char *s, size_t n, char sep)
{
    size_t i = 0, run = 0, groups = 0;

    if (n == 0 || s[0] == '0')
        return 0;
    for (; i < n; i++) {
        if (s[i] == sep) {
            if (run == 0 || run > 3 || (groups > 0 && run != 3))
                return 0;
            groups++;
            run = 0;
        } else if (is_digit(s[i])) {
            run++;
        } else {
            return 0;
        }
    }
    return groups > 0 && run == 3;
}

static int all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return 0;
    return 1;
}

/* Convert digits "int" and "frac" (either may be empty but not both) in the
 * "C" locale. */
static int convert(int negative, const char *int_part, size_t int_len, const char *frac,
                   size_t frac_len, double *out)
{
    char buf[NUMLOCALE_TEXT_MAX + 4];
    size_t n = 0;
    locale_t old = (locale_t)0;
    char *end;
    double d;

    if (negative)
        buf[n++] = '-';
    for (size_t i = 0; i < int_len; i++)
        if (is_digit(int_part[i]))
            buf[n++] = int_part[i];
    if (n == (size_t)negative)
        buf[n++] = '0';
    if (frac_len) {
        buf[n++] = '.';
        memcpy(buf + n, frac, frac_len);
        n += frac_len;
    }
    buf[n] = '\0';
    pthread_once(&c_numeric_once, c_numeric_make);
    if (c_numeric)
        old = uselocale(c_numeric);
    d = strtod(buf, &end);
    if (c_numeric)
        uselocale(old);
    if (*end || !isfinite(d))
        return TDKT_EINVAL;
    *out = d;
    return 0;
}

int numlocale_parse(const char *s, size_t len, enum numlocale loc, double *out,
                    enum numlocale_fault *fault)
{
    size_t dots = 0, commas = 0, start = 0;
    const char *sep;
    char group, decimal;
    int negative = 0;

    *fault = NUMLOCALE_NOT_NUMBER;
    if (len > NUMLOCALE_TEXT_MAX) {
        *fault = NUMLOCALE_TOO_LONG;
        return TDKT_EINVAL;
    }
    if (len && s[0] == '-')
        negative = 1, start = 1;
    if (start == len)
        return TDKT_EINVAL;
    for (size_t i = start; i < len; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] == ',')
            commas++;
        else if (!is_digit(s[i]))
            return TDKT_EINVAL;
    }
    s += start;
    len -= start;
    if (!is_digit(s[0]) || !is_digit(s[len - 1]))
        return TDKT_EINVAL; /* ".5", "5.", "," */

    if (loc == NUMLOCALE_NONE) {
        size_t before;

        if (dots + commas == 0)
            return convert(negative, s, len, NULL, 0, out);
        if (dots + commas > 1) {
            /* Two of one kind are thousands (1.000.000); one of each has
             * one as thousands (1.000,5): either way the locale decides. */
            *fault = NUMLOCALE_GROUPED;
            return TDKT_EINVAL;
        }
        sep = memchr(s, dots ? '.' : ',', len);
        before = (size_t)(sep - s);
        if (before <= 3 && s[0] != '0' && len - before - 1 == 3) {
            *fault = NUMLOCALE_AMBIGUOUS;
            return TDKT_EINVAL;
        }
        return convert(negative, s, before, sep + 1, len - before - 1, out);
    }

    group = loc == NUMLOCALE_VI ? '.' : ',';
    decimal = loc == NUMLOCALE_VI ? ',' : '.';
    *fault = NUMLOCALE_NOT_LOCALE;
    if ((decimal == ',' ? commas : dots) > 1)
        return TDKT_EINVAL;
    sep = memchr(s, decimal, len);
    {
        size_t int_len = sep ? (size_t)(sep - s) : len;
        const char *frac = sep ? sep + 1 : NULL;
        size_t frac_len = sep ? len - int_len - 1 : 0;

        if (frac && !all_digits(frac, frac_len))
            return TDKT_EINVAL; /* a group separator after the decimal one */
        if (!all_digits(s, int_len) && !grouped(s, int_len, group))
            return TDKT_EINVAL;
        return convert(negative, s, int_len, frac, frac_len, out);
    }
}

const char *numlocale_why(enum numlocale_fault fault, enum numlocale loc)
{
    switch (fault) {
    case NUMLOCALE_AMBIGUOUS:
        return "is ambiguous: a '.' or ',' before three digits separates thousands in "
               "Vietnamese notation (1.000 = one thousand) but decimals in English (1.000 = "
               "one); write 1000 (or 1,5 for one and a half), or give the file's notation with "
               "--locale vi or --locale en";
    case NUMLOCALE_GROUPED:
        return "has a thousands separator, which needs the file's notation: write 1000,5, or "
               "give --locale vi (1.000,5) or --locale en (1,000.5)";
    case NUMLOCALE_NOT_LOCALE:
        return loc == NUMLOCALE_VI
                   ? "is not a number in Vietnamese notation (--locale vi), where '.' separates "
                     "thousands in groups of three and ',' is the decimal separator: write "
                     "1000, 1.000 or 1.000,5"
                   : "is not a number in English notation (--locale en), where ',' separates "
                     "thousands in groups of three and '.' is the decimal separator: write "
                     "1000, 1,000 or 1,000.5";
    case NUMLOCALE_TOO_LONG:
        return "is not a number: a number has at most 40 characters";
    default:
        return "is not a number: write digits with at most one decimal separator, '.' or ',' "
               "(212,5)";
    }
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int real_date(int y, int m, int d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !leap(y));
}

/* Digits s[*i..] up to max of them, at least one: the value, else -1. */
static int number_at(const char *s, size_t *i, size_t max)
{
    int v = 0;
    size_t n = 0;

    while (n < max && is_digit(s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n ? v : -1;
}

int numlocale_date(const char *s, enum numlocale loc, char iso[11])
{
    size_t i = 0;
    int y, m, d;

    if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
        y = number_at(s, &i, 4);
        if (i != 4)
            return TDKT_EINVAL;
        i = 5;
        m = number_at(s, &i, 2);
        if (i != 7)
            return TDKT_EINVAL;
        i = 8;
        d = number_at(s, &i, 2);
        if (i != 10)
            return TDKT_EINVAL;
    } else if (loc == NUMLOCALE_VI) {
        d = number_at(s, &i, 2);
        if (d < 0 || s[i++] != '/')
            return TDKT_EINVAL;
        m = number_at(s, &i, 2);
        if (m < 0 || s[i++] != '/')
            return TDKT_EINVAL;
        size_t ystart = i;
        y = number_at(s, &i, 4);
        if (i - ystart != 4 || s[i] != '\0')
            return TDKT_EINVAL;
    } else {
        return TDKT_EINVAL;
    }
    if (!real_date(y, m, d))
        return TDKT_EINVAL;
    /* real_date bounds each part, so the text is exactly 10 bytes. */
    snprintf(iso, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u);
    return 0;
}

int numlocale_unambiguous(char *buf, size_t cap, char sep)
{
    size_t n = strlen(buf), start = buf[0] == '-';
    char *p = strchr(buf, sep);
    size_t before;

    if (!p)
        return 0;
    before = (size_t)(p - buf) - start;
    if (before < 1 || before > 3 || buf[start] == '0' || n - (size_t)(p - buf) - 1 != 3)
        return 0;
    if (n + 2 > cap)
        return TDKT_ETOOBIG;
    buf[n] = '0';
    buf[n + 1] = '\0';
    return 0;
}
