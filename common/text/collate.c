/* SPDX-License-Identifier: MIT */
/* Vietnamese collation through one shared ICU collator; see collate.h. */
#include "collate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucol.h>
#include <unicode/ustring.h>

#include "common/err.h"
#include "common/text/nfc.h"
#include "common/wire/utf8.h"

static pthread_once_t collate_once = PTHREAD_ONCE_INIT;
static UCollator *collate_vi; /* NULL when ICU has no collation data */

static void collate_open(void)
{
    UErrorCode st = U_ZERO_ERROR;
    UCollator *c = ucol_open(TEXT_COLLATE_LOCALE, &st);

    if (U_FAILURE(st)) {
        if (c)
            ucol_close(c);
        return;
    }
    collate_vi = c;
}

static const UCollator *collate_get(void)
{
    pthread_once(&collate_once, collate_open);
    return collate_vi;
}

int text_collate_cmp(const char *a, const char *b)
{
    const UCollator *c = collate_get();
    size_t la = strlen(a), lb = strlen(b);
    UErrorCode st = U_ZERO_ERROR;
    UCollationResult r;

    if (!c || la > INT32_MAX || lb > INT32_MAX || utf8_validate((const uint8_t *)a, la) != 0 ||
        utf8_validate((const uint8_t *)b, lb) != 0)
        return strcmp(a, b);
    r = ucol_strcollUTF8(c, a, (int32_t)la, b, (int32_t)lb, &st);
    if (U_FAILURE(st) || r == UCOL_EQUAL)
        return strcmp(a, b);
    return r == UCOL_LESS ? -1 : 1;
}

int text_sort_key(const char *s, size_t len, uint8_t *key, size_t cap, size_t *key_len)
{
    const UCollator *c = collate_get();
    int32_t ulen = 0, need;
    UChar *u;
    int rc;

    *key_len = 0;
    if (!c)
        return TDKT_EINVAL;
    if (len > TEXT_SORT_KEY_MAX)
        return TDKT_ETOOBIG;
    rc = text_utf16(s, len, &u, &ulen);
    if (rc < 0)
        return rc;
    need = ucol_getSortKey(c, u, ulen, key, cap > INT32_MAX ? INT32_MAX : (int32_t)cap);
    free(u);
    if (need <= 0)
        return TDKT_EINVAL;
    *key_len = (size_t)need;
    return (size_t)need > cap ? TDKT_ETOOBIG : 0;
}
