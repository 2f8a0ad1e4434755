/* SPDX-License-Identifier: MIT */
/*
 * Connection I/O shell: moves bytes between libuv and the transport, frames
 * between the transport and the decoder, and requests between the decoder
 * and the database thread. The state machine is drawn in conn.h. Nothing in
 * here decides what a request means; that is request.c.
 */
#include "conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/net/tport.h"
#include "common/wire/envelope.h"
#include "server/dispatch/hello.h"
#include "server/dispatch/request.h"
#include "server/loop/server.h"

/* Ciphertext read from any socket: the transports copy what they are given
 * before on_read returns, so one buffer serves every connection of the one
 * loop thread (instead of 64 KiB held by each idle connection). */
static uint8_t conn_netbuf[CONN_READ_CHUNK];

struct conn_write {
    uv_write_t req;
    struct conn *c;
    size_t len;
    uint8_t data[]; /* the bytes being written; freed with the struct */
};

static void conn_process(struct conn *c);
static void conn_account_input(struct conn *c);
static void conn_close(struct conn *c);
static void conn_maybe_finish(struct conn *c);
static void conn_linger(struct conn *c);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static const char *const state_names[] = {"handshake", "authing",   "ready",
                                          "draining",  "lingering", "closed"};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    (void)c;
    buf->base = (char *)conn_netbuf;
    buf->len = sizeof conn_netbuf;
}

static void conn_free(struct conn *c)
{
    struct server *srv = c->srv;
    if (c->tp)
        tport_close(c->tp);
    frame_decoder_free(&c->dec);
    free(c->rbuf);
    c->rbuf = NULL;
    conn_account_input(c);
    server_conn_freed(srv, c);
    free(c);
}

static void on_close(uv_handle_t *h)
{
    struct conn *c = h->data;
    c->tcp.data = NULL; /* marks the handle as closed */
    if (c->inflight == 0)
        conn_free(c);
}

/* Close now: pending writes are cancelled, in-flight jobs keep the struct
 * alive until they return (their replies are dropped; the writes they made
 * are committed, so a client retry with the same id gets the stored reply). */
static void conn_close(struct conn *c)
{
    if (c->state == CONN_CLOSED)
        return;
    log_debug("conn %llu %s: closing in state %s", (unsigned long long)c->id, c->peer,
              state_names[c->state]);
    c->state = CONN_CLOSED;
    if (c->reading)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_write(uv_write_t *req, int status)
{
    struct conn_write *w = (struct conn_write *)req;
    struct conn *c = w->c;
    size_t was = c->out_pending;

    c->out_pending -= w->len;
    free(w);
    /* Counted even for a closed conn: its cancelled writes leave the total
     * here, before the conn is freed. */
    server_output_charge(c->srv, was, c->out_pending);
    if (c->state == CONN_CLOSED)
        return;
    if (status < 0) {
        log_info("conn %llu %s: write failed: %s", (unsigned long long)c->id, c->peer,
                 uv_strerror(status));
        conn_close(c);
        return;
    }
    if (c->sent_close_notify && c->out_pending == 0) {
        conn_linger(c);
        return;
    }
    if (c->out_pending < CONN_OUT_LOW)
        conn_process(c);
    conn_maybe_finish(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    struct conn *c = req->data;

    /* UV_ECANCELED when the handle was closed first: nothing to do. */
    if (status < 0 && c->state != CONN_CLOSED) {
        log_info("conn %llu %s: shutdown failed: %s", (unsigned long long)c->id, c->peer,
                 uv_strerror(status));
        conn_close(c);
    }
}

/* Everything is written: shut down the write side (a FIN once libuv has
 * nothing queued) and read and discard until the peer's EOF, or until the
 * sweep sees CONN_LINGER_MS pass. Closing with unread input at once would
 * make the kernel answer with a reset, which can destroy our last replies
 * before the client has read them. */
static void conn_linger(struct conn *c)
{
    int rc;

    if (c->state == CONN_LINGERING || c->state == CONN_CLOSED)
        return;
    if (c->net_eof) {
        conn_close(c); /* the peer's EOF is read: nothing unread remains */
        return;
    }
    c->state = CONN_LINGERING;
    c->discard_input = 1;
    c->linger_started_ms = uv_now(c->srv->loop);
    c->shutdown_req.data = c;
    rc = uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown);
    if (rc == 0 && !c->reading) {
        rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        c->reading = rc == 0;
    }
    if (rc < 0) {
        log_info("conn %llu %s: cannot linger: %s", (unsigned long long)c->id, c->peer,
                 uv_strerror(rc));
        conn_close(c);
        return;
    }
    log_debug("conn %llu %s: write side shut down, waiting for the peer's EOF",
              (unsigned long long)c->id, c->peer);
}

/* Hand everything the transport has for the network to libuv. */
static void conn_flush(struct conn *c)
{
    for (;;) {
        const uint8_t *p;
        size_t n;
        tport_output(c->tp, &p, &n);
        if (n == 0)
            return;
        struct conn_write *w = malloc(sizeof *w + n);
        if (!w) {
            log_error("conn %llu: out of memory queueing %zu bytes", (unsigned long long)c->id, n);
            conn_close(c);
            return;
        }
        memcpy(w->data, p, n);
        tport_output_consume(c->tp, n);
        w->c = c;
        w->len = n;
        uv_buf_t buf = uv_buf_init((char *)w->data, (unsigned)n);
        int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_write);
        if (rc < 0) {
            free(w);
            log_info("conn %llu %s: write failed: %s", (unsigned long long)c->id, c->peer,
                     uv_strerror(rc));
            conn_close(c);
            return;
        }
        c->out_pending += n;
        server_output_charge(c->srv, c->out_pending - n, c->out_pending);
    }
}

