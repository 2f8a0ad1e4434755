/* SPDX-License-Identifier: MIT */
/*
 * The refusal log's rate limit (issue 13). Every frame or connection the
 * daemon refuses is logged at info, one line each (conn.c), but a peer
 * sending a flood of bad frames must not be able to fill the disk with
 * them. Per peer address (the IP, not the port: each new connection has a
 * new port), at most REFUSAL_LOG_PER_PEER lines are logged per
 * REFUSAL_LOG_WINDOW_MS; the refusals beyond are counted, and when the
 * window ends one summary line says how many were left out ("K more
 * refusals from PEER suppressed").
 *
 * At most REFUSAL_LOG_PEERS_MAX addresses are tracked at once; while the
 * table is full, refusals from any other address share one entry named
 * REFUSAL_OTHER_PEERS. So the log gets at most
 * (REFUSAL_LOG_PEERS_MAX + 1) * (REFUSAL_LOG_PER_PEER + 1) refusal lines per
 * window whatever the clients do. An entry is forgotten when its window
 * ends (refusal_log_expire, from the server's sweep).
 *
 * Pure: the caller passes the time and does the logging. No allocation.
 * (docs/admin.md §4.2.)
 */
#ifndef TDKT_SERVER_LOOP_REFUSAL_H
#define TDKT_SERVER_LOOP_REFUSAL_H

#include <stddef.h>
#include <stdint.h>

#define REFUSAL_LOG_PER_PEER  10    /* refusal lines per peer address per window */
#define REFUSAL_LOG_WINDOW_MS 60000 /* the window: one minute */
#define REFUSAL_LOG_PEERS_MAX 256   /* addresses tracked at once */
#define REFUSAL_PEER_MAX      48    /* an IPv6 address in text, with its NUL */
#define REFUSAL_OTHER_PEERS   "other peers"

struct refusal_peer {
    char addr[REFUSAL_PEER_MAX]; /* "" when the slot is free */
    uint64_t window_start_ms;
    unsigned logged;     /* lines logged in this window */
    uint64_t suppressed; /* refusals not logged in this window */
};

struct refusal_log {
    struct refusal_peer peers[REFUSAL_LOG_PEERS_MAX];
    struct refusal_peer other; /* every address while the table is full */
};

void refusal_log_init(struct refusal_log *rl);
/*
 * A refusal from addr at now_ms: 1 if it is to be logged, 0 if it is
 * suppressed (and counted). If addr's previous window had ended with
 * refusals suppressed, *summary is set to their number (the caller logs the
 * summary line first, naming *summary_addr); otherwise *summary is 0.
 */
int refusal_log_admit(struct refusal_log *rl, const char *addr, uint64_t now_ms, uint64_t *summary,
                      const char **summary_addr);
/* Forget every window that has ended by now_ms, calling report(arg, addr,
 * suppressed) first for each that suppressed refusals. */
void refusal_log_expire(struct refusal_log *rl, uint64_t now_ms,
                        void (*report)(void *arg, const char *addr, uint64_t suppressed),
                        void *arg);
/* Copy src into dst (cap bytes, NUL-terminated, cut if need be) with every
 * control character replaced by '?': text that may come from a peer never
 * breaks a log line in two. */
void refusal_clean(char *dst, size_t cap, const char *src);

#endif
