/* SPDX-License-Identifier: MIT */
/*
 * The fault proxy that integration tests put between tdkt and tdktd: bytes
 * pass unchanged both ways, a cut at offset N delivers exactly N bytes in its
 * direction and then EOF (FIN) or ECONNRESET (RST) to the receiver, a
 * "next cut" applies once, a plan callback can cut at random offsets, and the
 * proxy never relays more than CUTPROXY_CONNS_MAX connections at once.
 *
 * The peer is a small echo server in this file: one thread per connection,
 * recording every byte it receives and how its stream ended.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
/*
 * tdkt_testutil lists its sources explicitly (tests/CMakeLists.txt); until
 * util/cutproxy.c is added there, this test compiles the proxy itself. Once
 * it is, the archive's copy is simply not pulled in (every symbol is already
 * defined here) — and this line can become #include "cutproxy.h".
 */
#include "cutproxy.h"

#define ECHO_CONNS_MAX 64
#define ECHO_KEEP_MAX  (512 * 1024)         /* bytes of each stream kept for comparison */
#define IO_TIMEOUT_MS  TU_CLIENT_TIMEOUT_MS /* a hang detector */
#define STREAM_LEN     200000
#define PLAN_CONNS     24

/* ---- echo server -------------------------------------------------------- */

/*
 * A socket reports a reset once: if a send saw it, the next recv returns 0.
 * So a stream that ended in EOF after a send failed with ECONNRESET ended in
 * a reset. EPIPE after a FIN is not a reset: the peer closed in order.
 */
static int reset_seen(int send_err)
{
    return send_err == ECONNRESET ? ECONNRESET : 0;
}

struct echo;

struct echo_conn {
    struct echo *e;
    int fd;
    pthread_t thread;
    uint8_t *got; /* first ECHO_KEEP_MAX bytes received */
    uint64_t total;
    int end; /* 0: EOF; else the errno that ended the stream */
    int done;
};

struct echo {
    int listen_fd;
    int wake[2];
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct echo_conn conns[ECHO_CONNS_MAX];
    unsigned n;
};

static void *echo_conn_main(void *arg)
{
    struct echo_conn *c = arg;
    uint8_t buf[16384];
    int echoing = 1, end = 0, send_err = 0;

    for (;;) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            end = errno;
            break;
        }
        pthread_mutex_lock(&c->e->mu);
        if (c->total < ECHO_KEEP_MAX) {
            size_t keep =
                ECHO_KEEP_MAX - c->total < (uint64_t)n ? ECHO_KEEP_MAX - c->total : (size_t)n;
            memcpy(c->got + c->total, buf, keep);
        }
        c->total += (uint64_t)n;
        pthread_mutex_unlock(&c->e->mu);
        for (ssize_t off = 0; echoing && off < n;) {
            ssize_t w = send(c->fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                echoing = 0; /* keep reading to see how the stream ends */
                send_err = errno;
            } else
                off += w;
        }
    }
    close(c->fd);
    pthread_mutex_lock(&c->e->mu);
    c->end = end ? end : reset_seen(send_err);
    c->done = 1;
    pthread_cond_broadcast(&c->e->cv);
    pthread_mutex_unlock(&c->e->mu);
    return NULL;
}

static void *echo_main(void *arg)
{
    struct echo *e = arg;

    for (;;) {
        struct pollfd pfd[2] = {{.fd = e->wake[0], .events = POLLIN},
                                {.fd = e->listen_fd, .events = POLLIN}};
        int fd;
        struct echo_conn *c;

        if (poll(pfd, 2, -1) < 0 && errno == EINTR)
            continue;
        if (pfd[0].revents)
            return NULL;
        fd = accept(e->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&e->mu);
        if (e->n == ECHO_CONNS_MAX) {
            pthread_mutex_unlock(&e->mu);
            close(fd);
            continue;
        }
        c = &e->conns[e->n];
        c->e = e;
        c->fd = fd;
        c->got = malloc(ECHO_KEEP_MAX);
        assert_non_null(c->got);
        assert_int_equal(pthread_create(&c->thread, NULL, echo_conn_main, c), 0);
        e->n++;
        pthread_cond_broadcast(&e->cv);
        pthread_mutex_unlock(&e->mu);
    }
}

