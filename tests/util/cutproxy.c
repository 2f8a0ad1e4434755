/* SPDX-License-Identifier: MIT */
/*
 * The loopback fault proxy (see cutproxy.h). One thread owns the listener,
 * every connection and its buffers; the test thread shares only the counters
 * and the armed "next cut", under p->mu. The proxy never reads more from the
 * source of a cut direction than the cut allows, so the bytes beyond the
 * offset are never forwarded, whatever the sender does.
 */
#include "cutproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#endif

#include "common/err.h"

#define CUTPROXY_BACKLOG     128
#define CUTPROXY_DISCARD_MAX 64 /* reads of leftover input before a FIN close */

/* One direction: bytes read from fd[d] waiting to be written to fd[!d]. */
struct cp_pipe {
    uint8_t buf[CUTPROXY_BUF];
    size_t off, len;
    uint64_t taken; /* read from the source */
    uint64_t fwd;   /* written to the destination */
    int eof;        /* the source sent FIN */
    int shut;       /* the FIN was passed on */
};

struct cp_conn {
    int fd[2];  /* [CUTPROXY_C2S] the client, [CUTPROXY_S2C] the server */
    int hup[2]; /* poll reported POLLHUP on fd[i] */
    struct cp_pipe pipe[2];
    struct cutproxy_cut cut;
};

struct cutproxy {
    pthread_t thread;
    int listen_fd;
    int wake[2]; /* a byte on wake[1] stops the thread */
    int port;
    int target_port;
    cutproxy_plan_fn plan;
    void *arg;
    /* Owned by the proxy thread. */
    struct cp_conn *conns[CUTPROXY_CONNS_MAX];
    unsigned nconns;
    /* Shared with the test thread. */
    pthread_mutex_t mu;
    pthread_cond_t idle;
    struct cutproxy_cut next;
    int next_armed;
    struct cutproxy_stats st;
};

static int fd_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void fd_close_reset(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Wait, at most CUTPROXY_DRAIN_MS, until the peer has acknowledged every byte
 * (and FIN) written to fd, so that a close cannot discard them. */
static void fd_wait_drained(int fd)
{
#ifdef SIOCOUTQ
    for (int ms = 0; ms < CUTPROXY_DRAIN_MS; ms++) {
        int queued = 0;
        if (ioctl(fd, SIOCOUTQ, &queued) < 0 || queued <= 0)
            return;
        poll(NULL, 0, 1);
    }
#else
    (void)fd;
    poll(NULL, 0, 50);
#endif
}

/* Read and drop what the peer has already sent: closing a socket with unread
 * input makes the kernel send RST instead of FIN. */
static void fd_discard_input(int fd)
{
    uint8_t scratch[4096];
    for (int i = 0; i < CUTPROXY_DISCARD_MAX; i++)
        if (recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) <= 0)
            return;
}

/* Close both sides without ceremony, mirroring a reset or ending a
 * connection whose both directions are done. */
static void conn_close(struct cp_conn *c, int reset)
{
    for (int s = 0; s < 2; s++) {
        if (reset)
            fd_close_reset(c->fd[s]);
        else
            close(c->fd[s]);
    }
    free(c);
}

/* The planned cut: make the forwarded bytes of cut.dir arrive, then close
 * both sides as asked. */
static void conn_cut(struct cp_conn *c)
{
    int dst = c->fd[!c->cut.dir];

    if (c->cut.how == CUTPROXY_CLOSE_RST) {
        fd_wait_drained(dst);
        fd_close_reset(c->fd[0]);
        fd_close_reset(c->fd[1]);
    } else {
        shutdown(c->fd[0], SHUT_WR);
        shutdown(c->fd[1], SHUT_WR);
        fd_wait_drained(dst);
        for (int s = 0; s < 2; s++) {
            fd_discard_input(c->fd[s]);
            close(c->fd[s]);
        }
    }
    free(c);
}

/* How many more bytes pipe d may read from its source. */
static size_t pipe_room(const struct cp_conn *c, int d)
{
    uint64_t left;
    if (!c->cut.enabled || (int)c->cut.dir != d)
        return CUTPROXY_BUF;
    left = c->cut.after - c->pipe[d].taken;
    return left < CUTPROXY_BUF ? (size_t)left : CUTPROXY_BUF;
}

