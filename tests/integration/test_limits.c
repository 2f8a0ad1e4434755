/* SPDX-License-Identifier: MIT */
/*
 * The daemon's limits and its shutdown, seen by an independent client
 * speaking raw frames (protobuf-c) on a plain-TCP loopback test listener,
 * plus one TLS case:
 *   - over --max-conns a connection is answered Error BUSY and closed, the
 *     others keep working, and a slot freed is taken again;
 *   - a client pipelining requests without reading replies is stopped by
 *     backpressure (the server stops reading), then gets every reply, in
 *     order, once it reads;
 *   - SIGTERM under a pipelined write stream: every reply received is a
 *     receipt, a StatusReply or UNAVAILABLE, the stream ends in a clean EOF
 *     (no reset), and the writes committed are exactly those acknowledged;
 *   - SIGTERM while a Hello's unit lookup is in flight: the Hello is
 *     answered UNAVAILABLE rather than closed in silence;
 *   - a ReconcileRequest with a repeated field above its cap (one over, and
 *     as many as a frame holds) is answered INVALID_ARGUMENT naming the
 *     field, and the connection goes on serving.
 */
#include "util/fixture.h"
#include "util/rawwire.h"

#include "common/wire/envelope.h"
#include "common/sync/rangedigest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client/lib/client.h"
#include "common/err.h"
#include "proto/tdkt.pb-c.h"
#include "server/dispatch/request.h"
#include "server/loop/conn.h"

#define IO_TIMEOUT_MS TU_CLIENT_TIMEOUT_MS /* any single wait for the daemon: a hang detector */
#define RECV_CHUNK    (256 * 1024)

/* Connection limit test. */
#define LIMIT_CONNS     2
#define LIMIT_RETRY_MS  50 /* between reconnects while the freed slot is not yet free */
#define LIMIT_TLS_CONNS 1

/* Backpressure test. The test makes the condition itself: it stores
 * BP_NOTES notes of BP_NOTE_BYTES, so that every SyncPull from the start is
 * answered with at least BP_REPLY_MIN bytes (a reply holds up to
 * REPLY_BYTES_MAX, 768 KiB). It sends enough pulls, unread, to exceed
 * CONN_OUT_HIGH past the most the kernel can buffer for the connection (the
 * machine's largest TCP send buffer, plus the client's small receive
 * buffer), then waits for the daemon's log to say it paused: however fast
 * or slow the machine, the pause must come. */
#define BP_SOCKBUF    (32 * 1024) /* client socket buffers: keeps kernel slack small */
#define BP_NOTES      16
#define BP_NOTE_BYTES 60000
#define BP_REPLY_MIN  (12 * BP_NOTE_BYTES)
#define BP_AFTER      8 /* pulls sent after the pause, answered only once read */

/* Shutdown tests. */
#define SD_REQUESTS      3000 /* pipelined requests: NotePuts with a StatusRequest every */
#define SD_STATUS_EVERY  8    /* ...8th */
#define SD_SIGTERM_AFTER 300  /* replies received before SIGTERM is sent */

/* Reconcile caps test: what fits in one frame of each field, far above its
 * cap (1-byte varints; the shortest valid fetch keys). */
#define RC_HUGE_SEQS  1000000
#define RC_HUGE_FETCH 43000

static void set_nonblocking(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    assert_true(fl >= 0);
    assert_int_equal(fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK), 0);
}

/* What a non-blocking read found. */
enum rx { RX_OK, RX_EOF, RX_RESET };

static const uint8_t zero_id[RW_ID_LEN];

static size_t frame_status(uint8_t *buf, size_t cap, const uint8_t *id)
{
    Tdkt__Envelope env;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;

    rw_env_init(&env, id);
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &sr;
    return rw_frame(&env, buf, cap);
}

static size_t frame_note(uint8_t *buf, size_t cap, const uint8_t *id, int i)
{
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    char key[32], text[64];

    snprintf(key, sizeof key, "sd-%05d", i);
    snprintf(text, sizeof text, "ghi chú số %d trước khi dừng", i);
    np.key = key;
    np.text = text;
    rw_env_init(&env, id);
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    return rw_frame(&env, buf, cap);
}

