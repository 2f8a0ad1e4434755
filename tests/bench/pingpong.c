/* SPDX-License-Identifier: MIT */
/*
 * tdkt-bench-pingpong: the plain TCP reference for the read-only scenario.
 * One process, two threads, one loopback TCP connection with TCP_NODELAY:
 * the client writes a REQ-byte message and waits for a REPLY-byte answer,
 * back to back, as tdkt-bench's status scenario does with a StatusRequest
 * and its StatusReply; the server thread reads exactly REQ bytes and writes
 * REPLY bytes. No TLS, no framing, no protobuf, no work: the floor of a
 * request/response over the loopback on this machine.
 *
 * Errors follow common/err.h (0 or a negative TDKT_E* code); a socket error
 * ends the run with its errno text. Output: a report and one "RESULT" line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "common/err.h"

#define PP_MSG_MAX     65536
#define PP_SECONDS_MAX 600
#define PP_SAMPLES_MAX (16u << 20)

struct pp {
    int lfd, req, reply;
};

static int io_full(int fd, uint8_t *buf, size_t len, int writing)
{
    size_t at = 0;
    while (at < len) {
        ssize_t n =
            writing ? send(fd, buf + at, len - at, MSG_NOSIGNAL) : recv(fd, buf + at, len - at, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return TDKT_ECLOSED;
        if (n < 0)
            return TDKT_EIO;
        at += (size_t)n;
    }
    return 0;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Answer every REQ-byte message with REPLY bytes until the client leaves. */
static void *server_main(void *arg)
{
    struct pp *p = arg;
    static uint8_t in[PP_MSG_MAX], out[PP_MSG_MAX];
    int fd = accept(p->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    nodelay(fd);
    while (io_full(fd, in, (size_t)p->req, 0) == 0 && io_full(fd, out, (size_t)p->reply, 1) == 0)
        ;
    close(fd);
    return NULL;
}

static int run(struct pp *p, int seconds)
{
    static uint8_t out[PP_MSG_MAX], in[PP_MSG_MAX];
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof a;
    pthread_t th;
    uint32_t *lat = malloc(PP_SAMPLES_MAX * sizeof *lat);
    size_t nlat = 0;
    uint64_t n = 0;
    int fd = -1, rc = 0;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (!lat || p->lfd < 0 || bind(p->lfd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(p->lfd, 1) < 0 || getsockname(p->lfd, (struct sockaddr *)&a, &alen) < 0) {
        rc = TDKT_EIO;
        goto out;
    }
    if (pthread_create(&th, NULL, server_main, p) != 0) {
        rc = TDKT_ENOMEM;
        goto out;
    }
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        rc = TDKT_EIO;
    if (rc == 0)
        nodelay(fd);
    int64_t t0 = bench_mono_us(), end = t0 + (int64_t)seconds * 1000000;
    while (rc == 0 && bench_mono_us() < end) {
        int64_t s = bench_mono_us();
        out[0] = (uint8_t)n;
        rc = io_full(fd, out, (size_t)p->req, 1);
        if (rc == 0)
            rc = io_full(fd, in, (size_t)p->reply, 0);
        if (rc == 0 && nlat < PP_SAMPLES_MAX)
            lat[nlat++] = (uint32_t)(bench_mono_us() - s);
        n += rc == 0;
    }
    double secs = (double)(bench_mono_us() - t0) / 1e6;
    if (fd >= 0)
        shutdown(fd, SHUT_WR);
    pthread_join(th, NULL);
    if (rc == 0) {
        bench_sort_us(lat, nlat);
        printf("ping-pong: %d-byte request, %d-byte reply, one loopback TCP connection\n", p->req,
               p->reply);
        printf("  completed   %" PRIu64 " round trips in %.2f s: %.1f/s\n", n, secs,
               (double)n / secs);
        printf("  latency ms  p50 %.3f  p99 %.3f  max %.3f\n", bench_pct_ms(lat, nlat, 50),
               bench_pct_ms(lat, nlat, 99), nlat ? lat[nlat - 1] / 1000.0 : 0);
        printf("RESULT scenario=pingpong req_bytes=%d reply_bytes=%d seconds=%.3f ok=%" PRIu64
               " rps=%.1f p50_ms=%.3f p99_ms=%.3f\n",
               p->req, p->reply, secs, n, (double)n / secs, bench_pct_ms(lat, nlat, 50),
               bench_pct_ms(lat, nlat, 99));
    }
out:
    if (fd >= 0)
        close(fd);
    if (p->lfd >= 0)
        close(p->lfd);
    free(lat);
    return rc;
}

int main(int argc, char **argv)
{
    struct pp p = {.lfd = -1};
    int seconds;

    if (argc != 4 || bench_parse_int(argv[1], 1, PP_MSG_MAX, &p.req) < 0 ||
        bench_parse_int(argv[2], 1, PP_MSG_MAX, &p.reply) < 0 ||
        bench_parse_int(argv[3], 1, PP_SECONDS_MAX, &seconds) < 0) {
        fprintf(stderr, "usage: tdkt-bench-pingpong REQ_BYTES REPLY_BYTES SECONDS\n");
        return 2;
    }
    int rc = run(&p, seconds);
    if (rc < 0) {
        fprintf(stderr, "tdkt-bench-pingpong: error %d: %s\n", rc, strerror(errno));
        return 1;
    }
    return 0;
}
