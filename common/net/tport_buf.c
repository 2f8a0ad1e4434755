/* SPDX-License-Identifier: MIT */
/* The transports' byte queue; see tport_buf.h. */
#include "common/net/tport_buf.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

int tport_buf_reserve(struct tport_buf *b, size_t n, size_t limit)
{
    size_t live = tport_buf_live(b), cap;
    uint8_t *d;

    if (live > limit || n > limit - live)
        return TDKT_ETOOBIG;
    if (b->off > 0 && b->cap - b->len < n) {
        memmove(b->data, b->data + b->off, live);
        b->off = 0;
        b->len = live;
    }
    if (b->cap - b->len >= n)
        return 0;
    for (cap = b->cap ? b->cap : TPORT_BUF_MIN_CAP; cap - b->len < n; cap *= 2)
        if (cap > SIZE_MAX / 2)
            return TDKT_ENOMEM;
    if (!(d = realloc(b->data, cap)))
        return TDKT_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int tport_buf_append(struct tport_buf *b, const uint8_t *p, size_t n, size_t limit)
{
    int rc;

    if (n == 0)
        return 0;
    rc = tport_buf_reserve(b, n, limit);
    if (rc < 0)
        return rc;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void tport_buf_consume(struct tport_buf *b, size_t n)
{
    size_t live = tport_buf_live(b);

    b->off += n < live ? n : live;
    if (b->off == b->len)
        tport_buf_free(b);
}

size_t tport_buf_take(struct tport_buf *b, uint8_t *out, size_t cap)
{
    size_t live = tport_buf_live(b), n = live < cap ? live : cap;

    if (n > 0)
        memcpy(out, b->data + b->off, n);
    tport_buf_consume(b, n);
    return n;
}

const uint8_t *tport_buf_peek(const struct tport_buf *b, size_t *n)
{
    *n = tport_buf_live(b);
    return *n ? b->data + b->off : NULL;
}

void tport_buf_free(struct tport_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
