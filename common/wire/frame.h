/* SPDX-License-Identifier: MIT */
/*
 * Frame codec: a 4-byte big-endian length, then that many bytes of one
 * protobuf Envelope. This module owns only the byte-level framing; it does no
 * I/O and knows nothing of protobuf. The decoder is resumable: feed it any
 * number of bytes (one at a time is fine) and it reports a complete frame,
 * "need more" (TDKT_EAGAIN), or a terminal error.
 *
 * A length above the decoder's current limit is refused as soon as the four
 * header bytes are in, before any body memory is allocated. A zero length is
 * refused: an empty Envelope carries no request.
 *
 * Memory: the body buffer grows with the bytes that actually arrive (doubling,
 * never beyond the announced length), so a peer that announces 1 MiB and sends
 * ten bytes holds a few bytes, not 1 MiB; frame_decoder_held() is what the
 * decoder holds, for the daemon's input budget (server/loop/budget.h). Between
 * frames the decoder keeps at most FRAME_BODY_KEEP_MAX; frame_decoder_trim()
 * gives a larger buffer back as soon as the caller is done with a frame.
 *
 *   HEADER --(4 bytes, 0 < len <= max)--> BODY --(len bytes)--> frame ready
 *     |                                                   (next feed resets)
 *     +--(len == 0: TDKT_EPROTO, len > max: TDKT_ETOOBIG)--> FAILED (sticky)
 */
#ifndef TDKT_COMMON_WIRE_FRAME_H
#define TDKT_COMMON_WIRE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_LEN  4
#define FRAME_MAX_PREAUTH (16u * 1024u)   /* before Welcome */
#define FRAME_MAX_AUTHED  (1024u * 1024u) /* after Welcome */
/* Largest body buffer kept between frames: small requests reuse one buffer,
 * and an idle connection that once sent a 1 MiB frame does not keep it. */
#define FRAME_BODY_KEEP_MAX (4u * 1024u)
/* First allocation for a body, unless the announced length is smaller; the
 * buffer then doubles as bytes arrive. */
#define FRAME_BODY_FIRST (16u * 1024u)

struct frame_decoder {
    uint8_t hdr[FRAME_HEADER_LEN];
    size_t hdr_have;
    uint8_t *body; /* owned by the decoder; valid until the next feed/free */
    size_t body_len;
    size_t body_have;
    size_t body_cap;
    size_t max; /* current limit on body_len */
    int failed; /* sticky error code once the stream is unusable */
    int ready;  /* a frame was returned by the last feed */
};

void frame_decoder_init(struct frame_decoder *d, size_t max);
/* Change the limit, e.g. from FRAME_MAX_PREAUTH to FRAME_MAX_AUTHED. */
void frame_decoder_set_max(struct frame_decoder *d, size_t max);
void frame_decoder_free(struct frame_decoder *d);

/*
 * Consume bytes from in[0..n). *used is set to how many were consumed (always
 * <= n). Returns:
 *   0            a complete frame: *frame and *frame_len point into the decoder and
 *                stay valid until the next call; bytes after it were not used
 *   TDKT_EAGAIN  all n bytes consumed, no complete frame yet
 *   TDKT_ETOOBIG length prefix above the limit (sticky)
 *   TDKT_EPROTO  zero length prefix (sticky)
 *   TDKT_ENOMEM  allocation failed (sticky)
 */
int frame_decoder_feed(struct frame_decoder *d, const uint8_t *in, size_t n, size_t *used,
                       const uint8_t **frame, size_t *frame_len);

/* Done with the frame the last feed returned: forget it now rather than at
 * the next feed, and give its buffer back if above FRAME_BODY_KEEP_MAX. No-op
 * when no frame is ready (a partial frame is kept). */
void frame_decoder_trim(struct frame_decoder *d);
/* Bytes of heap the decoder holds (its body buffer). */
size_t frame_decoder_held(const struct frame_decoder *d);
/* Bytes of a frame begun and not complete (header bytes included); 0 between
 * frames, when a frame is ready, and after a failure. */
size_t frame_decoder_partial(const struct frame_decoder *d);

/* Write the 4-byte header for a body of len bytes. TDKT_ETOOBIG if len > max
 * or len does not fit 32 bits; TDKT_EPROTO if len == 0. */
int frame_header_encode(size_t len, size_t max, uint8_t out[FRAME_HEADER_LEN]);

#endif
