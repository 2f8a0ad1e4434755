/* SPDX-License-Identifier: MIT */
/* Dates, times and numbers for a person: see datefmt.h. */
#include "common/text/datefmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

const char *text_date(const char *iso, char *out, size_t cap)
{
    if (cap == 0)
        return out;
    if (iso != NULL && strlen(iso) == 10 && digits(iso, 4) && iso[4] == '-' && digits(iso + 5, 2) &&
        iso[7] == '-' && digits(iso + 8, 2) && cap >= TEXT_DATE_MAX)
        snprintf(out, cap, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
    else
        snprintf(out, cap, "%s", iso ? iso : "");
    return out;
}

const char *text_time(int64_t unix_ms, char *out, size_t cap)
{
    time_t t = (time_t)(unix_ms / 1000) + TEXT_VN_UTC_OFFSET_S;
    struct tm tm;

    if (cap == 0)
        return out;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, cap, "%d/%m/%Y %H:%M", &tm) == 0)
        snprintf(out, cap, "%lld", (long long)unix_ms);
    return out;
}

const char *text_number(double v, int decimals, int vi, char *out, size_t cap)
{
    char raw[TEXT_NUM_MAX], *dot, *p = raw;
    char group = vi ? '.' : ',', point = vi ? ',' : '.';
    size_t o = 0, ilen;

    if (cap == 0)
        return out;
    if (!isfinite(v)) {
        snprintf(out, cap, "%g", v);
        return out;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    if (v == floor(v) && fabs(v) < 1e15)
        decimals = 0;
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (decimals > 0) { /* 2.50 -> 2.5 */
        size_t n = strlen(raw);
        while (raw[n - 1] == '0')
            raw[--n] = '\0';
        if (raw[n - 1] == '.')
            raw[--n] = '\0';
    }
    if (*p == '-' && o + 1 < cap)
        out[o++] = *p++;
    dot = strchr(p, '.');
    ilen = dot ? (size_t)(dot - p) : strlen(p);
    for (size_t i = 0; i < ilen && o + 1 < cap; i++) {
        if (i > 0 && (ilen - i) % 3 == 0 && o + 2 < cap)
            out[o++] = group;
        out[o++] = p[i];
    }
    if (dot && o + 1 < cap) {
        out[o++] = point;
        for (const char *q = dot + 1; *q && o + 1 < cap; q++)
            out[o++] = *q;
    }
    out[o] = '\0';
    return out;
}
