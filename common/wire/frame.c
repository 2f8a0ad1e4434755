/* SPDX-License-Identifier: MIT */
/*
 * Frame codec (see frame.h for the states). The decoder copies the header
 * into hdr[] and the body into one heap buffer it owns; it never reads past
 * the bytes it is given and never allocates before the length has been
 * checked against the limit. The buffer grows as the body arrives, so a peer
 * cannot make us reserve memory it does not send. Pure: no I/O, no clock, no
 * logging.
 */
#include "common/wire/frame.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

void frame_decoder_init(struct frame_decoder *d, size_t max)
{
    memset(d, 0, sizeof(*d));
    d->max = max;
}

void frame_decoder_set_max(struct frame_decoder *d, size_t max)
{
    /* A length already accepted stands: the new limit applies from the next
     * header on, so a frame in flight is never cut in two. */
    d->max = max;
}

void frame_decoder_free(struct frame_decoder *d)
{
    free(d->body);
    d->body = NULL;
    d->body_cap = 0;
    d->body_len = 0;
    d->body_have = 0;
    d->hdr_have = 0;
    d->ready = 0;
}

/* Forget the frame returned by the previous feed; its memory is reused. */
static void frame_decoder_reset(struct frame_decoder *d)
{
    d->hdr_have = 0;
    d->body_len = 0;
    d->body_have = 0;
    d->ready = 0;
    if (d->body_cap > FRAME_BODY_KEEP_MAX) {
        free(d->body);
        d->body = NULL;
        d->body_cap = 0;
    }
}

/* Check the length in hdr[]; the body buffer is grown as bytes arrive. */
static int frame_decoder_start_body(struct frame_decoder *d)
{
    uint32_t len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
                   (uint32_t)d->hdr[2] << 8 | (uint32_t)d->hdr[3];

    if (len == 0)
        return TDKT_EPROTO;
    if (len > d->max)
        return TDKT_ETOOBIG;
    d->body_len = len;
    d->body_have = 0;
    return 0;
}

/* Make room for need bytes of the body: double the buffer (from
 * FRAME_BODY_FIRST), never past the announced length. Memory held thus
 * follows the bytes received, within a factor of two. */
static int frame_decoder_grow(struct frame_decoder *d, size_t need)
{
    size_t cap;
    uint8_t *p;

    if (need <= d->body_cap)
        return 0;
    cap = d->body_cap * 2;
    if (cap < FRAME_BODY_FIRST)
        cap = FRAME_BODY_FIRST;
    if (cap < need)
        cap = need;
    if (cap > d->body_len)
        cap = d->body_len;
    /* Nothing received yet: the old contents are dead, so free + malloc
     * rather than realloc, which would copy them. */
    if (d->body_have == 0) {
        free(d->body);
        d->body_cap = 0;
        p = malloc(cap);
    } else {
        p = realloc(d->body, cap);
    }
    if (!p)
        return TDKT_ENOMEM;
    d->body = p;
    d->body_cap = cap;
    return 0;
}

int frame_decoder_feed(struct frame_decoder *d, const uint8_t *in, size_t n, size_t *used,
                       const uint8_t **frame, size_t *frame_len)
{
    size_t off = 0;
    int rc;

    *used = 0;
    *frame = NULL;
    *frame_len = 0;
    if (d->failed)
        return d->failed;
    if (d->ready)
        frame_decoder_reset(d);

    if (d->hdr_have < FRAME_HEADER_LEN) {
        size_t take = FRAME_HEADER_LEN - d->hdr_have;

        if (take > n)
            take = n;
        if (take > 0)
            memcpy(d->hdr + d->hdr_have, in, take);
        d->hdr_have += take;
        off += take;
        if (d->hdr_have < FRAME_HEADER_LEN) {
            rc = TDKT_EAGAIN;
            goto out;
        }
        rc = frame_decoder_start_body(d);
        if (rc < 0) {
            d->failed = rc;
            goto out;
        }
    }

    size_t take = d->body_len - d->body_have;
    if (take > n - off)
        take = n - off;
    if (take > 0) {
        rc = frame_decoder_grow(d, d->body_have + take);
        if (rc < 0) {
            d->failed = rc;
            goto out;
        }
        memcpy(d->body + d->body_have, in + off, take);
    }
    d->body_have += take;
    off += take;
    if (d->body_have < d->body_len) {
        rc = TDKT_EAGAIN;
        goto out;
    }

    d->ready = 1;
    *frame = d->body;
    *frame_len = d->body_len;
    rc = 0;
out:
    *used = off;
    return rc;
}

void frame_decoder_trim(struct frame_decoder *d)
{
    if (d->ready)
        frame_decoder_reset(d);
}

size_t frame_decoder_held(const struct frame_decoder *d)
{
    return d->body_cap;
}

size_t frame_decoder_partial(const struct frame_decoder *d)
{
    if (d->failed || d->ready || d->hdr_have == 0)
        return 0;
    return d->hdr_have + d->body_have;
}

int frame_header_encode(size_t len, size_t max, uint8_t out[FRAME_HEADER_LEN])
{
    if (len == 0)
        return TDKT_EPROTO;
    if (len > max || len > UINT32_MAX)
        return TDKT_ETOOBIG;
    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return 0;
}
