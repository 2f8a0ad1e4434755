/* SPDX-License-Identifier: MIT */
/* NFC normalisation through ICU's UTF-16 API; see nfc.h. */
#include "nfc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "common/err.h"
#include "common/wire/utf8.h"

static const UNormalizer2 *nfc_instance(void)
{
    UErrorCode st = U_ZERO_ERROR;
    const UNormalizer2 *n = unorm2_getNFCInstance(&st);
    return U_FAILURE(st) ? NULL : n;
}

int text_utf16(const char *s, size_t len, UChar **out, int32_t *out_len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    UChar *u;

    if (len > INT32_MAX)
        return TDKT_ETOOBIG;
    if (utf8_validate((const uint8_t *)s, len) != 0)
        return TDKT_EINVAL;
    u_strFromUTF8(NULL, 0, &n, s, (int32_t)len, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return TDKT_EINVAL;
    u = malloc(((size_t)n + 1) * sizeof *u);
    if (!u)
        return TDKT_ENOMEM;
    st = U_ZERO_ERROR;
    u_strFromUTF8(u, n + 1, NULL, s, (int32_t)len, &st);
    if (U_FAILURE(st)) {
        free(u);
        return TDKT_EINVAL;
    }
    *out = u;
    *out_len = n;
    return 0;
}

int text_is_nfc(const char *s, size_t len)
{
    const UNormalizer2 *n = nfc_instance();
    UErrorCode st = U_ZERO_ERROR;
    UChar *u;
    int32_t ulen;
    int rc, yes;

    if (!n)
        return TDKT_EINVAL;
    /* ASCII is always NFC: the common case costs one scan. */
    size_t i;
    for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
        ;
    if (i == len)
        return 1;
    if (len > TEXT_NFC_MAX)
        return TDKT_ETOOBIG;
    rc = text_utf16(s, len, &u, &ulen);
    if (rc < 0)
        return rc;
    yes = unorm2_isNormalized(n, u, ulen, &st);
    free(u);
    if (U_FAILURE(st))
        return TDKT_EINVAL;
    return yes ? 1 : 0;
}

int text_nfc(const char *s, size_t len, char **out, size_t *out_len)
{
    const UNormalizer2 *n = nfc_instance();
    UErrorCode st = U_ZERO_ERROR;
    UChar *u = NULL, *v = NULL;
    int32_t ulen, vlen, blen = 0;
    char *b = NULL;
    int rc;

    *out = NULL;
    if (!n)
        return TDKT_EINVAL;
    if (len > TEXT_NFC_MAX)
        return TDKT_ETOOBIG;
    rc = text_utf16(s, len, &u, &ulen);
    if (rc < 0)
        return rc;
    vlen = unorm2_normalize(n, u, ulen, NULL, 0, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        rc = TDKT_EINVAL;
        goto out;
    }
    v = malloc(((size_t)vlen + 1) * sizeof *v);
    if (!v) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    st = U_ZERO_ERROR;
    unorm2_normalize(n, u, ulen, v, vlen + 1, &st);
    if (U_FAILURE(st)) {
        rc = TDKT_EINVAL;
        goto out;
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &blen, v, vlen, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
        rc = TDKT_EINVAL;
        goto out;
    }
    b = malloc((size_t)blen + 1);
    if (!b) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    st = U_ZERO_ERROR;
    u_strToUTF8(b, blen + 1, NULL, v, vlen, &st);
    if (U_FAILURE(st)) {
        free(b);
        rc = TDKT_EINVAL;
        goto out;
    }
    b[blen] = '\0';
    *out = b;
    if (out_len)
        *out_len = (size_t)blen;
    rc = 0;
out:
    free(u);
    free(v);
    return rc;
}