/* Dial, send a Hello and return the first reply (NULL at EOF). */
static Tdkt__Envelope *dial_hello(int port, int *fd_out)
{
    static const uint8_t hid[RW_ID_LEN] = {0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int fd = rw_dial(port, NULL);
    rw_send_hello(fd, hid, "VKSCC2");
    *fd_out = fd;
    return rw_recv_env(fd);
}

static int dial_ready(int port)
{
    return rw_dial_ready(port, NULL, "VKSCC2");
}

/* Expect Error BUSY with the zero id, then a clean EOF. */
static void expect_busy(Tdkt__Envelope *r, int fd)
{
    char want[64];
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_BUSY);
    snprintf(want, sizeof want, "has %d connections", LIMIT_CONNS);
    assert_non_null(strstr(r->error->message, want));
    assert_memory_equal(r->request_id.data, zero_id, RW_ID_LEN);
    tdkt__envelope__free_unpacked(r, NULL);
    assert_null(rw_recv_env(fd));
}

static void test_max_conns_answers_busy(void **state)
{
    struct tu_fx *f = *state;
    char n[16];
    snprintf(n, sizeof n, "%d", LIMIT_CONNS);
    const char *extra[] = {"--max-conns", n, NULL};
    int fd;

    tu_daemon_start(&f->d, f->data, NULL, extra);
    int a = dial_ready(f->d.port);
    int b = dial_ready(f->d.port);

    /* The third gets one frame, BUSY, and a clean close (its Hello was
     * never read: the linger keeps that from turning into a reset). */
    Tdkt__Envelope *busy = dial_hello(f->d.port, &fd);
    expect_busy(busy, fd);
    close(fd);
    /* Even one that says nothing is told. */
    fd = rw_dial(f->d.port, NULL);
    expect_busy(rw_recv_env(fd), fd);
    close(fd);

    /* The two served connections did not notice. */
    rw_status_ok(a);
    rw_status_ok(b);

    /* Free a slot: a new connection is served again (the server may see
     * the new connection before the old one's EOF, hence the retries). */
    close(a);
    int served = -1;
    for (uint64_t hang = tu_mono_ms() + TU_HANG_MS; served < 0 && tu_mono_ms() < hang;) {
        Tdkt__Envelope *r = dial_hello(f->d.port, &fd);
        assert_non_null(r);
        if (r->body_case == TDKT__ENVELOPE__BODY_WELCOME) {
            served = fd;
            tdkt__envelope__free_unpacked(r, NULL);
        } else {
            expect_busy(r, fd);
            close(fd);
            tu_wait_dir_change(f->data, LIMIT_RETRY_MS); /* a log line, or look again */
        }
    }
    assert_true(served >= 0);
    rw_status_ok(served);
    rw_status_ok(b);
    /* And the limit still holds. */
    busy = dial_hello(f->d.port, &fd);
    expect_busy(busy, fd);
    close(fd);
    close(served);
    close(b);
}

static void test_max_conns_busy_over_tls(void **state)
{
    struct tu_fx *f = *state;
    char tls[TU_PATH_MAX], n[16];
    struct tu_client_tls t;
    struct tdkt_client *c1, *c2;
    int rc;

    tu_rm_rf(f->data);
    tu_sector_setup(f->dir);
    tu_path(tls, sizeof tls, "%s/tls", f->dir);
    snprintf(n, sizeof n, "%d", LIMIT_TLS_CONNS);
    const char *extra[] = {"--max-conns", n, NULL};
    tu_daemon_start(&f->d, f->data, tls, extra);

    tu_client_tls(&t, f->dir, f->d.port, "VKSCC2");
    assert_int_equal(tdkt_client_connect(&t.o, &c1), 0);
    /* Over TLS the refused connection completes its handshake, then gets
     * BUSY as the answer to its Hello. */
    rc = tdkt_client_connect(&t.o, &c2);
    if (rc != TDKT_EBUSY)
        fail_msg("expected BUSY, got %d: %s", rc, tdkt_client_errmsg(c2));
    assert_int_equal(tdkt_client_last_error(c2)->wire, TDKT__ERROR_CODE__ERROR_CODE_BUSY);
    tdkt_client_close(c2);

    struct tdkt_status st;
    assert_int_equal(tdkt_client_status(c1, &st), 0);
    tdkt_client_close(c1);
}

