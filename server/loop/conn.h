/* SPDX-License-Identifier: MIT */
/*
 * One client connection of tdktd: the libuv TCP handle, its transport (TLS or,
 * for loopback tests, plain TCP), the frame decoder and the requests it has in
 * flight at the database thread. This module is the I/O shell around the pure
 * parts (tport, frame, envelope, dispatch); only the loop thread calls it.
 *
 *            tport handshake done, Hello decoded
 *   HANDSHAKE ---------------------------------> AUTHING (auth job at the DB thread)
 *      |                                            |  unit registered, not revoked:
 *      |                                            |  Welcome sent (conn_on_auth_done)
 *      |                                            v
 *      |                                          READY <-- requests, replies
 *      |                                            |
 *      |    conn_drain() (SIGTERM), idle timeout,   |
 *      |    peer EOF, protocol error               v
 *      +------------------------------------->  DRAINING: no new requests read; each
 *                                                   |  complete frame still buffered is
 *                                                   |  refused UNAVAILABLE; in-flight
 *                                                   |  jobs are answered (a Hello whose
 *                                                   |  lookup was in flight: UNAVAILABLE)
 *                                                   v  inflight == 0 and output flushed
 *                                                LINGERING: close_notify (TLS) sent, write
 *                                                   |  side shut down (FIN); input read and
 *                                                   |  discarded
 *                                                   v  peer EOF, or CONN_LINGER_MS passed
 *                                                CLOSED: uv_close(); freed in the close
 *                                                        callback once inflight == 0
 *
 * LINGERING exists because closing a socket that still has unread input
 * makes the kernel send a reset, and a reset can destroy replies still in
 * flight to the client (receipts of committed writes). If the peer's EOF was
 * already read, there is nothing to linger for and the conn closes at once.
 *
 * Over the connection limit (server.h), a conn is accepted with `refused`
 * set: it reads nothing but the transport handshake, then sends one Error
 * BUSY with the zero request id and drains as above.
 *
 * Backpressure: when the bytes handed to uv_write and not yet written exceed
 * CONN_OUT_HIGH, or CONN_INFLIGHT_MAX requests are at the DB thread, the
 * connection stops reading. Each cause has its own hysteresis: unsent
 * output stops counting once under CONN_OUT_LOW, requests in flight once at
 * or under CONN_INFLIGHT_LOW; reading resumes when neither counts (the
 * `backpressure` bits below). Both transitions are logged at debug level
 * ("reading paused: N bytes unsent, M requests in flight" / "reading
 * resumed: ..."); the backpressure test reads those lines. A third cause is
 * daemon-wide: while the sum of unsent output over all conns is over the
 * output budget (budget.h), a conn with replies unsent stops reading
 * (CONN_BP_BUDGET) until its own replies are written or the server resumes
 * it. A conn whose replies are all written keeps being served, so clients
 * that never read their replies cannot stall the others.
 *
 * Input budget: each conn charges the server what it holds for input (its
 * decoder's body buffer and its staging buffer, in_held) after every round
 * of processing. Over the budget the server picks the largest partial frame
 * and calls conn_refuse_over_budget: Error BUSY with the zero request id,
 * the buffers freed at once, input discarded, and the usual drain.
 *
 * Refusals: every Error this module sends (a refused frame, Hello or
 * connection) is counted by code and logged at info, one line with the
 * peer, the unit once known, the code name and the field, through the
 * server's per-peer rate limit (refusal.h).
 *
 * Ownership: the server owns the list of conns; a conn owns its tport,
 * decoder and read buffer. A request job in flight holds a reference
 * (inflight count); the conn struct is freed only when it is closed and the
 * last job has come back.
 */
#ifndef TDKT_SERVER_LOOP_CONN_H
#define TDKT_SERVER_LOOP_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "common/wire/frame.h"
#include "server/registry/registry.h"
#include "server/loop/refusal.h"

