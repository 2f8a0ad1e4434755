/* SPDX-License-Identifier: MIT */
/*
 * Frame codec (see frame.h for the states). The decoder copies the header
 * into hdr[] and the body into one heap buffer it owns; it never reads past
 * the bytes it is given and never allocates before the length has been
 * checked against the limit, so a peer cannot make us reserve memory it will
 * not send. Pure: no I/O, no clock, no logging.
 */
#include "common/wire/frame.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"

/*
 * Largest body buffer kept between frames. A connection that once sent a
 * 1 MiB frame would otherwise hold 1 MiB for as long as it stays open, idle
 * or not; small frames, the common case, still reuse one buffer.
 */
#define FRAME_BODY_KEEP_MAX (64u * 1024u)

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

/* Check the length in hdr[] and make room for the body. */
static int frame_decoder_start_body(struct frame_decoder *d)
{
    uint32_t len = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 |
                   (uint32_t)d->hdr[2] << 8 | (uint32_t)d->hdr[3];

    if (len == 0)
        return TDKT_EPROTO;
    if (len > d->max)
        return TDKT_ETOOBIG;
    if (len > d->body_cap) {
        /* The old contents are dead, so free + malloc rather than realloc:
         * nothing is copied. */
        free(d->body);
        d->body_cap = 0;
        d->body = malloc(len);
        if (!d->body)
            return TDKT_ENOMEM;
        d->body_cap = len;
    }
    d->body_len = len;
    d->body_have = 0;
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
    if (take > 0)
        memcpy(d->body + d->body_have, in + off, take);
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