static int listen_loopback(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 128), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void echo_start(struct echo *e)
{
    memset(e, 0, sizeof *e);
    e->listen_fd = listen_loopback(&e->port);
    assert_int_equal(pipe(e->wake), 0);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    assert_int_equal(pthread_create(&e->thread, NULL, echo_main, e), 0);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Wait until connection i of the echo server has ended; return it. */
static struct echo_conn *echo_wait(struct echo *e, unsigned i)
{
    struct timespec until;
    struct echo_conn *c;

    deadline_in(&until, IO_TIMEOUT_MS);
    pthread_mutex_lock(&e->mu);
    while (e->n <= i || !e->conns[i].done)
        if (pthread_cond_timedwait(&e->cv, &e->mu, &until) == ETIMEDOUT)
            fail_msg("echo connection %u did not end", i);
    c = &e->conns[i];
    pthread_mutex_unlock(&e->mu);
    return c;
}

static void echo_stop(struct echo *e)
{
    assert_int_equal(write(e->wake[1], "x", 1), 1);
    pthread_join(e->thread, NULL);
    for (unsigned i = 0; i < e->n; i++) {
        pthread_join(e->conns[i].thread, NULL);
        free(e->conns[i].got);
    }
    close(e->listen_fd);
    close(e->wake[0]);
    close(e->wake[1]);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
}

/* ---- client ------------------------------------------------------------- */

static int connect_loopback(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

struct xfer {
    size_t sent;
    size_t got;
    int end; /* 0: EOF; else the errno that ended the stream */
};

/*
 * Send n bytes through a new connection to port, then half-close, reading
 * all the while until the stream ends. A refused send (the proxy cut the
 * connection) stops sending but not reading.
 */
static void exchange(int port, const uint8_t *out, size_t n, uint8_t *in, size_t cap,
                     struct xfer *x)
{
    int fd = connect_loopback(port), sending = 1, send_err = 0;
    struct timespec start, now;

    memset(x, 0, sizeof *x);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN | (sending ? POLLOUT : 0)};

        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000 > IO_TIMEOUT_MS)
            fail_msg("exchange did not end: sent %zu got %zu", x->sent, x->got);
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        if (sending && (pfd.revents & POLLOUT)) {
            ssize_t w = send(fd, out + x->sent, n - x->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                x->sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                sending = 0;
                send_err = errno;
            }
            if (x->sent == n) {
                shutdown(fd, SHUT_WR);
                sending = 0;
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r;
            assert_true(x->got < cap);
            r = recv(fd, in + x->got, cap - x->got, MSG_DONTWAIT);
            if (r > 0) {
                x->got += (size_t)r;
            } else if (r == 0) {
                x->end = reset_seen(send_err);
                break;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                x->end = errno;
                break;
            }
        }
    }
    close(fd);
}

/* ---- fixture ------------------------------------------------------------ */

struct fx {
    struct echo echo;
    struct cutproxy *proxy;
    uint8_t *out;
    uint8_t *in;
    /* Plan decisions, written on the proxy thread. */
    pthread_mutex_t mu;
    struct cutproxy_cut plan[PLAN_CONNS];
    uint64_t seed;
};

static void fill_random(uint8_t *buf, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        buf[i] = (uint8_t)seed;
    }
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    assert_non_null(f);
    echo_start(&f->echo);
    f->out = malloc(STREAM_LEN);
    f->in = malloc(STREAM_LEN + 1);
    assert_non_null(f->out);
    assert_non_null(f->in);
    fill_random(f->out, STREAM_LEN, 0x9e3779b97f4a7c15ull);
    pthread_mutex_init(&f->mu, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    cutproxy_stop(f->proxy);
    echo_stop(&f->echo);
    pthread_mutex_destroy(&f->mu);
    free(f->out);
    free(f->in);
    free(f);
    return 0;
}

static void start_proxy(struct fx *f, cutproxy_plan_fn plan)
{
    assert_int_equal(cutproxy_start(&f->proxy, f->echo.port, plan, f), 0);
    assert_true(cutproxy_port(f->proxy) > 0);
}

static void cut_next(struct fx *f, enum cutproxy_dir dir, uint64_t after, enum cutproxy_close how)
{
    struct cutproxy_cut cut = {.enabled = 1, .dir = dir, .after = after, .how = how};
    cutproxy_cut_next(f->proxy, &cut);
}

/* ---- tests -------------------------------------------------------------- */

static void test_passes_data_both_ways(void **state)
{
    struct fx *f = *state;
    struct cutproxy_stats st;
    struct xfer x;
    struct echo_conn *c;

    start_proxy(f, NULL);
    exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
    assert_int_equal(x.sent, STREAM_LEN);
    assert_int_equal(x.got, STREAM_LEN);
    assert_int_equal(x.end, 0);
    assert_memory_equal(f->in, f->out, STREAM_LEN);

    c = echo_wait(&f->echo, 0);
    assert_int_equal(c->total, STREAM_LEN);
    assert_int_equal(c->end, 0);

    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.bytes_c2s, STREAM_LEN);
    assert_int_equal(st.bytes_s2c, STREAM_LEN);
    assert_int_equal(st.cuts, 0);
    assert_int_equal(st.active, 0);
}

