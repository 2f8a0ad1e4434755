/* SPDX-License-Identifier: MIT */
/*
 * A loopback TCP fault proxy for tests. It listens on 127.0.0.1 (a free
 * port), forwards every accepted connection to 127.0.0.1:target_port, and can
 * cut a connection after exactly N bytes have been forwarded in one
 * direction: both sides are then closed, with a FIN or with a reset. A test
 * puts it between the client and tdktd to break a sync or an upload at a
 * chosen or random offset and then checks that the next attempt, which the
 * proxy lets through untouched, repairs the state.
 *
 * The proxy runs on its own thread (pthread + poll). The test thread only
 * calls the functions below; the plan callback runs on the proxy thread.
 * It is a test tool: it does no TLS, keeps at most CUTPROXY_CONNS_MAX
 * connections at once (later ones wait in the listen backlog), and may block
 * its own thread for up to CUTPROXY_DRAIN_MS while it makes a cut exact
 * (and for the connect to the target, made synchronously on accept).
 *
 * Life of a connection:
 *
 *   accepted --connect 127.0.0.1:target--> relaying --both sides EOF--> closed
 *                                            |
 *                                            +--N bytes forwarded in cut.dir--> cut
 *                                            +--error on either side---------> reset
 *
 * "Exactly N bytes": the proxy never reads more than N bytes from the source
 * of the cut direction, and before closing it waits (bounded) until the
 * destination has acknowledged all of them, so a receiver that keeps reading
 * gets exactly N bytes and then EOF (CUTPROXY_CLOSE_FIN) or ECONNRESET
 * (CUTPROXY_CLOSE_RST). N = 0 cuts as soon as the upstream connection is up.
 */
#ifndef TDKT_TESTS_CUTPROXY_H
#define TDKT_TESTS_CUTPROXY_H

#include <stdint.h>

#define CUTPROXY_CONNS_MAX 32          /* connections relayed at once */
#define CUTPROXY_BUF       (16 * 1024) /* bytes buffered per direction */
#define CUTPROXY_DRAIN_MS  2000        /* longest wait for a peer to ack before a cut */

enum cutproxy_dir {
    CUTPROXY_C2S = 0, /* client -> server (target) */
    CUTPROXY_S2C = 1, /* server -> client */
};

enum cutproxy_close {
    CUTPROXY_CLOSE_FIN = 0, /* shutdown + close: the peers read EOF */
    CUTPROXY_CLOSE_RST = 1, /* SO_LINGER {1, 0} + close: the peers read ECONNRESET */
};

/* What to do with one connection. enabled = 0 lets it pass untouched. */
struct cutproxy_cut {
    int enabled;
    enum cutproxy_dir dir;
    uint64_t after; /* bytes forwarded in dir before both sides are cut */
    enum cutproxy_close how;
};

/*
 * Called on the proxy thread for each accepted connection not covered by
 * cutproxy_cut_next(); index counts connections from 0. cut arrives zeroed
 * (pass untouched).
 */
typedef void (*cutproxy_plan_fn)(void *arg, uint64_t index, struct cutproxy_cut *cut);

struct cutproxy_stats {
    uint64_t connections; /* accepted */
    uint64_t bytes_c2s;   /* forwarded client -> server */
    uint64_t bytes_s2c;   /* forwarded server -> client */
    uint64_t cuts;        /* connections cut by a plan */
    uint64_t refused;     /* upstream connect failed: client reset */
    unsigned active;      /* connections open now */
};

struct cutproxy;

/*
 * Listen on 127.0.0.1:0 and start the proxy thread. plan may be NULL. On
 * success *out is owned by the caller, who ends it with cutproxy_stop().
 * 0, TDKT_EIO (socket or thread), TDKT_ENOMEM.
 */
int cutproxy_start(struct cutproxy **out, int target_port, cutproxy_plan_fn plan, void *arg);
/* The port the proxy listens on. */
int cutproxy_port(const struct cutproxy *p);
/*
 * Apply cut to the next accepted connection only (ahead of the plan
 * callback); connections after it go back to the plan, or pass untouched.
 * A second call before that connection arrives replaces the first.
 */
void cutproxy_cut_next(struct cutproxy *p, const struct cutproxy_cut *cut);
/* A consistent copy of the counters. */
void cutproxy_stats(struct cutproxy *p, struct cutproxy_stats *st);
/* Wait until no connection is open. 0, or TDKT_ETIMEDOUT. */
int cutproxy_wait_idle(struct cutproxy *p, int timeout_ms);
/* Close every connection and the listener, join the thread, free p. NULL is
 * a no-op. */
void cutproxy_stop(struct cutproxy *p);

#endif