void conn_send_frame(struct conn *c, uint8_t *frame, size_t len)
{
    if (c->state == CONN_CLOSED || c->sent_close_notify) {
        free(frame);
        return;
    }
    int rc = tport_write(c->tp, frame, len);
    free(frame);
    if (rc < 0) {
        log_info("conn %llu %s: transport refused a write: %s", (unsigned long long)c->id, c->peer,
                 tport_error_text(c->tp));
        conn_close(c);
        return;
    }
    conn_flush(c);
}

/* The one log line of a refusal, through the per-peer rate limit: the
 * peer, the unit once known, the code name, the field, the message and what
 * becomes of the connection. The message and field are cleaned of control
 * characters: parts of them may come from the peer. */
static void conn_log_refusal(struct conn *c, const char *code_name, const char *field,
                             const char *message, const char *outcome)
{
    char msg[REASON_TEXT_MAX], fld[FAULT_FIELD_MAX];

    if (log_get_level() < LOG_LEVEL_INFO || !server_refusal_admit(c->srv, c->addr))
        return;
    refusal_clean(msg, sizeof msg, message);
    refusal_clean(fld, sizeof fld, field && *field ? field : "-");
    log_info("conn %llu %s: refused %s (unit %s, field %s): %s; %s", (unsigned long long)c->id,
             c->peer, code_name, c->unit.code[0] ? c->unit.code : "-", fld, msg, outcome);
}

static void conn_send_error(struct conn *c, const uint8_t *request_id, const struct fault *err)
{
    uint8_t *frame;
    size_t len;
    c->srv->stats.errors_sent++;
    if (request_error_frame(request_id, c->version, err, &frame, &len) == 0)
        conn_send_frame(c, frame, len);
}

/* The drain is complete when nothing is in flight and all replies are out;
 * then the TLS close_notify is queued (unless the peer closed first) and the
 * conn lingers once it is written. */
static void conn_maybe_finish(struct conn *c)
{
    if (c->state != CONN_DRAINING || c->inflight > 0 || c->out_pending > 0 || c->sent_close_notify)
        return;
    c->sent_close_notify = 1;
    if (!c->eof) {
        tport_shutdown(c->tp);
        conn_flush(c);
    }
    if (c->state == CONN_DRAINING && c->out_pending == 0)
        conn_linger(c);
}

