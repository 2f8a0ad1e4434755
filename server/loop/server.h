/* SPDX-License-Identifier: MIT */
/*
 * The tdktd event loop: the listening socket, signal handling, the periodic
 * sweep that enforces idle and handshake timeouts, and the orderly shutdown.
 * Only the loop thread touches anything here; the database thread is reached
 * through dbthread_submit().
 *
 *   RUNNING --SIGTERM/SIGINT (server_begin_shutdown)--> DRAINING
 *   DRAINING: listener closed, every conn drained; when the last conn is
 *             freed the database thread is stopped (it commits what it
 *             holds), then the signal and timer handles are closed
 *   DRAINING --SERVER_DRAIN_TIMEOUT_MS passed--> remaining conns closed hard
 *             (their in-flight jobs still finish; no reply is lost that was
 *             acknowledged, since a reply is only ever sent after COMMIT)
 *
 * Connection limit: cfg.max_conns conns are served at once. A connection
 * beyond that is still accepted, answered one Error BUSY (zero request id)
 * and closed, up to SERVER_REFUSING_MAX such at a time (see server.c, also
 * for TLS).
 */
#ifndef TDKT_SERVER_LOOP_SERVER_H
#define TDKT_SERVER_LOOP_SERVER_H

#include <stdint.h>
#include <uv.h>

#include "server/db/dbthread.h"

#define SERVER_MAX_CONNS_DEFAULT 16384
/* Connections over --max-conns being answered BUSY at the same time; any
 * beyond this are closed at accept without a word, so a flood of refused
 * connections cannot cost more than this many conn structs. */
#define SERVER_REFUSING_MAX           64
#define SERVER_IDLE_TIMEOUT_S_DEFAULT 300
#define SERVER_SWEEP_INTERVAL_MS      1000
#define SERVER_SEAL_CHECK_MS          5000 /* how often ballots due a seal are looked for */
#define SERVER_AUTO_SEAL_DEFAULT_S    600  /* tdktd serve --auto-seal-after */
/* tdktd serve --handshake-timeout: its default is CONN_HANDSHAKE_TIMEOUT_MS.
 * Longer is for slow peers and for tests under valgrind (docs/testing.md). */
#define SERVER_HANDSHAKE_TIMEOUT_MAX_S 3600
#define SERVER_DRAIN_TIMEOUT_MS        10000
#define SERVER_BACKLOG                 511

typedef struct ssl_ctx_st SSL_CTX;
struct dbthread;
struct conn;

struct server_config {
    const char *listen_host; /* e.g. "127.0.0.1" */
    int port;                /* 0: pick a free port (printed / written) */
    SSL_CTX *tls;            /* NULL: plain TCP (only allowed on loopback) */
    unsigned max_conns;
    unsigned idle_timeout_s;
    unsigned handshake_timeout_s; /* accept to Welcome; 0: CONN_HANDSHAKE_TIMEOUT_MS */
    const char *port_file;        /* if set, the bound port is written here */
    uint8_t ledger_key[32];       /* public key that signs tree heads, sent in Welcome */
    int64_t auto_seal_ms;         /* seal ballots left open this long after closing; < 0: never */
};

struct server_stats {
    uint64_t accepted, refused_full, closed, requests, errors_sent;
};

struct server {
    uv_loop_t *loop;
    struct server_config cfg;
    struct dbthread *db; /* owned: stopped during shutdown */
    uv_tcp_t listener;
    uv_signal_t sig_term, sig_int;
    uv_timer_t sweep;
    uint64_t drain_started_ms;
    int draining;
    int db_stopped;
    int exit_code;
    unsigned nconns;    /* every conn in the list, including refused ones */
    unsigned nrefusing; /* of those, conns over the limit being answered BUSY */
    uint64_t next_conn_id;
    struct conn *conns; /* list head */
    struct server_stats stats;
    /* The daemon's own ballot seal (ballot_seal_due), one job at a time. */
    struct db_job seal_job;
    int seal_busy;
    unsigned sealed; /* by the last seal job; written on the db thread */
    uint64_t seal_checked_ms;
};

/* Bind, listen, install signal handlers. db ownership passes to srv. */
int server_start(struct server *srv, uv_loop_t *loop, const struct server_config *cfg,
                 struct dbthread *db, char *err, size_t err_cap);
void server_begin_shutdown(struct server *srv, const char *why);
/* Called by conn.c when a conn struct is freed. */
void server_conn_freed(struct server *srv, struct conn *c);

#endif
