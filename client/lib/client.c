/* SPDX-License-Identifier: MIT */
/*
 * Blocking client connection (see client.h): a socket shell with poll()
 * timeouts around the same transport and frame codec the daemon uses.
 */
#include "client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "common/text/i18n.h"
#include "common/wire/reason_pb.h"
#include "common/err.h"
#include "common/net/tport.h"
#include "common/wire/envelope.h"
#include "common/wire/utf8.h"
#include "common/wire/frame.h"

#define CLIENT_READ_CHUNK (64u * 1024u)

struct tdkt_client {
    int fd;
    int broken;
    int timeout_ms;
    SSL_CTX *ctx;
    struct tport *tp;
    struct frame_decoder dec;
    uint8_t *pbuf; /* plaintext from the transport not yet decoded */
    size_t pbuf_off, pbuf_len;
    uint32_t version;
    uint32_t max_frame; /* from Welcome: the most the server reads; 0 before */
    char unit[65];
    uint8_t ledger_key[32]; /* from Welcome */
    int has_ledger_key;
    struct tdkt_client_stats stats;
    char errmsg[CLIENT_ERRMSG_MAX];
    struct fault last;
};

static int client_fail(struct tdkt_client *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int client_fail(struct tdkt_client *c, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->errmsg, sizeof c->errmsg, tdkt_gettext(fmt), ap);
    va_end(ap);
    return rc;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write everything the transport has for the network. */
static int flush_out(struct tdkt_client *c, int64_t deadline)
{
    for (;;) {
        const uint8_t *p;
        size_t n;
        tport_output(c->tp, &p, &n);
        if (n == 0)
            return 0;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            c->stats.wire_out += (uint64_t)w;
            tport_output_consume(c->tp, (size_t)w);
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return client_fail(c, TDKT_EIO, "send to server failed: %s", strerror(errno));
        int left = (int)(deadline - mono_ms());
        if (left <= 0)
            return client_fail(c, TDKT_ETIMEDOUT, "timed out sending to the server");
        struct pollfd pfd = {.fd = c->fd, .events = POLLOUT};
        if (poll(&pfd, 1, left) < 0 && errno != EINTR)
            return client_fail(c, TDKT_EIO, "poll: %s", strerror(errno));
    }
}

/* Read once from the socket into the transport, waiting until deadline. */
static int pump_in(struct tdkt_client *c, int64_t deadline)
{
    uint8_t buf[CLIENT_READ_CHUNK];
    for (;;) {
        int left = (int)(deadline - mono_ms());
        if (left <= 0)
            return client_fail(c, TDKT_ETIMEDOUT, "timed out waiting for the server");
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno != EINTR)
            return client_fail(c, TDKT_EIO, "poll: %s", strerror(errno));
        if (pr <= 0)
            continue;
        ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0)
            return client_fail(c, TDKT_ECLOSED, "the server closed the connection");
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return client_fail(c, TDKT_EIO, "receive from server failed: %s", strerror(errno));
        }
        c->stats.wire_in += (uint64_t)r;
        int rc = tport_input(c->tp, buf, (size_t)r);
        int frc = flush_out(c, deadline);
        if (rc < 0)
            return client_fail(c, TDKT_ETLS, "TLS: %s", tport_error_text(c->tp));
        return frc;
    }
}

/* Next complete frame from the server, decoded. */
static int read_envelope(struct tdkt_client *c, int64_t deadline, Tdkt__Envelope **out)
{
    for (;;) {
        if (c->pbuf_off == c->pbuf_len) {
            size_t got = 0;
            int rc = tport_read(c->tp, c->pbuf, CLIENT_READ_CHUNK, &got);
            if (rc == TDKT_EAGAIN) {
                rc = pump_in(c, deadline);
                if (rc < 0)
                    return rc;
                continue;
            }
            if (rc == TDKT_ECLOSED)
                return client_fail(c, TDKT_ECLOSED, "the server closed the connection");
            if (rc < 0)
                return client_fail(c, TDKT_ETLS, "TLS: %s", tport_error_text(c->tp));
            c->pbuf_off = 0;
            c->pbuf_len = got;
        }
        const uint8_t *frame;
        size_t flen, used = 0;
        int rc = frame_decoder_feed(&c->dec, c->pbuf + c->pbuf_off, c->pbuf_len - c->pbuf_off,
                                    &used, &frame, &flen);
        c->pbuf_off += used;
        if (rc == TDKT_EAGAIN)
            continue;
        if (rc < 0)
            return client_fail(c, TDKT_EPROTO, "bad frame from server: %s", tdkt_strerror(rc));
        char why[256];
        const char *field = NULL;
        c->stats.frames_in++;
        c->stats.frame_bytes_in += flen + FRAME_HEADER_LEN;
        rc = envelope_decode(frame, flen, out, why, sizeof why, &field);
        if (rc < 0)
            return client_fail(c, TDKT_EPROTO, "bad message from server: %s", why);
        return 0;
    }
}