void conn_drain(struct conn *c, const char *why)
{
    if (c->state == CONN_DRAINING || c->state == CONN_LINGERING || c->state == CONN_CLOSED)
        return;
    log_debug("conn %llu %s: draining (%s)", (unsigned long long)c->id, c->peer, why);
    c->state = CONN_DRAINING;
    c->drain_started_ms = uv_now(c->srv->loop);
    /* Frames already buffered are answered UNAVAILABLE by conn_process; no
     * new bytes are read. */
    conn_process(c);
    if (c->state == CONN_CLOSED)
        return;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
    conn_maybe_finish(c);
}

/*
 * Refuse a frame, a Hello or the connection: count the refusal by its code,
 * log it (rate-limited per peer address), send the Error answering
 * request_id (NULL: the zero id, an error about the stream) and, when
 * close_why is set, drain the connection. Every Error the loop sends goes
 * through here; replies of the database thread (request_reply) do not.
 */
static void conn_refuse(struct conn *c, const uint8_t *request_id, const struct fault *err,
                        const char *close_why)
{
    const char *outcome = close_why                   ? "closing the connection"
                          : c->state >= CONN_DRAINING ? "the connection is closing"
                                                      : "the connection stays open";

    stats_count_refusal(&c->srv->stats, fault_wire(err));
    if (close_why && c->state < CONN_DRAINING)
        c->srv->stats.refused_conns++;
    conn_log_refusal(c, wire_error_name(fault_wire(err)), err->field, err->why.text, outcome);
    conn_send_error(c, request_id, err);
    if (close_why)
        conn_drain(c, close_why);
}

/* A request back from the database thread, and its connection; NULL when
 * the connection closed while the request was queued: then the request is
 * freed, and the connection too if it waited for no other. */
static struct conn *conn_take_back(struct request *r)
{
    struct conn *c = r->owner;

    c->inflight--;
    if (c->state != CONN_CLOSED)
        return c;
    request_free(r);
    if (c->inflight == 0 && c->tcp.data == NULL)
        conn_free(c);
    return NULL;
}

static void on_request_done(struct db_job *job, int status)
{
    struct request *r = (struct request *)job;
    struct conn *c = conn_take_back(r);
    uint8_t *frame;
    size_t len;

    if (!c)
        return;
    if (status < 0)
        c->srv->stats.errors_sent++;
    if (request_reply(r, status, &frame, &len) == 0)
        conn_send_frame(c, frame, len);
    else
        log_error("conn %llu: cannot encode a reply", (unsigned long long)c->id);
    request_free(r);
    conn_process(c);
    conn_maybe_finish(c);
}

static void send_welcome(struct conn *c)
{
    struct hello_welcome w = {c->srv->cfg.idle_timeout_s, c->srv->cfg.ledger_key};
    uint8_t *frame;
    size_t len;

    if (hello_welcome_frame(&c->unit, c->version, c->hello_request_id, &w, &frame, &len) == 0)
        conn_send_frame(c, frame, len);
}

static void on_auth_done(struct db_job *job, int status)
{
    struct request *r = (struct request *)job;
    struct conn *c = conn_take_back(r);

    if (!c)
        return;
    if (status < 0) {
        if (!fault_is_set(&r->err))
            fault_set(&r->err, status, NULL, "cannot authenticate: %s", tdkt_strerror(status));
        c->state = CONN_HANDSHAKE; /* so that drain proceeds from a known state */
        conn_refuse(c, c->hello_request_id, &r->err, "authentication refused");
        request_free(r);
        return;
    }
    c->unit = r->unit;
    request_free(r);
    if (c->state == CONN_DRAINING) {
        /* The drain began during the lookup: the Hello still gets an answer,
         * not a silent close. */
        struct fault err = {0};
        fault_set(&err, TDKT_EUNAVAIL, NULL, "the server is shutting down; connect again later");
        conn_refuse(c, c->hello_request_id, &err, NULL);
        conn_maybe_finish(c);
        return;
    }
    c->state = CONN_READY;
    frame_decoder_set_max(&c->dec, FRAME_MAX_AUTHED);
    c->last_active_ms = uv_now(c->srv->loop);
    log_info("conn %llu %s: %s %s (%s) authenticated over %s, protocol v%u",
             (unsigned long long)c->id, c->peer,
             c->unit.role == REGISTRY_ROLE_PERSON ? "person" : "unit", c->unit.code,
             c->unit.role == REGISTRY_ROLE_CENTRAL  ? "central"
             : c->unit.role == REGISTRY_ROLE_PERSON ? "Council member"
                                                    : "regional",
             c->tp->ops->name, c->version);
    send_welcome(c);
    conn_process(c);
}