/* Received bytes not yet parsed into frames. */
struct rxbuf {
    uint8_t *p;
    size_t len, cap;
};

/* Receive what is there; RX_OK also when nothing was (EAGAIN). */
static enum rx rx_fill(int fd, struct rxbuf *b)
{
    if (b->cap - b->len < RECV_CHUNK) {
        b->cap = b->cap * 2 + RECV_CHUNK;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    ssize_t r = recv(fd, b->p + b->len, b->cap - b->len, 0);
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return RX_OK;
    if (r < 0 && errno == ECONNRESET)
        return RX_RESET;
    assert_true(r >= 0);
    if (r == 0)
        return RX_EOF;
    b->len += (size_t)r;
    return RX_OK;
}

/* Take the next complete frame out of b, decoded; NULL when none is whole. */
static Tdkt__Envelope *rx_next(struct rxbuf *b, size_t *off)
{
    if (b->len - *off < 4)
        return NULL;
    const uint8_t *h = b->p + *off;
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    assert_true(n > 0 && n <= 1024 * 1024);
    if (b->len - *off - 4 < n)
        return NULL;
    Tdkt__Envelope *env = tdkt__envelope__unpack(NULL, n, h + 4);
    assert_non_null(env);
    *off += 4 + n;
    return env;
}

static void rx_compact(struct rxbuf *b, size_t *off)
{
    memmove(b->p, b->p + *off, b->len - *off);
    b->len -= *off;
    *off = 0;
}

/* Pull number n: a SyncPull from the start, not read. */
static void send_pull(int fd, uint64_t n)
{
    uint8_t id[RW_ID_LEN];

    rw_make_id(id, 0xB0, n);
    rw_send_bare(fd, id, TDKT__ENVELOPE__BODY_SYNC_PULL);
}

static void test_backpressure_stops_reading(void **state)
{
    struct tu_fx *f = *state;
    static char text[BP_NOTE_BYTES + 1];
    uint64_t replies = 0;
    struct rxbuf rb = {0};
    size_t off = 0;

    tu_daemon_start(&f->d, f->data, NULL, NULL);
    int fd = rw_dial_buf(f->d.port, NULL, BP_SOCKBUF);
    rw_handshake(fd, "VKSCC2");
    memset(text, 'x', BP_NOTE_BYTES);
    for (int i = 0; i < BP_NOTES; i++) {
        char key[32];
        uint8_t id[RW_ID_LEN];

        snprintf(key, sizeof key, "bp-%02d", i);
        rw_make_id(id, 0xA0, (uint64_t)i);
        rw_note_put(fd, id, key, text);
    }

    /* Phase 1: pipeline the pulls, read nothing, and wait for the daemon to
     * log that it paused reading on unsent output. The pulls are small
     * frames that the socket buffers take at once. */
    uint64_t slack = rw_tcp_wmem_max() + 4u * BP_SOCKBUF;
    uint64_t pulls = (CONN_OUT_HIGH + slack) / BP_REPLY_MIN + 2;
    assert_true(pulls < CONN_INFLIGHT_LOW); /* the pause must be on output alone */
    for (uint64_t i = 0; i < pulls; i++)
        send_pull(fd, i);
    tu_log_wait_number(&f->d, "reading paused: ", 1, CONN_OUT_HIGH);
    /* More pulls after the pause: they wait in the socket, unanswered. */
    for (int k = 0; k < BP_AFTER; k++)
        send_pull(fd, pulls++);
    /* Nothing was read by the client, so the daemon cannot have resumed. */
    assert_int_equal(tu_log_count(&f->d, "reading resumed: "), 0);
    print_message("backpressure: paused with %llu pulls of %u bytes or more unread\n",
                  (unsigned long long)(pulls - BP_AFTER), BP_REPLY_MIN);

    /* Phase 2: read. Every pull gets exactly one reply, in order, each a
     * batch holding the stored notes. */
    set_nonblocking(fd, 1);
    while (replies < pulls) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, IO_TIMEOUT_MS) <= 0)
            fail_msg("stalled after %llu of %llu replies", (unsigned long long)replies,
                     (unsigned long long)pulls);
        assert_int_equal(rx_fill(fd, &rb), RX_OK);
        Tdkt__Envelope *r;
        while ((r = rx_next(&rb, &off)) != NULL) {
            if (r->body_case != TDKT__ENVELOPE__BODY_SYNC_BATCH)
                fail_msg("reply %llu: body %d", (unsigned long long)replies, (int)r->body_case);
            assert_true(tdkt__envelope__get_packed_size(r) >= BP_REPLY_MIN);
            int64_t k = rw_id_number(&r->request_id, 0xB0);
            if (k != (int64_t)replies)
                fail_msg("reply %llu answers request %lld", (unsigned long long)replies,
                         (long long)k);
            replies++;
            tdkt__envelope__free_unpacked(r, NULL);
        }
        rx_compact(&rb, &off);
    }
    assert_int_equal(rb.len, 0); /* nothing more than one reply each */
    tu_log_wait(&f->d, "reading resumed: ", 1);
    assert_true(tu_log_has_number(&f->d, "reading resumed: ", 0, CONN_OUT_LOW));

    /* The connection is still in service. */
    set_nonblocking(fd, 0);
    rw_status_ok(fd);
    free(rb.p);
    close(fd);
}

