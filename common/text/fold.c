/* SPDX-License-Identifier: MIT */
/* Matching keys through ICU case folding and NFD; see fold.h. */
#include "fold.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "common/err.h"
#include "common/text/nfc.h"
#include "common/wire/utf8.h"

/* The key being written: out[0..len), a space owed before the next letter. */
struct fold_out {
    char *buf;
    size_t cap;
    size_t len;
    int space;
    int full;
};

static int fold_is_gap(UChar32 c)
{
    return c == '_' || c == '-' || u_isUWhiteSpace(c);
}

static void fold_put_byte(struct fold_out *o, char c)
{
    if (o->len + 1 >= o->cap) {
        o->full = 1;
        return;
    }
    o->buf[o->len++] = c;
}

/* Append one code point of the folded, decomposed text. Spaces are owed and
 * only paid before the next letter, which both collapses runs and trims. */
static void fold_put(struct fold_out *o, UChar32 c)
{
    if (fold_is_gap(c)) {
        o->space = o->len > 0;
        return;
    }
    if (c == 0x0111 || c == 0x00F0) /* đ, and the look-alike eth of legacy fonts */
        c = 'd';
    if (o->space) {
        fold_put_byte(o, ' ');
        o->space = 0;
    }
    if (c < 0x80) {
        fold_put_byte(o, (char)c);
    } else if (c < 0x800) {
        fold_put_byte(o, (char)(0xC0 | (c >> 6)));
        fold_put_byte(o, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        fold_put_byte(o, (char)(0xE0 | (c >> 12)));
        fold_put_byte(o, (char)(0x80 | ((c >> 6) & 0x3F)));
        fold_put_byte(o, (char)(0x80 | (c & 0x3F)));
    } else {
        fold_put_byte(o, (char)(0xF0 | (c >> 18)));
        fold_put_byte(o, (char)(0x80 | ((c >> 12) & 0x3F)));
        fold_put_byte(o, (char)(0x80 | ((c >> 6) & 0x3F)));
        fold_put_byte(o, (char)(0x80 | (c & 0x3F)));
    }
}

/* ICU's two-call pattern for a function that writes UTF-16: measure, then
 * fill a malloc'd buffer. */
static int fold_utf16(const UChar *in, int32_t in_len, UChar **out, int32_t *out_len, int nfd)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *n = NULL;
    int32_t need;
    UChar *u;

    if (nfd) {
        n = unorm2_getNFDInstance(&st);
        if (U_FAILURE(st))
            return TDKT_EINVAL;
        need = unorm2_normalize(n, in, in_len, NULL, 0, &st);
    } else {
        need = u_strFoldCase(NULL, 0, in, in_len, U_FOLD_CASE_DEFAULT, &st);
    }
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return TDKT_EINVAL;
    u = malloc(((size_t)need + 1) * sizeof *u);
    if (!u)
        return TDKT_ENOMEM;
    st = U_ZERO_ERROR;
    if (nfd)
        unorm2_normalize(n, in, in_len, u, need + 1, &st);
    else
        u_strFoldCase(u, need + 1, in, in_len, U_FOLD_CASE_DEFAULT, &st);
    if (U_FAILURE(st)) {
        free(u);
        return TDKT_EINVAL;
    }
    *out = u;
    *out_len = need;
    return 0;
}

int text_fold(const char *s, size_t len, char *out, size_t cap)
{
    struct fold_out o = {.buf = out, .cap = cap};
    UChar *u = NULL, *folded = NULL, *nfd = NULL;
    int32_t ulen = 0, flen, nlen;
    size_t i;
    int rc;

    if (cap == 0)
        return TDKT_ETOOBIG;
    out[0] = '\0';
    if (len > TEXT_FOLD_MAX)
        return TDKT_ETOOBIG;
    if (len > 0 && (utf8_validate((const uint8_t *)s, len) != 0 || memchr(s, '\0', len)))
        return TDKT_EINVAL;
    for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
        ;
    if (i == len) {
        /* ASCII: folding is lowercasing and there are no marks. */
        for (i = 0; i < len; i++) {
            char c = s[i];
            fold_put(&o, c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        rc = 0;
        goto out;
    }
    rc = text_utf16(s, len, &u, &ulen);
    if (rc < 0)
        goto out;
    /* Fold first, then decompose: folding can produce composed letters
     * (U+1E9E -> ss is harmless, but e.g. U+0390 folds to a sequence with
     * marks), and NFD of the folded text exposes every mark to drop. */
    if ((rc = fold_utf16(u, ulen, &folded, &flen, 0)) < 0 ||
        (rc = fold_utf16(folded, flen, &nfd, &nlen, 1)) < 0)
        goto out;
    for (int32_t k = 0; k < nlen;) {
        UChar32 c;
        U16_NEXT(nfd, k, nlen, c);
        if (u_charType(c) == U_NON_SPACING_MARK)
            continue;
        fold_put(&o, c);
    }
    rc = 0;
out:
    free(u);
    free(folded);
    free(nfd);
    if (rc == 0 && o.full)
        rc = TDKT_ETOOBIG;
    out[rc == 0 ? o.len : 0] = '\0';
    return rc;
}

int text_fold_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Full case folding at most triples the UTF-8 length of a character. */
    size_t ca = 3 * la + 1, cb = 3 * lb + 1;
    char *fa, *fb;
    int eq = 0;

    if (la > TEXT_FOLD_MAX || lb > TEXT_FOLD_MAX)
        return 0;
    fa = malloc(ca);
    fb = malloc(cb);
    if (fa && fb && text_fold(a, la, fa, ca) == 0 && text_fold(b, lb, fb, cb) == 0)
        eq = strcmp(fa, fb) == 0;
    free(fa);
    free(fb);
    return eq;
}