static void handle_hello(struct conn *c, const Tdkt__Envelope *env)
{
    struct fault err = {0};
    const Tdkt__Hello *h = env->hello;
    char code[LEDGER_UNIT_MAX + 1];
    char serial[REQUEST_SERIAL_MAX];
    struct request *r;
    int rc;

    memcpy(c->hello_request_id, env->request_id.data, sizeof c->hello_request_id);
    log_debug("conn %llu %s: Hello received, authenticating", (unsigned long long)c->id, c->peer);
    if (hello_negotiate(h, &c->version, &err) < 0) {
        conn_refuse(c, c->hello_request_id, &err, "no common protocol version");
        return;
    }

    if (c->srv->cfg.tls) {
        rc = tport_peer_unit(c->tp, code, sizeof code, serial, sizeof serial);
        if (rc < 0) {
            fault_set(&err, TDKT_EAUTH, NULL, "the client certificate names no unit code");
            conn_refuse(c, c->hello_request_id, &err, "no unit in certificate");
            return;
        }
        rc = request_new_auth(code, serial, &r);
    } else {
        if (hello_plain_unit(h, &err) < 0) {
            conn_refuse(c, c->hello_request_id, &err, "no unit code");
            return;
        }
        rc = request_new_auth(h->unit_code, NULL, &r);
    }
    if (rc < 0) {
        conn_close(c);
        return;
    }
    r->owner = c;
    r->job.done = on_auth_done;
    rc = dbthread_submit(c->srv->db, &r->job);
    if (rc < 0) {
        request_free(r);
        fault_set(&err, TDKT_EUNAVAIL, NULL, "the server is shutting down");
        conn_refuse(c, c->hello_request_id, &err, "database unavailable");
        return;
    }
    c->inflight++;
    c->state = CONN_AUTHING;
}

