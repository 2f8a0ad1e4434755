/* SPDX-License-Identifier: MIT */
/*
 * An independent client for integration tests: raw frames (a 4-byte length
 * and a protobuf-c Envelope) over plain TCP to a test tdktd, from a chosen
 * loopback source address, with nothing of client/lib in between; plus
 * what such tests read of the daemon from outside: its resident memory
 * (/proc/PID/status) and its counters file (DATA/stats.json, waited on with
 * inotify, never polled on a clock). Every helper fails the test on an
 * unexpected answer. An envelope rw_recv_env returns is the caller's
 * (tdkt__envelope__free_unpacked), unless handed to rw_expect_error, which
 * frees it; a socket from rw_dial* is the caller's to close; JSON from
 * rw_stats_load is the caller's (json_decref).
 */
#ifndef TDKT_TESTS_RAWWIRE_H
#define TDKT_TESTS_RAWWIRE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/tdkt.pb-c.h"
#include "testutil.h"

#define RW_ID_LEN 16

/* Connect to 127.0.0.1:port from source address src (e.g. "127.0.0.2", a
 * peer of its own for the daemon's per-address limits; NULL: any). */
int rw_dial(int port, const char *src);
/* rw_dial with both socket buffers set to sockbuf bytes before connecting
 * (0: the kernel's): a small receive buffer makes a slow reader whose
 * unread replies pile up in the daemon rather than in the kernel. */
int rw_dial_buf(int port, const char *src, int sockbuf);
/* All n bytes, or fail. */
void rw_send_all(int fd, const void *p, size_t n);
/* As many of n bytes as the peer takes: 0, or -errno once the daemon has
 * closed (EPIPE, ECONNRESET). */
int rw_send_try(int fd, const void *p, size_t n);
/* env as one frame into buf (cap bytes); returns the frame's length. */
size_t rw_frame(const Tdkt__Envelope *env, uint8_t *buf, size_t cap);
void rw_send_env(int fd, const Tdkt__Envelope *env);
/* The next frame, decoded; NULL at a clean EOF; fails on a reset or when
 * nothing comes within TU_CLIENT_TIMEOUT_MS. */
Tdkt__Envelope *rw_recv_env(int fd);
/* An Envelope with the current protocol version and request id id. */
void rw_env_init(Tdkt__Envelope *env, const uint8_t id[RW_ID_LEN]);
/* Hello for unit on the plain-TCP test listener. */
void rw_send_hello(int fd, const uint8_t id[RW_ID_LEN], const char *unit);
/* Hello as unit on fd, expect Welcome. */
void rw_handshake(int fd, const char *unit);
/* Dial, Hello as unit, expect Welcome. */
int rw_dial_ready(int port, const char *src, const char *unit);
/* One StatusRequest answered by a StatusReply; returns the ledger height. */
uint64_t rw_status_ok(int fd);
/* Request id number i under tag (never all zeros), and back: the number in
 * id, or -1 when id was not made under tag. */
void rw_make_id(uint8_t id[RW_ID_LEN], uint8_t tag, uint64_t i);
int64_t rw_id_number(const ProtobufCBinaryData *id, uint8_t tag);
/* A NotePut of key and text (any length a frame holds), answered by a
 * Receipt for id. */
void rw_note_put(int fd, const uint8_t id[RW_ID_LEN], const char *key, const char *text);
/* A request whose body has no field set, not read: body
 * TDKT__ENVELOPE__BODY_STATUS (a StatusRequest) or
 * TDKT__ENVELOPE__BODY_SYNC_PULL (a SyncPull from the start: the daemon's
 * default page of every entry). */
void rw_send_bare(int fd, const uint8_t id[RW_ID_LEN], Tdkt__Envelope__BodyCase body);
/* The largest send buffer the kernel gives a TCP socket (the maximum of
 * RW_WMEM_FILE), or RW_WMEM_GUESS when that cannot be read: what a test
 * that must overflow the kernel's buffers has to send beyond them. */
#define RW_WMEM_FILE  "/proc/sys/net/ipv4/tcp_wmem"
#define RW_WMEM_GUESS (64ull * 1024 * 1024)
unsigned long long rw_tcp_wmem_max(void);
/* r is an Error with code, field ("" for none) and request id id (NULL: the
 * zero id); frees r. */
void rw_expect_error(Tdkt__Envelope *r, int code, const char *field, const uint8_t *id);
/* A line of /proc/PID/status in kB ("VmRSS", "VmHWM"). */
long rw_proc_kb(pid_t pid, const char *key);
/* DATA/stats.json, or NULL when it does not exist yet. */
json_t *rw_stats_load(const char *data);
/* The whole number at a, a.b or a.b.c in the counters (0 when absent). */
unsigned long long rw_stats_num(json_t *j, const char *a, const char *b, const char *c);
/* Wait until ok(counters, arg) holds for DATA/stats.json, re-reading it each
 * time the data directory changes. Fails when the daemon exits or at
 * TU_HANG_MS. */
void rw_stats_wait(const struct tu_daemon *d, int (*ok)(json_t *j, void *arg), void *arg);
/* Log lines containing both a and b. */
int rw_log_count2(const struct tu_daemon *d, const char *a, const char *b);

#endif
