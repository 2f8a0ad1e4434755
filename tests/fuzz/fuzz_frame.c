/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the frame decoder. The first input bytes choose the
 * limit and seed the chunk sizes; the rest is the stream. The frames the
 * decoder yields, fed in chunks, must be exactly those a naive parser finds
 * in the whole stream at once, and the decoder must stop at the same error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/frame.h"

#define FUZZ_CTRL_LEN 3 /* limit selector + two bytes of chunk seed */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t fuzz_limits[] = {1, 7, 64, 255, 4096, FRAME_MAX_PREAUTH, FRAME_MAX_AUTHED};

/* Next frame of in[0..n) as a one-shot parser sees it: 0 with the body, or
 * TDKT_EAGAIN, TDKT_EPROTO, TDKT_ETOOBIG. */
static int naive_next(const uint8_t *in, size_t n, size_t max, size_t *off, const uint8_t **body,
                      size_t *body_len)
{
    uint32_t len;

    if (n - *off < FRAME_HEADER_LEN)
        return TDKT_EAGAIN;
    len = (uint32_t)in[*off] << 24 | (uint32_t)in[*off + 1] << 16 | (uint32_t)in[*off + 2] << 8 |
          in[*off + 3];
    if (len == 0)
        return TDKT_EPROTO;
    if (len > max)
        return TDKT_ETOOBIG;
    if (n - *off - FRAME_HEADER_LEN < len)
        return TDKT_EAGAIN;
    *body = in + *off + FRAME_HEADER_LEN;
    *body_len = len;
    *off += FRAME_HEADER_LEN + len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct frame_decoder d;
    size_t max, off = 0, naive_off = 0;
    uint32_t seed;
    int rc = TDKT_EAGAIN;

    if (size < FUZZ_CTRL_LEN)
        return 0;
    max = fuzz_limits[data[0] % (sizeof(fuzz_limits) / sizeof(fuzz_limits[0]))];
    seed = (uint32_t)data[1] << 8 | data[2] | 1;
    data += FUZZ_CTRL_LEN;
    size -= FUZZ_CTRL_LEN;

    frame_decoder_init(&d, max);
    while (off < size) {
        size_t chunk, used, frame_len;
        const uint8_t *frame;

        /* A small LCG: varied chunk sizes, from 1 byte to 300. */
        seed = seed * 1103515245u + 12345u;
        chunk = 1 + (seed >> 16) % 300;
        if (chunk > size - off)
            chunk = size - off;
        rc = frame_decoder_feed(&d, data + off, chunk, &used, &frame, &frame_len);
        if (used > chunk)
            abort();
        off += used;
        if (rc == 0) {
            const uint8_t *want;
            size_t want_len;

            if (naive_next(data, size, max, &naive_off, &want, &want_len) != 0)
                abort();
            if (frame_len != want_len || frame_len > max || memcmp(frame, want, frame_len) != 0)
                abort();
            if (naive_off != off)
                abort();
        } else if (rc == TDKT_EAGAIN) {
            if (used != chunk)
                abort();
        } else {
            const uint8_t *want;
            size_t want_len;

            if (naive_next(data, size, max, &naive_off, &want, &want_len) != rc)
                abort();
            if (d.body_cap > max)
                abort(); /* refused lengths must not have been allocated */
            break;
        }
    }
    if (rc == TDKT_EAGAIN) {
        const uint8_t *want;
        size_t want_len;

        if (naive_next(data, size, max, &naive_off, &want, &want_len) != TDKT_EAGAIN)
            abort();
    }
    frame_decoder_free(&d);
    return 0;
}