static short conn_events(const struct cp_conn *c, int s)
{
    short ev = 0;
    const struct cp_pipe *in = &c->pipe[s], *out = &c->pipe[!s];

    if (in->len == 0 && !in->eof && pipe_room(c, s) > 0)
        ev |= POLLIN;
    if (out->len > 0)
        ev |= POLLOUT;
    return ev;
}

static int cut_due(const struct cp_conn *c)
{
    return c->cut.enabled && c->pipe[c->cut.dir].fwd == c->cut.after;
}

enum step { STEP_GOING, STEP_DONE, STEP_CUT, STEP_RESET };

/* Move what can move in both directions. */
static enum step conn_step(struct cutproxy *p, struct cp_conn *c, const struct pollfd pfd[2])
{
    for (int s = 0; s < 2; s++) {
        if (pfd[s].revents & POLLERR)
            return STEP_RESET;
        if (pfd[s].revents & POLLHUP)
            c->hup[s] = 1;
    }
    for (int d = 0; d < 2; d++) {
        struct cp_pipe *pp = &c->pipe[d];
        size_t room = pipe_room(c, d);
        ssize_t n;

        if ((pfd[d].revents & (POLLIN | POLLHUP)) && pp->len == 0 && !pp->eof && room > 0) {
            n = recv(c->fd[d], pp->buf, room, MSG_DONTWAIT);
            if (n > 0) {
                pp->off = 0;
                pp->len = (size_t)n;
                pp->taken += (uint64_t)n;
            } else if (n == 0) {
                pp->eof = 1;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return STEP_RESET;
            }
        }
        if (pp->len > 0) {
            n = send(c->fd[!d], pp->buf + pp->off, pp->len, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                pp->off += (size_t)n;
                pp->len -= (size_t)n;
                pp->fwd += (uint64_t)n;
                pthread_mutex_lock(&p->mu);
                if (d == CUTPROXY_C2S)
                    p->st.bytes_c2s += (uint64_t)n;
                else
                    p->st.bytes_s2c += (uint64_t)n;
                pthread_mutex_unlock(&p->mu);
            } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return STEP_RESET;
            }
        }
        if (pp->eof && pp->len == 0 && !pp->shut) {
            shutdown(c->fd[!d], SHUT_WR);
            pp->shut = 1;
        }
    }
    if (cut_due(c))
        return STEP_CUT;
    if (c->pipe[0].shut && c->pipe[1].shut)
        return STEP_DONE;
    return STEP_GOING;
}

