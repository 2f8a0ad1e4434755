/* SPDX-License-Identifier: MIT */
/*
 * The byte queue both transports hold their bytes in (private to
 * common/net): live bytes are data[off..len). A queue refuses to hold more
 * than the limit its caller names, and gives its memory back when it is
 * emptied, so a connection between frames holds no buffer (a 768 KiB reply
 * would otherwise stay allocated for the life of the connection; 10,000
 * idle connections, issue 7). Not thread-safe; no I/O.
 */
#ifndef TDKT_COMMON_NET_TPORT_BUF_H
#define TDKT_COMMON_NET_TPORT_BUF_H

#include <stddef.h>
#include <stdint.h>

#define TPORT_BUF_MIN_CAP 4096u /* the first allocation of a queue */

struct tport_buf {
    uint8_t *data;
    size_t off, len, cap;
};

/* Bytes in the queue. */
static inline size_t tport_buf_live(const struct tport_buf *b)
{
    return b->len - b->off;
}

/* Make room for n more bytes at data + len, refusing to hold more than
 * limit live bytes: 0, TDKT_ETOOBIG or TDKT_ENOMEM. */
int tport_buf_reserve(struct tport_buf *b, size_t n, size_t limit);
/* Append p[0..n) within limit: 0, TDKT_ETOOBIG or TDKT_ENOMEM. */
int tport_buf_append(struct tport_buf *b, const uint8_t *p, size_t n, size_t limit);
/* Drop n bytes (at most the live ones) from the front. */
void tport_buf_consume(struct tport_buf *b, size_t n);
/* Move up to cap bytes from the front into out; how many. */
size_t tport_buf_take(struct tport_buf *b, uint8_t *out, size_t cap);
/* The live bytes in place, *n of them (NULL when none), for a caller that
 * consumes what it used. */
const uint8_t *tport_buf_peek(const struct tport_buf *b, size_t *n);
void tport_buf_free(struct tport_buf *b);

#endif