static void handle_frame(struct conn *c, const uint8_t *frame, size_t len)
{
    Tdkt__Envelope *env = NULL;
    struct fault err = {0};
    const char *field = NULL;
    struct envelope_fault fault;
    char why[REASON_TEXT_MAX];
    struct request *r;
    int rc;

    c->last_active_ms = uv_now(c->srv->loop);
    c->srv->stats.requests++;
    rc = envelope_decode_fault(frame, len, &env, why, sizeof why, &field, &fault);
    if (rc < 0) {
        fault_set(&err, rc, fault.field[0] ? fault.field : NULL, "%s", why);
        /* A body this build does not know: after the handshake a newer
         * peer's request, refused alone; as the first frame it is not a
         * Hello, refused like any other (docs/protocol.md §5, §6.2). */
        if (strcmp(fault.field, "body") == 0 && c->state == CONN_HANDSHAKE)
            fault_set(&err, TDKT_EAUTH, "body", "the first message on a connection must be Hello");
        else if (strcmp(fault.field, "body") == 0)
            err.wire = TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE;
        /* A well-formed frame with a bad field is answered by its request
         * id and keeps the connection; garbage cannot be trusted to carry an
         * id, is answered with the zero id, and closes the connection. */
        conn_refuse(c, fault.has_request_id ? fault.request_id : NULL, &err,
                    rc == TDKT_EPROTO || !fault.has_request_id || c->state == CONN_HANDSHAKE
                        ? "malformed frame"
                        : NULL);
        return;
    }
    if (envelope_request_id_is_zero(&env->request_id)) {
        /* envelope_decode lets the zero id through only on an Error, which
         * only a server sends: from a client it is refused like any zero id. */
        fault_set(&err, TDKT_EINVAL, "request_id",
                  "request_id must not be all zeros (that is what an unset id looks like)");
        conn_refuse(c, NULL, &err, "zero request id");
        tdkt__envelope__free_unpacked(env, NULL);
        return;
    }

    switch (c->state) {
    case CONN_HANDSHAKE:
        if (env->body_case != TDKT__ENVELOPE__BODY_HELLO) {
            fault_set(&err, TDKT_EAUTH, "body", "the first message on a connection must be Hello");
            conn_refuse(c, env->request_id.data, &err, "request before Hello");
        } else {
            handle_hello(c, env);
        }
        break;
    case CONN_READY:
        if (env->version != c->version) {
            fault_set(&err, TDKT_EVERSION, "version",
                      "envelope version %u differs from the negotiated version %u", env->version,
                      c->version);
            conn_refuse(c, env->request_id.data, &err, NULL);
            break;
        }
        rc = request_prepare(&c->unit, env, &r, &err);
        if (rc < 0) {
            conn_refuse(c, env->request_id.data, &err, NULL);
            break;
        }
        r->owner = c;
        r->job.done = on_request_done;
        rc = dbthread_submit(c->srv->db, &r->job);
        if (rc < 0) {
            fault_set(&err, rc, NULL,
                      "the server is not accepting requests now; nothing was written");
            conn_refuse(c, env->request_id.data, &err, NULL);
            request_free(r);
            break;
        }
        c->inflight++;
        break;
    case CONN_DRAINING:
        fault_set(&err, TDKT_EUNAVAIL, NULL,
                  "the server is shutting down; this request was not processed, "
                  "retry it with the same request id");
        conn_refuse(c, env->request_id.data, &err, NULL);
        break;
    case CONN_AUTHING:
    case CONN_LINGERING:
    case CONN_CLOSED:
        break; /* conn_process never decodes in these states */
    }
    tdkt__envelope__free_unpacked(env, NULL);
}

/* Backpressure, each measure with its own hysteresis (conn.h): reading
 * pauses when unsent output exceeds CONN_OUT_HIGH or CONN_INFLIGHT_MAX
 * requests are in flight, and that cause clears only under CONN_OUT_LOW,
 * resp. CONN_INFLIGHT_LOW. */
static void conn_update_backpressure(struct conn *c)
{
    unsigned was = c->backpressure;

    if (c->out_pending > CONN_OUT_HIGH)
        c->backpressure |= CONN_BP_OUTPUT;
    else if (c->out_pending < CONN_OUT_LOW)
        c->backpressure &= ~CONN_BP_OUTPUT;
    if (c->inflight >= CONN_INFLIGHT_MAX)
        c->backpressure |= CONN_BP_INFLIGHT;
    else if (c->inflight <= CONN_INFLIGHT_LOW)
        c->backpressure &= ~CONN_BP_INFLIGHT;
    /* The daemon-wide output budget has its own hysteresis (budget.h); a
     * conn is held by it only while it has replies of its own unsent. */
    if (c->srv->out_budget.over && c->out_pending > 0)
        c->backpressure |= CONN_BP_BUDGET;
    else
        c->backpressure &= ~CONN_BP_BUDGET;
    if (was == c->backpressure)
        return;
    log_debug("conn %llu %s: reading %s: %zu bytes unsent, %u requests in flight%s",
              (unsigned long long)c->id, c->peer, c->backpressure ? "paused" : "resumed",
              c->out_pending, c->inflight,
              c->backpressure & CONN_BP_BUDGET ? " (over the output budget)" : "");
}

static int conn_paused(struct conn *c)
{
    conn_update_backpressure(c);
    return c->state == CONN_AUTHING || c->state == CONN_CLOSED || c->sent_close_notify ||
           c->backpressure;
}