/* What one shutdown run saw for each request. */
enum sd_outcome { SD_NONE, SD_RECEIPT, SD_STATUS, SD_UNAVAILABLE };

struct sd_run {
    enum sd_outcome outcome[SD_REQUESTS];
    uint64_t seq[SD_REQUESTS];
    uint8_t hash[SD_REQUESTS][32];
    int replayed[SD_REQUESTS];
    int replies, receipts, unavailable;
    int reset;
};

static int sd_is_status(int i)
{
    return i % SD_STATUS_EVERY == SD_STATUS_EVERY - 1;
}

/*
 * Send the requests selected by include (all when NULL) pipelined on fd,
 * reading replies as they come, until every one is answered or the server
 * closes. With sigterm_pid, SIGTERM it after SD_SIGTERM_AFTER replies.
 */
static void sd_pump(int fd, const int *include, pid_t sigterm_pid, struct sd_run *run)
{
    size_t cap = (size_t)SD_REQUESTS * 128, len = 0, sent = 0, off = 0;
    uint8_t *out = malloc(cap), id[16];
    int expected = 0, signalled = 0, eof = 0;
    struct rxbuf rb = {0};

    assert_non_null(out);
    memset(run, 0, sizeof *run);
    for (int i = 0; i < SD_REQUESTS; i++) {
        if (include && !include[i])
            continue;
        rw_make_id(id, 0xC0, (uint64_t)i);
        len += sd_is_status(i) ? frame_status(out + len, cap - len, id)
                               : frame_note(out + len, cap - len, id, i);
        expected++;
    }
    set_nonblocking(fd, 1);
    while (!eof && run->replies < expected) {
        struct pollfd p = {.fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        if (poll(&p, 1, IO_TIMEOUT_MS) <= 0)
            fail_msg("stalled after %d of %d replies", run->replies, expected);
        if (sent < len && (p.revents & POLLOUT)) {
            ssize_t n = send(fd, out + sent, len - sent, MSG_NOSIGNAL);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                sent = len; /* the server is gone; what it answered is below */
        }
        enum rx rx = rx_fill(fd, &rb);
        if (rx == RX_RESET)
            run->reset = 1;
        eof = rx != RX_OK;
        Tdkt__Envelope *r;
        while ((r = rx_next(&rb, &off)) != NULL) {
            int64_t i = rw_id_number(&r->request_id, 0xC0);
            if (i < 0 || i >= SD_REQUESTS || (include && !include[i]))
                fail_msg("reply with an id never sent");
            if (run->outcome[i] != SD_NONE)
                fail_msg("request %lld answered twice", (long long)i);
            if (r->body_case == TDKT__ENVELOPE__BODY_ERROR) {
                if (r->error->code != TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE)
                    fail_msg("request %lld: error %d: %s", (long long)i, (int)r->error->code,
                             r->error->message);
                run->outcome[i] = SD_UNAVAILABLE;
                run->unavailable++;
            } else if (sd_is_status((int)i)) {
                assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
                run->outcome[i] = SD_STATUS;
            } else {
                assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
                assert_int_equal(r->receipt->entry_hash.len, 32);
                run->outcome[i] = SD_RECEIPT;
                run->seq[i] = r->receipt->seq;
                memcpy(run->hash[i], r->receipt->entry_hash.data, 32);
                run->replayed[i] = r->receipt->replayed;
                run->receipts++;
            }
            run->replies++;
            tdkt__envelope__free_unpacked(r, NULL);
        }
        rx_compact(&rb, &off);
        if (sigterm_pid > 0 && !signalled && run->replies >= SD_SIGTERM_AFTER) {
            assert_int_equal(kill(sigterm_pid, SIGTERM), 0);
            signalled = 1;
        }
    }
    assert_int_equal(rb.len, 0); /* no partial frame before the end */
    set_nonblocking(fd, 0);
    free(rb.p);
    free(out);
}

static void test_sigterm_delivers_every_receipt(void **state)
{
    struct tu_fx *f = *state;
    static struct sd_run first, again;
    static int puts[SD_REQUESTS];
    char out[TU_OUT_MAX];
    int nputs = 0;

    tu_daemon_start(&f->d, f->data, NULL, NULL);
    int fd = dial_ready(f->d.port);
    sd_pump(fd, NULL, f->d.pid, &first);
    close(fd);
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    print_message("shutdown: %d replies, %d receipts, %d unavailable, reset %d\n", first.replies,
                  first.receipts, first.unavailable, first.reset);

    /* The stream ended with a clean EOF, never a reset that could have
     * destroyed replies in flight; the stop came mid-stream. */
    assert_int_equal(first.reset, 0);
    assert_true(first.receipts > 0);
    assert_true(first.replies < SD_REQUESTS);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "verify", "--data", f->data, NULL), 0);

    /* After a restart, replay every write with its id. Each acknowledged
     * one comes back as a replay of the same entry; each other one was
     * never written (a committed write whose receipt got lost would show up
     * as a replay here). */
    for (int i = 0; i < SD_REQUESTS; i++) {
        puts[i] = !sd_is_status(i);
        nputs += puts[i];
    }
    tu_daemon_start(&f->d, f->data, NULL, NULL);
    fd = dial_ready(f->d.port);
    sd_pump(fd, puts, 0, &again);
    assert_int_equal(again.reset, 0);
    assert_int_equal(again.receipts, nputs);
    for (int i = 0; i < SD_REQUESTS; i++) {
        if (!puts[i])
            continue;
        if (first.outcome[i] == SD_RECEIPT) {
            if (!again.replayed[i])
                fail_msg("write %d was acknowledged but is not in the ledger", i);
            assert_int_equal(again.seq[i], first.seq[i]);
            assert_memory_equal(again.hash[i], first.hash[i], 32);
        } else if (again.replayed[i]) {
            fail_msg("write %d was committed but its receipt never reached the client", i);
        }
    }
    /* 1 registry entry (the unit) + every note exactly once. */
    assert_int_equal(rw_status_ok(fd), 1 + (uint64_t)nputs);
    close(fd);
}