#define CONN_READ_CHUNK           (64u * 1024u) /* bytes read from the socket per callback */
#define CONN_RBUF_CAP             (16u * 1024u) /* plaintext taken from the transport at a time */
#define CONN_OUT_HIGH             (4u * 1024u * 1024u) /* stop reading above this much unsent output */
#define CONN_OUT_LOW              (1u * 1024u * 1024u) /* resume reading below this */
#define CONN_INFLIGHT_MAX         256 /* requests at the DB thread per connection */
#define CONN_INFLIGHT_LOW         (CONN_INFLIGHT_MAX / 2) /* resume reading at or below this */
#define CONN_HANDSHAKE_TIMEOUT_MS 10000 /* TLS + Hello must finish within this (default) */
/* Longest wait, after the write side is shut down, for the peer's EOF. The
 * server's sweep enforces it, so the real wait can be up to
 * SERVER_SWEEP_INTERVAL_MS longer. */
#define CONN_LINGER_MS 2000

/* Causes of a backpressure pause (struct conn.backpressure). */
#define CONN_BP_OUTPUT   1u /* set above CONN_OUT_HIGH unsent bytes, cleared below CONN_OUT_LOW */
#define CONN_BP_INFLIGHT 2u /* set at CONN_INFLIGHT_MAX, cleared at CONN_INFLIGHT_LOW */
#define CONN_BP_BUDGET   4u /* the output budget is exceeded and this conn has output unsent */

enum conn_state {
    CONN_HANDSHAKE,
    CONN_AUTHING,
    CONN_READY,
    CONN_DRAINING,
    CONN_LINGERING,
    CONN_CLOSED,
};

struct server;
struct tport;

struct conn {
    struct conn *prev, *next; /* server's list; owned by the server */
    struct server *srv;       /* borrowed */
    uv_tcp_t tcp;
    enum conn_state state;
    struct tport *tp;         /* owned */
    struct frame_decoder dec; /* owned */
    uint8_t *rbuf;            /* plaintext not yet fed to the decoder; owned, NULL when none */
    size_t rbuf_off, rbuf_len;
    int reading;                /* uv_read_start is active */
    int eof;                    /* the peer closed its side (FIN or close_notify) */
    int net_eof;                /* the socket read reached EOF or failed */
    int sent_close_notify;      /* the last bytes have been queued */
    int discard_input;          /* no more frames are decoded from this stream */
    int refused;                /* over the connection limit: answer BUSY, close */
    unsigned backpressure;      /* CONN_BP_* causes keeping reading paused */
    uv_shutdown_t shutdown_req; /* LINGERING: the write-side shutdown */
    uint64_t drain_started_ms;
    uint64_t linger_started_ms;
    size_t out_pending;      /* bytes given to uv_write, not yet written */
    size_t in_held;          /* bytes charged to the server's input budget */
    unsigned inflight;       /* jobs at the DB thread holding this conn */
    uint64_t last_active_ms; /* uv_now of the last complete frame */
    uint64_t opened_ms;
    uint32_t version;            /* negotiated protocol version */
    uint64_t id;                 /* for logs */
    char peer[64];               /* "ip:port" for logs */
    char addr[REFUSAL_PEER_MAX]; /* "ip": the refusal log's rate limit key */
    struct registry_unit unit;   /* valid from READY */
    char cert_serial[48];
    uint8_t hello_request_id[16];
};

/* Accept a connection from the listener. On failure the socket is closed.
 * Over the connection limit the conn is kept only to answer BUSY (and
 * TDKT_EBUSY is returned); see `refused`. */
int conn_accept(struct server *srv, uv_stream_t *listener);
/* Begin an orderly close: see DRAINING above. Idempotent. */
void conn_drain(struct conn *c, const char *why);
/* Send a packed reply frame (header included); takes ownership of frame. */
void conn_send_frame(struct conn *c, uint8_t *frame, size_t len);
/* Enforce handshake, idle, drain and linger timeouts; called by the
 * server's sweep timer with uv_now(). May close c. */
void conn_sweep(struct conn *c, uint64_t now);
/* Process what is buffered and restart reading if nothing holds it back;
 * the server calls it when the output budget no longer does. */
void conn_resume(struct conn *c);
/* The bytes c holds that refusing it would free, if c holds a partial frame
 * it may be refused for (in the handshake or ready, not refused yet); 0
 * otherwise. */
uint64_t conn_input_refusable(const struct conn *c);
/* Refuse c's partial frame over the input budget: Error BUSY (zero id),
 * buffers freed, input discarded, drain. */
void conn_refuse_over_budget(struct conn *c);

#endif