/* Over the connection limit, once the transport is ready (at once on plain
 * TCP, after the handshake on TLS): one Error BUSY with the zero request id,
 * nothing read from the stream, then the usual drain and linger. */
static void conn_refuse_busy(struct conn *c)
{
    struct fault err = {0};

    fault_set(&err, TDKT_EBUSY, NULL, "the server has %u connections, its limit; retry later",
              c->srv->cfg.max_conns);
    c->discard_input = 1;
    conn_refuse(c, NULL, &err, "over the connection limit");
}

/* Decode and handle every complete frame the transport holds, unless paused;
 * then make the socket's read state match. */
static void conn_process_frames(struct conn *c)
{
    if (c->state == CONN_LINGERING || c->state == CONN_CLOSED)
        return; /* LINGERING reads (and discards) on its own */
    if (c->refused && c->state == CONN_HANDSHAKE && tport_is_ready(c->tp)) {
        conn_refuse_busy(c);
        return;
    }
    while (!conn_paused(c) && !c->discard_input && c->state != CONN_CLOSED) {
        if (c->rbuf_off == c->rbuf_len) {
            if (!tport_is_ready(c->tp))
                break;
            /* Plaintext is staged only while there is some: an idle
             * connection holds no read buffer. */
            if (!c->rbuf && !(c->rbuf = malloc(CONN_RBUF_CAP))) {
                log_error("conn %llu %s: out of memory", (unsigned long long)c->id, c->peer);
                conn_close(c);
                return;
            }
            size_t got = 0;
            int rc = tport_read(c->tp, c->rbuf, CONN_RBUF_CAP, &got);
            if (rc == TDKT_EAGAIN)
                break;
            if (rc == TDKT_ECLOSED) {
                c->eof = 1;
                conn_drain(c, "peer sent close_notify");
                return;
            }
            if (rc < 0) {
                log_info("conn %llu %s: transport error: %s", (unsigned long long)c->id, c->peer,
                         tport_error_text(c->tp));
                conn_close(c);
                return;
            }
            c->rbuf_off = 0;
            c->rbuf_len = got;
        }
        const uint8_t *frame;
        size_t flen, used = 0;
        int rc = frame_decoder_feed(&c->dec, c->rbuf + c->rbuf_off, c->rbuf_len - c->rbuf_off,
                                    &used, &frame, &flen);
        c->rbuf_off += used;
        if (rc == TDKT_EAGAIN)
            continue;
        if (rc < 0) {
            struct fault err = {0};
            if (rc == TDKT_ETOOBIG)
                fault_set(&err, rc, NULL,
                          "frame length exceeds the limit of %zu bytes in this state", c->dec.max);
            else
                fault_set(&err, rc, NULL, "bad frame: %s", tdkt_strerror(rc));
            c->rbuf_off = c->rbuf_len = 0;
            /* The rest of the stream cannot be framed: discard it. */
            c->discard_input = 1;
            c->state = c->state == CONN_DRAINING ? CONN_DRAINING : CONN_HANDSHAKE;
            conn_refuse(c, NULL, &err, "unusable frame stream");
            return;
        }
        handle_frame(c, frame, flen);
        /* The frame is decoded and handled: a large body buffer goes back
         * now, not when the next frame starts, which on an idle connection
         * may be never. */
        frame_decoder_trim(&c->dec);
    }

    if (c->state == CONN_LINGERING || c->state == CONN_CLOSED)
        return;
    if (c->rbuf && c->rbuf_off == c->rbuf_len) {
        free(c->rbuf);
        c->rbuf = NULL;
        c->rbuf_off = c->rbuf_len = 0;
    }
    int want = !conn_paused(c) && c->state != CONN_DRAINING && !c->eof;
    if (want && !c->reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
            c->reading = 1;
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* What c holds for input, for the server's input budget: the decoder's body
 * buffer and the staging buffer. (The transport's own buffers are not
 * counted: the conn drains them into these after every read, except while
 * paused, when it reads nothing more from the socket.) */
static void conn_account_input(struct conn *c)
{
    size_t held = frame_decoder_held(&c->dec) + (c->rbuf ? CONN_RBUF_CAP : 0);

    if (held == c->in_held)
        return;
    server_input_charge(c->srv, c->in_held, held);
    c->in_held = held;
}

/* Process, then charge what c now holds; over the input budget the server
 * refuses the largest partial frames, which may be c's. */
static void conn_process(struct conn *c)
{
    conn_process_frames(c);
    conn_account_input(c);
    if (budget_exceeded(&c->srv->in_budget))
        server_input_enforce(c->srv);
}

void conn_resume(struct conn *c)
{
    conn_process(c);
}

uint64_t conn_input_refusable(const struct conn *c)
{
    if ((c->state != CONN_HANDSHAKE && c->state != CONN_READY) || c->discard_input || c->refused ||
        frame_decoder_partial(&c->dec) == 0)
        return 0;
    return c->in_held;
}

void conn_refuse_over_budget(struct conn *c)
{
    struct server *srv = c->srv;
    struct fault err = {0};
    size_t have = frame_decoder_partial(&c->dec);
    size_t want = FRAME_HEADER_LEN + c->dec.body_len;

    fault_set(&err, TDKT_EBUSY, NULL,
              "the server holds %llu bytes of unfinished frames, over its input budget "
              "of %llu; this frame was refused after %zu of its %zu bytes; retry later",
              (unsigned long long)srv->in_budget.used, (unsigned long long)srv->in_budget.limit,
              have, want);
    srv->stats.budget_refusals++;
    /* The memory goes back now, before the next candidate is weighed. */
    c->discard_input = 1;
    frame_decoder_free(&c->dec);
    free(c->rbuf);
    c->rbuf = NULL;
    c->rbuf_off = c->rbuf_len = 0;
    conn_account_input(c);
    conn_refuse(c, NULL, &err, "over the input budget");
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    (void)buf;

    if (nread == 0)
        return;
    if (c->state == CONN_LINGERING) {
        if (nread < 0) {
            c->net_eof = 1;
            conn_close(c);
        }
        return; /* input after our last reply is discarded */
    }
    if (nread < 0) {
        if (nread != UV_EOF)
            log_info("conn %llu %s: read error: %s", (unsigned long long)c->id, c->peer,
                     uv_strerror((int)nread));
        c->eof = 1;
        c->net_eof = 1;
        if (c->reading) {
            uv_read_stop(s);
            c->reading = 0;
        }
        if (nread != UV_EOF || c->state == CONN_HANDSHAKE)
            conn_close(c);
        else
            conn_drain(c, "peer closed");
        return;
    }
    if (c->discard_input)
        return;
    int rc = tport_input(c->tp, conn_netbuf, (size_t)nread);
    conn_flush(c); /* handshake records and alerts go out even on error */
    if (rc < 0) {
        /* A refused connection too (a bad certificate, most often): its
         * line goes through the same per-peer rate limit. */
        c->srv->stats.tls_failures++;
        if (server_refusal_admit(c->srv, c->addr))
            log_warn("conn %llu %s: TLS failure: %s", (unsigned long long)c->id, c->peer,
                     tport_error_text(c->tp));
        c->discard_input = 1;
        c->state = CONN_DRAINING;
        c->sent_close_notify = 1; /* the alert is the last thing we send */
        if (c->out_pending == 0)
            conn_linger(c);
        return;
    }
    conn_process(c);
}

/* Plain TCP is for tests only; nothing else guards it but this check and
 * the loopback-only bind in tdktd. */
int conn_accept(struct server *srv, uv_stream_t *listener)
{
    struct conn *c = calloc(1, sizeof *c);
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    int rc;

    if (!c)
        return TDKT_ENOMEM;
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    c->tcp.data = c;
    uv_tcp_init(srv->loop, &c->tcp);
    rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
    if (rc < 0) {
        log_warn("accept failed: %s", uv_strerror(rc));
        goto fail_handle;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    snprintf(c->peer, sizeof c->peer, "?");
    snprintf(c->addr, sizeof c->addr, "?");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sslen) == 0) {
        char ip[48] = "?";
        int port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            uv_ip4_name(sin, ip, sizeof ip);
            port = ntohs(sin->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            uv_ip6_name(sin6, ip, sizeof ip);
            port = ntohs(sin6->sin6_port);
        }
        snprintf(c->peer, sizeof c->peer, "%s:%d", ip, port);
        snprintf(c->addr, sizeof c->addr, "%s", ip);
    }

    /* Link first: from here on the conn is counted and freed via on_close. */
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->nconns++;

    c->state = CONN_HANDSHAKE;
    if (srv->draining) {
        conn_close(c); /* accepted in the same instant the listener closed */
        return TDKT_EUNAVAIL;
    }
    if (srv->nconns - srv->nrefusing > srv->cfg.max_conns) {
        srv->stats.refused_full++;
        if (srv->nrefusing >= SERVER_REFUSING_MAX) {
            char why[128];
            snprintf(why, sizeof why, "%u connections is the limit and %u refusals are under way",
                     srv->cfg.max_conns, srv->nrefusing);
            srv->stats.refused_conns++;
            conn_log_refusal(c, "BUSY", NULL, why, "closed without a message");
            conn_close(c);
            return TDKT_EBUSY;
        }
        /* Logged by conn_refuse_busy when the BUSY is sent. */
        c->refused = 1;
        srv->nrefusing++;
    } else {
        srv->stats.accepted++;
    }

    frame_decoder_init(&c->dec, FRAME_MAX_PREAUTH);
    rc = srv->cfg.tls ? tport_tls_server_new(srv->cfg.tls, &c->tp) : tport_tcp_new(&c->tp);
    if (rc < 0) {
        conn_close(c);
        return rc;
    }
    c->opened_ms = c->last_active_ms = uv_now(srv->loop);
    log_debug("conn %llu %s: accepted", (unsigned long long)c->id, c->peer);
    conn_process(c); /* starts reading, or answers BUSY */
    return c->refused ? TDKT_EBUSY : 0;

fail_handle:
    /* Not linked yet: free directly from the close callback. */
    c->tcp.data = c;
    uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
    return TDKT_EIO;
}

void conn_sweep(struct conn *c, uint64_t now)
{
    struct server *srv = c->srv;
    switch (c->state) {
    case CONN_HANDSHAKE:
    case CONN_AUTHING:
        if (now - c->opened_ms > (uint64_t)srv->cfg.handshake_timeout_s * 1000) {
            srv->stats.handshake_timeouts++;
            if (server_refusal_admit(srv, c->addr))
                log_info("conn %llu %s: handshake timeout", (unsigned long long)c->id, c->peer);
            conn_close(c);
        }
        break;
    case CONN_READY:
        if (c->inflight == 0 && c->out_pending == 0 &&
            now - c->last_active_ms > (uint64_t)srv->cfg.idle_timeout_s * 1000) {
            log_info("conn %llu %s: idle for %us, closing", (unsigned long long)c->id, c->peer,
                     srv->cfg.idle_timeout_s);
            conn_drain(c, "idle timeout");
        }
        break;
    case CONN_DRAINING:
        if (now - c->drain_started_ms > SERVER_DRAIN_TIMEOUT_MS) {
            log_warn("conn %llu %s: drain timed out with %u in flight, closing",
                     (unsigned long long)c->id, c->peer, c->inflight);
            conn_close(c);
        }
        break;
    case CONN_LINGERING:
        if (now - c->linger_started_ms > CONN_LINGER_MS) {
            log_debug("conn %llu %s: no EOF from the peer after %d ms, closing",
                      (unsigned long long)c->id, c->peer, CONN_LINGER_MS);
            conn_close(c);
        }
        break;
    case CONN_CLOSED:
        break;
    }
}
