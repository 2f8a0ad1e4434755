/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-8 validation. The lead byte fixes the sequence length and the
 * allowed range of the first continuation byte; narrowing that range is what
 * rejects overlongs (E0, F0), surrogates (ED) and values above U+10FFFF (F4)
 * without decoding the code point. Pure.
 */
#include "common/wire/utf8.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"

size_t utf8_valid_prefix(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t need;
        uint8_t lo = 0x80, hi = 0xBF; /* range of the first continuation byte */

        if (c < 0x80) {
            i++;
            continue;
        }
        /* C0 and C1 could only start overlong two-byte forms; F5..FF would
         * encode values above U+10FFFF. */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0; /* below: overlong */
            else if (c == 0xED)
                hi = 0x9F; /* above: surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90; /* below: overlong */
            else if (c == 0xF4)
                hi = 0x8F; /* above: beyond U+10FFFF */
        } else {
            return i;
        }
        if (n - i - 1 < need)
            return i;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        }
        i += need + 1;
    }
    return i;
}

int utf8_validate(const uint8_t *s, size_t n)
{
    return n == 0 || utf8_valid_prefix(s, n) == n ? 0 : TDKT_EINVAL;
}

void utf8_cut(char *s)
{
    size_t n = strlen(s);
    s[utf8_valid_prefix((const uint8_t *)s, n)] = '\0';
}

void utf8_scrub(char *s)
{
    size_t n = strlen(s), r = 0, w = 0;

    while (r < n) {
        size_t k = utf8_valid_prefix((const uint8_t *)s + r, n - r);
        memmove(s + w, s + r, k);
        w += k;
        r += k;
        if (r < n)
            r++; /* a byte that starts no well-formed character */
    }
    s[w] = '\0';
}

int utf8_vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, cap, fmt, ap);
    if (n < 0)
        buf[0] = '\0';
    utf8_cut(buf);
    return n;
}

void utf8_ellipsize(char *buf, size_t cap)
{
    buf[cap - 4] = '\0';
    utf8_cut(buf);
    strcat(buf, "...");
}

int utf8_format(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = utf8_vformat(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