/* The server reads exactly N bytes of the client's stream, then EOF. */
static void test_cut_client_to_server_fin(void **state)
{
    static const uint64_t offsets[] = {0, 1, 4095, CUTPROXY_BUF, CUTPROXY_BUF + 1, 150001};
    struct fx *f = *state;
    struct cutproxy_stats st;
    struct xfer x;

    start_proxy(f, NULL);
    for (unsigned i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        struct echo_conn *c;

        cut_next(f, CUTPROXY_C2S, offsets[i], CUTPROXY_CLOSE_FIN);
        exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
        c = echo_wait(&f->echo, i);
        assert_int_equal(c->total, offsets[i]);
        assert_int_equal(c->end, 0);
        assert_memory_equal(c->got, f->out, offsets[i]);
        /* The client saw at most the echo of what got through. */
        assert_true(x.got <= offsets[i]);
        assert_memory_equal(f->in, f->out, x.got);
    }
    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.cuts, sizeof offsets / sizeof offsets[0]);
    assert_int_equal(st.connections, sizeof offsets / sizeof offsets[0]);
}

/* The same cut with a reset: N bytes, then ECONNRESET. */
static void test_cut_client_to_server_rst(void **state)
{
    struct fx *f = *state;
    struct echo_conn *c;
    struct xfer x;

    start_proxy(f, NULL);
    cut_next(f, CUTPROXY_C2S, 50000, CUTPROXY_CLOSE_RST);
    exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
    c = echo_wait(&f->echo, 0);
    assert_int_equal(c->total, 50000);
    assert_int_equal(c->end, ECONNRESET);
    assert_memory_equal(c->got, f->out, 50000);
    assert_true(x.end == ECONNRESET || x.end == 0);
}

/* The client reads exactly N bytes of the server's stream, then EOF or
 * ECONNRESET as asked. */
static void test_cut_server_to_client(void **state)
{
    static const uint64_t offsets[] = {0, 1, 777, 3 * CUTPROXY_BUF + 3, 199999};
    struct fx *f = *state;
    struct cutproxy_stats st;
    struct xfer x;
    unsigned n = 0;

    start_proxy(f, NULL);
    for (int how = CUTPROXY_CLOSE_FIN; how <= CUTPROXY_CLOSE_RST; how++) {
        for (unsigned i = 0; i < sizeof offsets / sizeof offsets[0]; i++, n++) {
            cut_next(f, CUTPROXY_S2C, offsets[i], (enum cutproxy_close)how);
            exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
            assert_int_equal(x.got, offsets[i]);
            assert_memory_equal(f->in, f->out, offsets[i]);
            assert_int_equal(x.end, how == CUTPROXY_CLOSE_FIN ? 0 : ECONNRESET);
            (void)echo_wait(&f->echo, n);
        }
    }
    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.cuts, n);
}

/* A "next cut" applies to one connection; the one after passes untouched. */
static void test_next_cut_is_one_shot(void **state)
{
    struct fx *f = *state;
    struct cutproxy_stats st;
    struct xfer x;

    start_proxy(f, NULL);
    cut_next(f, CUTPROXY_S2C, 10, CUTPROXY_CLOSE_RST);
    exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
    assert_int_equal(x.got, 10);
    exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
    assert_int_equal(x.got, STREAM_LEN);
    assert_int_equal(x.end, 0);
    assert_memory_equal(f->in, f->out, STREAM_LEN);

    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, 2);
    assert_int_equal(st.cuts, 1);
}

/* Random offsets, directions and close modes, every third connection left
 * alone: the shape a sync test uses. */
static void plan_random(void *arg, uint64_t index, struct cutproxy_cut *cut)
{
    struct fx *f = arg;

    if (index >= PLAN_CONNS || index % 3 == 2)
        return;
    cut->enabled = 1;
    cut->dir = (enum cutproxy_dir)(index % 2);
    cut->how = (enum cutproxy_close)((index / 2) % 2);
    cut->after = xorshift(&f->seed) % STREAM_LEN;
    pthread_mutex_lock(&f->mu);
    f->plan[index] = *cut;
    pthread_mutex_unlock(&f->mu);
}

