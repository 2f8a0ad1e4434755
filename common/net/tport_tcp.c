/* SPDX-License-Identifier: MIT */
/*
 * Plain TCP transport: bytes pass through unchanged. It exists so the daemon
 * and the client can be tested on loopback without certificates; it carries
 * no identity (peer_unit is TDKT_ENOTFOUND) and must never face a network.
 *
 * Two buffers: inbound bytes wait in `in` until tport_read() drains them
 * (bounded by TPORT_PLAINTEXT_MAX, as for TLS); outbound bytes wait in `out`
 * until the caller has sent them; an emptied buffer is freed. Once
 * tport_shutdown() is called, writes are refused; there is no in-band close,
 * so the peer learns of it from EOF. An input error (limit, memory) is
 * sticky, as it is for TLS.
 */
#include "tport.h"

#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/net/tport_buf.h"

struct tport_tcp {
    struct tport base; /* first, so a struct tport * is a struct tport_tcp * */
    struct tport_buf in, out;
    int shut;
    int failed; /* the first error of tcp_input, returned from then on */
};

static int tcp_input(struct tport *t, const uint8_t *in, size_t n)
{
    struct tport_tcp *c = (struct tport_tcp *)t;
    if (c->failed)
        return c->failed;
    int rc = tport_buf_append(&c->in, in, n, TPORT_PLAINTEXT_MAX);
    if (rc < 0)
        c->failed = rc;
    return rc;
}

static int tcp_read(struct tport *t, uint8_t *out, size_t cap, size_t *got)
{
    struct tport_tcp *c = (struct tport_tcp *)t;
    *got = 0;
    if (c->failed)
        return c->failed;
    if (tport_buf_live(&c->in) == 0)
        return TDKT_EAGAIN;
    *got = tport_buf_take(&c->in, out, cap);
    return 0;
}

static int tcp_write(struct tport *t, const uint8_t *buf, size_t n)
{
    struct tport_tcp *c = (struct tport_tcp *)t;
    if (c->failed)
        return c->failed;
    if (c->shut)
        return TDKT_ECLOSED;
    /* Output is bounded by the caller's backpressure, not here. */
    return tport_buf_append(&c->out, buf, n, SIZE_MAX);
}

static void tcp_output(struct tport *t, const uint8_t **p, size_t *n)
{
    *p = tport_buf_peek(&((struct tport_tcp *)t)->out, n);
}

static void tcp_output_consume(struct tport *t, size_t n)
{
    tport_buf_consume(&((struct tport_tcp *)t)->out, n);
}

static int tcp_shutdown(struct tport *t)
{
    ((struct tport_tcp *)t)->shut = 1;
    return 0;
}

static void tcp_close(struct tport *t)
{
    struct tport_tcp *c = (struct tport_tcp *)t;
    if (!c)
        return;
    tport_buf_free(&c->in);
    tport_buf_free(&c->out);
    free(c);
}

static int tcp_is_ready(const struct tport *t)
{
    return 1;
}

static int tcp_peer_unit(const struct tport *t, char *code, size_t code_cap, char *serial_hex,
                         size_t serial_cap)
{
    return TDKT_ENOTFOUND;
}

static const char *tcp_error_text(const struct tport *t)
{
    const struct tport_tcp *c = (const struct tport_tcp *)t;
    if (c->failed == TDKT_ETOOBIG)
        return "tcp: unread input exceeds TPORT_PLAINTEXT_MAX";
    return c->failed ? tdkt_strerror(c->failed) : "";
}

static const struct tport_ops tcp_ops = {
    .name = "tcp",
    .input = tcp_input,
    .read = tcp_read,
    .write = tcp_write,
    .output = tcp_output,
    .output_consume = tcp_output_consume,
    .shutdown = tcp_shutdown,
    .close = tcp_close,
    .is_ready = tcp_is_ready,
    .peer_unit = tcp_peer_unit,
    .error_text = tcp_error_text,
};

int tport_tcp_new(struct tport **out)
{
    struct tport_tcp *c = calloc(1, sizeof *c);
    if (!c)
        return TDKT_ENOMEM;
    c->base.ops = &tcp_ops;
    *out = &c->base;
    return 0;
}
