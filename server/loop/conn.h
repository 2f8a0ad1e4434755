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
 *                                                   |  jobs are answered
 *                                                   v  inflight == 0 and output flushed
 *                                                CLOSED: uv_close(); freed in the close
 *                                                        callback once inflight == 0
 *
 * Backpressure: when the bytes handed to uv_write and not yet written exceed
 * CONN_OUT_HIGH, or CONN_INFLIGHT_MAX requests are at the DB thread, the
 * connection stops reading; it resumes when both are back under
 * CONN_OUT_LOW and CONN_INFLIGHT_MAX / 2.
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
#include "server/ledger/registry.h"

#define CONN_READ_CHUNK           (64u * 1024u)        /* bytes read from the socket per callback */
#define CONN_OUT_HIGH             (4u * 1024u * 1024u) /* stop reading above this much unsent output */
#define CONN_OUT_LOW              (1u * 1024u * 1024u) /* resume reading below this */
#define CONN_INFLIGHT_MAX         256   /* requests at the DB thread per connection */
#define CONN_HANDSHAKE_TIMEOUT_MS 10000 /* TLS + Hello must finish within this */

enum conn_state {
    CONN_HANDSHAKE,
    CONN_AUTHING,
    CONN_READY,
    CONN_DRAINING,
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
    uint8_t *rbuf;            /* plaintext not yet fed to the decoder; owned */
    size_t rbuf_off, rbuf_len;
    uint8_t netbuf[CONN_READ_CHUNK]; /* libuv reads ciphertext here */
    int reading;                     /* uv_read_start is active */
    int eof;                         /* the peer closed its side */
    int sent_close_notify;           /* the last bytes have been queued */
    int discard_input;               /* the stream can no longer be framed */
    uint64_t drain_started_ms;
    size_t out_pending;      /* bytes given to uv_write, not yet written */
    unsigned inflight;       /* jobs at the DB thread holding this conn */
    uint64_t last_active_ms; /* uv_now of the last complete frame */
    uint64_t opened_ms;
    uint32_t version;          /* negotiated protocol version */
    uint64_t id;               /* for logs */
    char peer[64];             /* "ip:port" for logs */
    struct registry_unit unit; /* valid from READY */
    char cert_serial[48];
    uint8_t hello_request_id[16];
};

/* Accept a connection from the listener. On failure the socket is closed. */
int conn_accept(struct server *srv, uv_stream_t *listener);
/* Begin an orderly close: see DRAINING above. Idempotent. */
void conn_drain(struct conn *c, const char *why);
/* Send a packed reply frame (header included); takes ownership of frame. */
void conn_send_frame(struct conn *c, uint8_t *frame, size_t len);
/* Enforce handshake, idle and drain timeouts; called by the server's sweep
 * timer with uv_now(). May close c. */
void conn_sweep(struct conn *c, uint64_t now);

#endif