static void test_plan_cuts_at_random_offsets(void **state)
{
    struct fx *f = *state;
    struct cutproxy_stats st;
    unsigned cuts = 0;

    f->seed = 0x2545f4914f6cdd1dull;
    start_proxy(f, plan_random);
    for (unsigned i = 0; i < PLAN_CONNS; i++) {
        struct cutproxy_cut cut;
        struct echo_conn *c;
        struct xfer x;

        exchange(cutproxy_port(f->proxy), f->out, STREAM_LEN, f->in, STREAM_LEN + 1, &x);
        c = echo_wait(&f->echo, i);
        pthread_mutex_lock(&f->mu);
        cut = f->plan[i];
        pthread_mutex_unlock(&f->mu);
        if (!cut.enabled) {
            assert_int_equal(x.got, STREAM_LEN);
            assert_int_equal(c->total, STREAM_LEN);
            assert_memory_equal(f->in, f->out, STREAM_LEN);
            continue;
        }
        cuts++;
        if (cut.dir == CUTPROXY_C2S) {
            assert_int_equal(c->total, cut.after);
            assert_int_equal(c->end, cut.how == CUTPROXY_CLOSE_FIN ? 0 : ECONNRESET);
            assert_memory_equal(c->got, f->out, cut.after);
        } else {
            assert_int_equal(x.got, cut.after);
            assert_int_equal(x.end, cut.how == CUTPROXY_CLOSE_FIN ? 0 : ECONNRESET);
            assert_memory_equal(f->in, f->out, cut.after);
        }
    }
    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, PLAN_CONNS);
    assert_int_equal(st.cuts, cuts);
}

/* Did a byte come back on fd within ms? */
static int echoed_within(int fd, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    uint8_t b;

    if (poll(&pfd, 1, ms) != 1)
        return 0;
    return recv(fd, &b, 1, 0) == 1;
}

/* Connection CUTPROXY_CONNS_MAX + 1 waits in the backlog until one closes. */
static void test_connection_cap(void **state)
{
    struct fx *f = *state;
    struct cutproxy_stats st;
    int fds[CUTPROXY_CONNS_MAX + 1];

    start_proxy(f, NULL);
    for (int i = 0; i < CUTPROXY_CONNS_MAX; i++) {
        fds[i] = connect_loopback(cutproxy_port(f->proxy));
        assert_int_equal(send(fds[i], "a", 1, MSG_NOSIGNAL), 1);
        assert_true(echoed_within(fds[i], IO_TIMEOUT_MS));
    }
    fds[CUTPROXY_CONNS_MAX] = connect_loopback(cutproxy_port(f->proxy));
    assert_int_equal(send(fds[CUTPROXY_CONNS_MAX], "b", 1, MSG_NOSIGNAL), 1);
    assert_false(echoed_within(fds[CUTPROXY_CONNS_MAX], 300));
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, CUTPROXY_CONNS_MAX);
    assert_int_equal(st.active, CUTPROXY_CONNS_MAX);

    close(fds[0]);
    assert_true(echoed_within(fds[CUTPROXY_CONNS_MAX], IO_TIMEOUT_MS));
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, CUTPROXY_CONNS_MAX + 1);
    for (int i = 1; i <= CUTPROXY_CONNS_MAX; i++)
        close(fds[i]);
    assert_int_equal(cutproxy_wait_idle(f->proxy, IO_TIMEOUT_MS), 0);
}

/* A target that is not listening: the client is reset, the proxy goes on. */
static void test_target_down_resets_client(void **state)
{
    struct fx *f = *state;
    struct cutproxy_stats st;
    struct xfer x;
    int port, fd = listen_loopback(&port);

    close(fd);
    assert_int_equal(cutproxy_start(&f->proxy, port, NULL, NULL), 0);
    exchange(cutproxy_port(f->proxy), f->out, 100, f->in, STREAM_LEN + 1, &x);
    assert_int_equal(x.got, 0);
    assert_int_equal(x.end, ECONNRESET);
    cutproxy_stats(f->proxy, &st);
    assert_int_equal(st.connections, 1);
    assert_int_equal(st.refused, 1);
}

/* Stopping with a connection open closes it and returns. */
static void test_stop_closes_open_connections(void **state)
{
    struct fx *f = *state;
    struct echo_conn *c;
    int fd;
    uint8_t b;

    start_proxy(f, NULL);
    fd = connect_loopback(cutproxy_port(f->proxy));
    assert_int_equal(send(fd, "a", 1, MSG_NOSIGNAL), 1);
    assert_true(echoed_within(fd, IO_TIMEOUT_MS));
    cutproxy_stop(f->proxy);
    f->proxy = NULL;
    assert_true(recv(fd, &b, 1, 0) <= 0);
    c = echo_wait(&f->echo, 0);
    assert_int_equal(c->total, 1);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_passes_data_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_client_to_server_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_client_to_server_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_server_to_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_cut_is_one_shot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_cuts_at_random_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_target_down_resets_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_closes_open_connections, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