static int send_envelope(struct tdkt_client *c, const Tdkt__Envelope *env, size_t max,
                         int64_t deadline)
{
    uint8_t *frame;
    size_t len;
    int rc = envelope_encode_frame(env, max, &frame, &len);
    if (rc < 0)
        return client_fail(c, rc, "request too large for one frame (limit %zu bytes)", max);
    c->stats.frames_out++;
    c->stats.frame_bytes_out += len;
    rc = tport_write(c->tp, frame, len);
    free(frame);
    if (rc < 0)
        return client_fail(c, TDKT_ETLS, "TLS: %s", tport_error_text(c->tp));
    return flush_out(c, deadline);
}

static void note_server_error(struct tdkt_client *c, const Tdkt__Error *e)
{
    char text[REASON_TEXT_MAX];

    c->last.code = tdkt_wire_to_err(e->code);
    c->last.wire = e->code;
    reason_from_pb(&c->last.why, e->reason, e->message ? e->message : "");
    utf8_format(c->last.field, sizeof c->last.field, "%s", e->field ? e->field : "");
    tdkt_reason_text(&c->last.why, NULL, text, sizeof text);
    client_fail(c, 0, _("server refused: %s: %s%s%s"), wire_error_name(e->code), text,
                c->last.field[0] ? _(" (field ") : "", c->last.field[0] ? c->last.field : "");
    if (c->last.field[0])
        strncat(c->errmsg, ")", sizeof c->errmsg - strlen(c->errmsg) - 1);
}