static int connect_target(int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void conn_ended(struct cutproxy *p, enum step how)
{
    pthread_mutex_lock(&p->mu);
    if (how == STEP_CUT)
        p->st.cuts++;
    p->st.active--;
    if (p->st.active == 0)
        pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
}

static void proxy_accept(struct cutproxy *p)
{
    struct cp_conn *c;
    struct cutproxy_cut cut = {0};
    uint64_t index;
    int cfd, sfd, armed, one = 1;

    cfd = accept(p->listen_fd, NULL, NULL);
    if (cfd < 0)
        return;
    sfd = connect_target(p->target_port);
    if (sfd < 0) {
        /* Count before the reset: the client may look as soon as it sees it. */
        pthread_mutex_lock(&p->mu);
        p->st.connections++;
        p->st.refused++;
        pthread_mutex_unlock(&p->mu);
        fd_close_reset(cfd);
        return;
    }
    c = calloc(1, sizeof *c);
    if (!c || fd_nonblock_cloexec(cfd) < 0 || fd_nonblock_cloexec(sfd) < 0) {
        free(c);
        fd_close_reset(cfd);
        fd_close_reset(sfd);
        return;
    }
    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->fd[CUTPROXY_C2S] = cfd;
    c->fd[CUTPROXY_S2C] = sfd;

    pthread_mutex_lock(&p->mu);
    index = p->st.connections++;
    p->st.active++;
    armed = p->next_armed;
    if (armed)
        cut = p->next;
    p->next_armed = 0;
    pthread_mutex_unlock(&p->mu);
    if (!armed && p->plan)
        p->plan(p->arg, index, &cut);
    if (cut.dir != CUTPROXY_C2S && cut.dir != CUTPROXY_S2C)
        cut.enabled = 0;
    c->cut = cut;

    if (cut_due(c)) {
        conn_cut(c);
        conn_ended(p, STEP_CUT);
        return;
    }
    p->conns[p->nconns++] = c;
}

static void *proxy_main(void *arg)
{
    struct cutproxy *p = arg;
    struct pollfd pfd[2 + 2 * CUTPROXY_CONNS_MAX];

    for (;;) {
        unsigned n = p->nconns;

        pfd[0] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
        pfd[1] =
            (struct pollfd){.fd = n < CUTPROXY_CONNS_MAX ? p->listen_fd : -1, .events = POLLIN};
        for (unsigned i = 0; i < n; i++) {
            for (int s = 0; s < 2; s++) {
                struct pollfd *q = &pfd[2 + 2 * i + (unsigned)s];
                const struct cp_conn *c = p->conns[i];
                q->events = conn_events(c, s);
                /* A hung-up socket we want nothing from would wake poll
                 * forever. */
                q->fd = (c->hup[s] && q->events == 0) ? -1 : c->fd[s];
                q->revents = 0;
            }
        }
        if (poll(pfd, 2 + 2 * n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[0].revents)
            break;
        for (unsigned i = n; i-- > 0;) {
            struct cp_conn *c = p->conns[i];
            enum step st = conn_step(p, c, &pfd[2 + 2 * i]);

            if (st == STEP_GOING)
                continue;
            if (st == STEP_CUT)
                conn_cut(c);
            else
                conn_close(c, st == STEP_RESET);
            /* Keep the order of the others: i's pollfds are not read again. */
            memmove(&p->conns[i], &p->conns[i + 1], (p->nconns - i - 1) * sizeof p->conns[0]);
            p->nconns--;
            conn_ended(p, st);
        }
        if (pfd[1].revents & POLLIN)
            proxy_accept(p);
    }
    while (p->nconns > 0) {
        conn_close(p->conns[--p->nconns], 0);
        conn_ended(p, STEP_DONE);
    }
    return NULL;
}

int cutproxy_start(struct cutproxy **out, int target_port, cutproxy_plan_fn plan, void *arg)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof sa;
    struct cutproxy *p;
    int one = 1, rc = TDKT_EIO;

    *out = NULL;
    p = calloc(1, sizeof *p);
    if (!p)
        return TDKT_ENOMEM;
    p->listen_fd = p->wake[0] = p->wake[1] = -1;
    p->target_port = target_port;
    p->plan = plan;
    p->arg = arg;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->idle, NULL);

    if (pipe(p->wake) < 0)
        goto out;
    p->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (p->listen_fd < 0)
        goto out;
    setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(p->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(p->listen_fd, CUTPROXY_BACKLOG) < 0 ||
        getsockname(p->listen_fd, (struct sockaddr *)&sa, &salen) < 0 ||
        fd_nonblock_cloexec(p->listen_fd) < 0)
        goto out;
    p->port = ntohs(sa.sin_port);
    if (pthread_create(&p->thread, NULL, proxy_main, p) != 0)
        goto out;
    *out = p;
    return 0;
out:
    if (p->listen_fd >= 0)
        close(p->listen_fd);
    if (p->wake[0] >= 0) {
        close(p->wake[0]);
        close(p->wake[1]);
    }
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}

int cutproxy_port(const struct cutproxy *p)
{
    return p->port;
}

void cutproxy_cut_next(struct cutproxy *p, const struct cutproxy_cut *cut)
{
    pthread_mutex_lock(&p->mu);
    p->next = *cut;
    p->next_armed = 1;
    pthread_mutex_unlock(&p->mu);
}

void cutproxy_stats(struct cutproxy *p, struct cutproxy_stats *st)
{
    pthread_mutex_lock(&p->mu);
    *st = p->st;
    pthread_mutex_unlock(&p->mu);
}

int cutproxy_wait_idle(struct cutproxy *p, int timeout_ms)
{
    struct timespec until;
    int rc = 0;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (p->st.active > 0 && rc == 0)
        if (pthread_cond_timedwait(&p->idle, &p->mu, &until) == ETIMEDOUT)
            rc = p->st.active > 0 ? TDKT_ETIMEDOUT : 0;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void cutproxy_stop(struct cutproxy *p)
{
    if (!p)
        return;
    while (write(p->wake[1], "x", 1) < 0 && errno == EINTR)
        ;
    pthread_join(p->thread, NULL);
    close(p->listen_fd);
    close(p->wake[0]);
    close(p->wake[1]);
    pthread_cond_destroy(&p->idle);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
