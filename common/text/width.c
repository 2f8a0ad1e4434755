/* SPDX-License-Identifier: MIT */
/* Display width; see width.h. */
#include "common/text/width.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

size_t text_width(const char *s)
{
    size_t w = 0;
    int32_t i = 0, n;

    if (s == NULL)
        return 0;
    n = (int32_t)strlen(s);
    while (i < n) {
        UChar32 c;
        int8_t cat;
        int ea;

        U8_NEXT(s, i, n, c);
        if (c < 0) {
            w++;
            continue;
        }
        cat = (int8_t)u_charType(c);
        if (cat == U_NON_SPACING_MARK || cat == U_ENCLOSING_MARK || cat == U_FORMAT_CHAR ||
            c == 0x200B)
            continue;
        ea = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
        w += ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
    }
    return w;
}

int text_pad(FILE *f, const char *s, size_t width)
{
    size_t w = text_width(s);

    return fprintf(f, "%s%*s", s ? s : "", w < width ? (int)(width - w) : 0, "");
}