static void test_sigterm_during_hello_lookup(void **state)
{
    struct tu_fx *f = *state;
    static const uint8_t put_id[16] = {0x44, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    static const uint8_t hello_id[16] = {0x55, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    uint8_t buf[256];
    sqlite3 *db;

    tu_daemon_start(&f->d, f->data, NULL, NULL);
    int a = dial_ready(f->d.port);

    /* Hold the database's write lock: the daemon's database thread blocks
     * on its next BEGIN (for up to its busy timeout), so jobs queue up. */
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    rw_send_all(a, buf, frame_note(buf, sizeof buf, put_id, 1));

    /* B's Hello is read and its unit lookup queued behind the write. */
    int b = rw_dial(f->d.port, NULL);
    rw_send_hello(b, hello_id, "VKSCC2");
    tu_log_wait(&f->d, "Hello received", 2);
    assert_int_equal(kill(f->d.pid, SIGTERM), 0);
    tu_log_wait(&f->d, "shutting down (SIGTERM)", 1);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    /* A's write was in flight: answered, then a clean close. */
    Tdkt__Envelope *r = rw_recv_env(a);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    assert_memory_equal(r->request_id.data, put_id, RW_ID_LEN);
    tdkt__envelope__free_unpacked(r, NULL);
    assert_null(rw_recv_env(a));

    /* B's Hello gets an answer, not a silent close. */
    r = rw_recv_env(b);
    if (!r)
        fail_msg("the Hello was not answered");
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE);
    assert_non_null(strstr(r->error->message, "shutting down"));
    assert_memory_equal(r->request_id.data, hello_id, RW_ID_LEN);
    tdkt__envelope__free_unpacked(r, NULL);
    assert_null(rw_recv_env(b));
    close(a);
    close(b);
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
}

/* --- reconcile caps ------------------------------------------------------- */

/* Send env as one frame, however large (up to the 1 MiB limit). */
static void send_env_big(int fd, const Tdkt__Envelope *env)
{
    size_t n = tdkt__envelope__get_packed_size(env);
    uint8_t *buf = malloc(n + 4);
    assert_non_null(buf);
    assert_true(n <= FRAME_MAX_AUTHED);
    assert_int_equal(rw_frame(env, buf, n + 4), n + 4);
    set_nonblocking(fd, 0);
    rw_send_all(fd, buf, n + 4);
    free(buf);
}

/* A reconcile request with nseqs audit seqs, nranges whole-space ranges and
 * nfetch keys; every entry valid, so only the counts can be refused. */
static void send_reconcile(int fd, const uint8_t *id, size_t nseqs, size_t nranges, size_t nfetch)
{
    Tdkt__Envelope env;
    Tdkt__ReconcileRequest m = TDKT__RECONCILE_REQUEST__INIT;
    Tdkt__RangeSummary range = TDKT__RANGE_SUMMARY__INIT;
    Tdkt__RecordKey key = TDKT__RECORD_KEY__INIT;
    uint8_t digest[RD_HASH_LEN];
    struct rd_acc none;
    uint64_t *seqs = calloc(nseqs + 1, sizeof *seqs);
    Tdkt__RangeSummary **ranges = calloc(nranges + 1, sizeof *ranges);
    Tdkt__RecordKey **keys = calloc(nfetch + 1, sizeof *keys);

    assert_true(seqs && ranges && keys);
    m.audit = 1;
    for (size_t i = 0; i < nseqs; i++)
        seqs[i] = 1;
    m.audit_seqs = seqs;
    m.n_audit_seqs = nseqs;

    rd_acc_init(&none);
    rd_acc_final(&none, digest); /* of no items: equal to the server's empty scope */
    range.digest.data = digest;
    range.digest.len = sizeof digest;
    for (size_t i = 0; i < nranges; i++)
        ranges[i] = &range;
    m.ranges = ranges;
    m.n_ranges = nranges;

    key.unit = (char *)"VKSCC2";
    key.year = 2024;
    key.kind = (char *)"t";
    key.key = (char *)"k";
    for (size_t i = 0; i < nfetch; i++)
        keys[i] = &key;
    m.fetch = keys;
    m.n_fetch = nfetch;
    rw_env_init(&env, id);
    env.body_case = TDKT__ENVELOPE__BODY_RECONCILE;
    env.reconcile = &m;
    send_env_big(fd, &env);
    free(seqs);
    free(ranges);
    free(keys);
}

/* The next frame is INVALID_ARGUMENT for id, naming field and counts. */
static void expect_cap_error(int fd, const uint8_t *id, const char *field, size_t max, size_t got)
{
    char want[128];
    Tdkt__Envelope *r = rw_recv_env(fd);

    snprintf(want, sizeof want, "%s: at most %zu entries, got %zu", field, max, got);
    if (r != NULL && r->body_case == TDKT__ENVELOPE__BODY_ERROR)
        assert_string_equal(r->error->message, want);
    rw_expect_error(r, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, field, id);
}

static void test_reconcile_over_caps_refused(void **state)
{
    struct tu_fx *f = *state;
    uint8_t id[RW_ID_LEN];
    int fd;

    tu_daemon_start(&f->d, f->data, NULL, NULL);
    fd = dial_ready(f->d.port);

    rw_make_id(id, 0x33, 1);
    send_reconcile(fd, id, RECON_AUDIT_MAX + 1, 0, 0);
    expect_cap_error(fd, id, "reconcile.audit_seqs", RECON_AUDIT_MAX, RECON_AUDIT_MAX + 1);
    rw_make_id(id, 0x33, 2);
    send_reconcile(fd, id, 0, RECON_RANGES_MAX + 1, 0);
    expect_cap_error(fd, id, "reconcile.ranges", RECON_RANGES_MAX, RECON_RANGES_MAX + 1);
    rw_make_id(id, 0x33, 3);
    send_reconcile(fd, id, 0, 0, RECON_FETCH_MAX + 1);
    expect_cap_error(fd, id, "reconcile.fetch", RECON_FETCH_MAX, RECON_FETCH_MAX + 1);
    /* As many as one frame holds: refused the same way, at once. */
    rw_make_id(id, 0x33, 4);
    send_reconcile(fd, id, RC_HUGE_SEQS, 0, 0);
    expect_cap_error(fd, id, "reconcile.audit_seqs", RECON_AUDIT_MAX, RC_HUGE_SEQS);
    rw_make_id(id, 0x33, 5);
    send_reconcile(fd, id, 0, 0, RC_HUGE_FETCH);
    expect_cap_error(fd, id, "reconcile.fetch", RECON_FETCH_MAX, RC_HUGE_FETCH);

    /* The connection goes on serving: a status, and a request at every cap. */
    assert_true(rw_status_ok(fd) > 0);
    rw_make_id(id, 0x33, 6);
    send_reconcile(fd, id, RECON_AUDIT_MAX, RECON_RANGES_MAX, RECON_FETCH_MAX);
    Tdkt__Envelope *r = rw_recv_env(fd);
    assert_non_null(r);
    assert_memory_equal(r->request_id.data, id, RW_ID_LEN);
    if (r->body_case == TDKT__ENVELOPE__BODY_ERROR)
        fail_msg("a request at the caps was refused: %s (%s)", r->error->message, r->error->field);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECONCILE_REPLY);
    assert_non_null(r->reconcile_reply->head);
    assert_int_equal(r->reconcile_reply->matched, RECON_RANGES_MAX); /* nothing on either side */
    assert_int_equal(r->reconcile_reply->fetch_done, RECON_FETCH_MAX);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_max_conns_answers_busy, tu_fx_cmocka_setup_bare,
                                        tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_max_conns_busy_over_tls, tu_fx_cmocka_setup_bare,
                                        tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_backpressure_stops_reading, tu_fx_cmocka_setup_bare,
                                        tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_sigterm_delivers_every_receipt,
                                        tu_fx_cmocka_setup_bare, tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_sigterm_during_hello_lookup, tu_fx_cmocka_setup_bare,
                                        tu_fx_cmocka_teardown_clean),
        cmocka_unit_test_setup_teardown(test_reconcile_over_caps_refused, tu_fx_cmocka_setup_bare,
                                        tu_fx_cmocka_teardown_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