static int dial(struct tdkt_client *c, const struct tdkt_client_opts *o, int64_t deadline)
{
    struct addrinfo hints = {0}, *res = NULL, *ai;
    char port[16];
    int rc, last_errno = 0;

    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    snprintf(port, sizeof port, "%d", o->port);
    rc = getaddrinfo(o->host, port, &hints, &res);
    if (rc != 0)
        return client_fail(c, TDKT_EIO, "cannot resolve %s: %s", o->host, gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
            last_errno = errno;
            close(fd);
            continue;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int left = (int)(deadline - mono_ms());
        int err = 0;
        socklen_t elen = sizeof err;
        if (left <= 0 || poll(&pfd, 1, left) <= 0) {
            last_errno = ETIMEDOUT;
            close(fd);
            continue;
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
        if (err) {
            last_errno = err;
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        break;
    }
    freeaddrinfo(res);
    if (c->fd < 0)
        return client_fail(c, last_errno == ETIMEDOUT ? TDKT_ETIMEDOUT : TDKT_EIO,
                           "cannot connect to %s:%d: %s", o->host, o->port,
                           strerror(last_errno ? last_errno : ECONNREFUSED));
    return 0;
}

int tdkt_client_connect(const struct tdkt_client_opts *o, struct tdkt_client **out)
{
    struct tdkt_client *c = calloc(1, sizeof *c);
    Tdkt__Envelope hello_env = TDKT__ENVELOPE__INIT, *reply = NULL;
    Tdkt__Hello hello = TDKT__HELLO__INIT;
    uint8_t id[REQUEST_ID_LEN];
    char err[CLIENT_ERRMSG_MAX];
    int64_t deadline;
    int rc;

    *out = c;
    if (!c)
        return TDKT_ENOMEM;
    c->fd = -1;
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : CLIENT_TIMEOUT_MS_DEFAULT;
    deadline = mono_ms() + c->timeout_ms;
    frame_decoder_init(&c->dec, FRAME_MAX_PREAUTH);
    c->pbuf = malloc(CLIENT_READ_CHUNK);
    if (!c->pbuf)
        return client_fail(c, TDKT_ENOMEM, "out of memory");

    if (o->ca_file) {
        rc = tport_tls_client_ctx(o->ca_file, o->cert_file, o->key_file, &c->ctx, err, sizeof err);
        if (rc < 0)
            return client_fail(c, rc, "TLS setup: %s", err);
    }
    rc = dial(c, o, deadline);
    if (rc < 0)
        goto out;
    rc = o->ca_file ? tport_tls_client_new(c->ctx, o->host, &c->tp) : tport_tcp_new(&c->tp);
    if (rc < 0) {
        client_fail(c, rc, "cannot create the transport: %s", tdkt_strerror(rc));
        goto out;
    }
    rc = flush_out(c, deadline);
    while (rc == 0 && !tport_is_ready(c->tp))
        rc = pump_in(c, deadline);
    if (rc < 0)
        goto out;

    request_id_generate(id);
    hello.min_version = PROTOCOL_VERSION_MIN;
    hello.max_version = PROTOCOL_VERSION;
    hello.client_name = (char *)(o->client_name ? o->client_name : "tdkt");
    hello.client_version = (char *)TDKT_VERSION;
    hello.unit_code = (char *)(o->ca_file ? "" : (o->plain_unit ? o->plain_unit : ""));
    hello_env.version = PROTOCOL_VERSION;
    hello_env.request_id.data = id;
    hello_env.request_id.len = sizeof id;
    hello_env.body_case = TDKT__ENVELOPE__BODY_HELLO;
    hello_env.hello = &hello;
    rc = send_envelope(c, &hello_env, FRAME_MAX_PREAUTH, deadline);
    if (rc < 0)
        goto out;
    rc = read_envelope(c, deadline, &reply);
    if (rc < 0) {
        if (rc == TDKT_ETLS || rc == TDKT_ECLOSED)
            rc = o->ca_file ? TDKT_EAUTH : rc;
        goto out;
    }
    if (reply->body_case == TDKT__ENVELOPE__BODY_ERROR) {
        note_server_error(c, reply->error);
        rc = tdkt_wire_to_err(reply->error->code);
        goto out;
    }
    if (reply->body_case != TDKT__ENVELOPE__BODY_WELCOME) {
        rc = client_fail(c, TDKT_EPROTO, "server answered Hello with message type %d",
                         (int)reply->body_case);
        goto out;
    }
    c->version = reply->welcome->version;
    if (reply->welcome->ledger_key.len == sizeof c->ledger_key) {
        memcpy(c->ledger_key, reply->welcome->ledger_key.data, sizeof c->ledger_key);
        c->has_ledger_key = 1;
    }
    if (reply->welcome->unit && reply->welcome->unit->code)
        snprintf(c->unit, sizeof c->unit, "%s", reply->welcome->unit->code);
    /* The server states its frame limit; never send more than it reads, nor
     * accept more than this build's own limit. */
    c->max_frame = FRAME_MAX_AUTHED;
    if (reply->welcome->max_frame && reply->welcome->max_frame < c->max_frame)
        c->max_frame = reply->welcome->max_frame;
    frame_decoder_set_max(&c->dec, FRAME_MAX_AUTHED);
    rc = 0;
out:
    if (reply)
        tdkt__envelope__free_unpacked(reply, NULL);
    if (rc < 0)
        c->broken = 1;
    return rc;
}

void tdkt_client_close(struct tdkt_client *c)
{
    if (!c)
        return;
    if (c->tp) {
        if (!c->broken && c->fd >= 0) {
            /* Best effort close_notify; the server does not need it. */
            tport_shutdown(c->tp);
            const uint8_t *p;
            size_t n;
            tport_output(c->tp, &p, &n);
            if (n)
                (void)!send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        tport_close(c->tp);
    }
    if (c->fd >= 0)
        close(c->fd);
    tport_tls_ctx_free(c->ctx);
    frame_decoder_free(&c->dec);
    free(c->pbuf);
    free(c);
}

int tdkt_client_call(struct tdkt_client *c, const Tdkt__Envelope *req, Tdkt__Envelope **reply)
{
    int64_t deadline = mono_ms() + c->timeout_ms;
    Tdkt__Envelope *r = NULL;
    int rc;

    *reply = NULL;
    c->last.code = 0;
    if (c->broken)
        return client_fail(c, TDKT_ECLOSED, "connection is no longer usable");
    rc = send_envelope(c, req, c->max_frame ? c->max_frame : FRAME_MAX_PREAUTH, deadline);
    if (rc < 0)
        goto broken;
    for (;;) {
        rc = read_envelope(c, deadline, &r);
        if (rc < 0)
            goto broken;
        /* Errors about the stream itself come with the zero id. */
        if (r->request_id.len == req->request_id.len &&
            memcmp(r->request_id.data, req->request_id.data, req->request_id.len) == 0)
            break;
        if (r->body_case == TDKT__ENVELOPE__BODY_ERROR) {
            note_server_error(c, r->error);
            rc = tdkt_wire_to_err(r->error->code);
            tdkt__envelope__free_unpacked(r, NULL);
            goto broken;
        }
        tdkt__envelope__free_unpacked(r, NULL); /* a stale reply: ignore */
    }
    if (r->body_case == TDKT__ENVELOPE__BODY_ERROR) {
        note_server_error(c, r->error);
        rc = tdkt_wire_to_err(r->error->code);
        tdkt__envelope__free_unpacked(r, NULL);
        return rc;
    }
    *reply = r;
    return 0;
broken:
    c->broken = 1;
    return rc;
}

int tdkt_client_request(struct tdkt_client *c, Tdkt__Envelope *req,
                        const uint8_t id[REQUEST_ID_LEN], Tdkt__Envelope **reply)
{
    uint8_t fresh[REQUEST_ID_LEN];
    int rc;

    if (!id) {
        request_id_generate(fresh);
        id = fresh;
    }
    req->version = c->version;
    req->request_id.data = (uint8_t *)id;
    req->request_id.len = REQUEST_ID_LEN;
    rc = tdkt_client_call(c, req, reply);
    req->request_id.data = NULL;
    req->request_id.len = 0;
    return rc;
}

int tdkt_client_status(struct tdkt_client *c, struct tdkt_status *out)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *r;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    int rc;

    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &sr;
    rc = tdkt_client_request(c, &env, NULL, &r);
    if (rc < 0)
        return rc;
    if (r->body_case != TDKT__ENVELOPE__BODY_STATUS_REPLY) {
        tdkt__envelope__free_unpacked(r, NULL);
        return client_fail(c, TDKT_EPROTO, "server answered Status with the wrong message type");
    }
    const Tdkt__StatusReply *s = r->status_reply;
    memset(out, 0, sizeof *out);
    snprintf(out->server_version, sizeof out->server_version, "%s",
             s->server_version ? s->server_version : "");
    out->protocol_version = s->protocol_version;
    out->ledger_height = s->ledger_height;
    if (s->head_hash.len == sizeof out->head_hash)
        memcpy(out->head_hash, s->head_hash.data, sizeof out->head_hash);
    if (s->unit) {
        snprintf(out->unit_code, sizeof out->unit_code, "%s", s->unit->code);
        snprintf(out->unit_name, sizeof out->unit_name, "%s", s->unit->name);
        out->unit_role = s->unit->role;
    }
    out->server_time_ms = s->server_time_ms;
    if (s->head && s->head->root.len == 32 && s->head->signature.len == 64) {
        out->has_head = 1;
        out->head_size = s->head->size;
        out->head_time_ms = s->head->time_ms;
        memcpy(out->head_root, s->head->root.data, 32);
        memcpy(out->head_sig, s->head->signature.data, 64);
    }
    tdkt__envelope__free_unpacked(r, NULL);
    return 0;
}

int tdkt_client_note_put(struct tdkt_client *c, const uint8_t request_id[16], const char *key,
                         const char *text, struct tdkt_receipt *out)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *r;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    int rc;

    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    np.key = (char *)key;
    np.text = (char *)text;
    env.note_put = &np;
    rc = tdkt_client_request(c, &env, request_id, &r);
    if (rc < 0)
        return rc;
    if (r->body_case != TDKT__ENVELOPE__BODY_RECEIPT || r->receipt->entry_hash.len != 32) {
        tdkt__envelope__free_unpacked(r, NULL);
        return client_fail(c, TDKT_EPROTO, "server answered NotePut with the wrong message type");
    }
    out->seq = r->receipt->seq;
    memcpy(out->entry_hash, r->receipt->entry_hash.data, 32);
    out->time_ms = r->receipt->time_ms;
    out->replayed = r->receipt->replayed;
    tdkt__envelope__free_unpacked(r, NULL);
    return 0;
}

int tdkt_client_send_raw(struct tdkt_client *c, const uint8_t *bytes, size_t len)
{
    int rc = tport_write(c->tp, bytes, len);
    if (rc < 0)
        return client_fail(c, TDKT_ETLS, "TLS: %s", tport_error_text(c->tp));
    return flush_out(c, mono_ms() + c->timeout_ms);
}

int tdkt_client_recv(struct tdkt_client *c, Tdkt__Envelope **out)
{
    return read_envelope(c, mono_ms() + c->timeout_ms, out);
}

const char *tdkt_client_errmsg(const struct tdkt_client *c)
{
    return c ? c->errmsg : "out of memory";
}

const struct fault *tdkt_client_last_error(const struct tdkt_client *c)
{
    return &c->last;
}

uint32_t tdkt_client_version(const struct tdkt_client *c)
{
    return c->version;
}

const char *tdkt_client_unit(const struct tdkt_client *c)
{
    return c->unit;
}

const uint8_t *tdkt_client_ledger_key(const struct tdkt_client *c)
{
    return c->has_ledger_key ? c->ledger_key : NULL;
}

void tdkt_client_get_stats(const struct tdkt_client *c, struct tdkt_client_stats *out)
{
    *out = c->stats;
}
