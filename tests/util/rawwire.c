/* SPDX-License-Identifier: MIT */
/*
 * Raw frames to a test tdktd and the daemon seen from outside (rawwire.h).
 */
#define _GNU_SOURCE
#include "rawwire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/wire/envelope.h"
#include "server/loop/stats.h"

int rw_dial(int port, const char *src)
{
    return rw_dial_buf(port, src, 0);
}

int rw_dial_buf(int port, const char *src, int sockbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};

    assert_true(fd >= 0);
    if (sockbuf > 0) {
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sockbuf, sizeof sockbuf), 0);
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sockbuf, sizeof sockbuf), 0);
    }
    if (src) {
        struct sockaddr_in from = {.sin_family = AF_INET};
        assert_int_equal(inet_pton(AF_INET, src, &from.sin_addr), 1);
        assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
    }
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

void rw_send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(rw_send_try(fd, p, n), 0);
}

int rw_send_try(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t r = send(fd, b, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        b += r;
        n -= (size_t)r;
    }
    return 0;
}

size_t rw_frame(const Tdkt__Envelope *env, uint8_t *buf, size_t cap)
{
    size_t n = tdkt__envelope__get_packed_size(env);
    assert_true(n + 4 <= cap);
    tdkt__envelope__pack(env, buf + 4);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    return n + 4;
}

void rw_send_env(int fd, const Tdkt__Envelope *env)
{
    uint8_t buf[4096];
    rw_send_all(fd, buf, rw_frame(env, buf, sizeof buf));
}

/* n bytes; 0 at EOF before the first byte. */
static int rw_recv_exact(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, TU_CLIENT_TIMEOUT_MS) <= 0)
            fail_msg("no answer from the daemon within %d ms", TU_CLIENT_TIMEOUT_MS);
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            fail_msg("recv: %s where a frame or a clean EOF was expected", strerror(errno));
        if (r == 0) {
            if (got > 0)
                fail_msg("EOF inside a frame");
            return 0;
        }
        got += (size_t)r;
    }
    return 1;
}

Tdkt__Envelope *rw_recv_env(int fd)
{
    uint8_t hdr[4], *body;
    if (!rw_recv_exact(fd, hdr, 4))
        return NULL;
    size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    assert_true(n > 0 && n <= 1024 * 1024);
    body = malloc(n);
    assert_non_null(body);
    assert_int_equal(rw_recv_exact(fd, body, n), 1);
    Tdkt__Envelope *env = tdkt__envelope__unpack(NULL, n, body);
    free(body);
    assert_non_null(env);
    return env;
}

void rw_env_init(Tdkt__Envelope *env, const uint8_t id[RW_ID_LEN])
{
    tdkt__envelope__init(env);
    env->version = PROTOCOL_VERSION;
    env->request_id.data = (uint8_t *)id;
    env->request_id.len = RW_ID_LEN;
}

void rw_send_hello(int fd, const uint8_t id[RW_ID_LEN], const char *unit)
{
    Tdkt__Envelope env;
    Tdkt__Hello h = TDKT__HELLO__INIT;
    h.min_version = h.max_version = PROTOCOL_VERSION;
    h.client_name = (char *)"rawwire";
    h.unit_code = (char *)unit;
    rw_env_init(&env, id);
    env.body_case = TDKT__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    rw_send_env(fd, &env);
}

void rw_handshake(int fd, const char *unit)
{
    static const uint8_t hid[RW_ID_LEN] = {0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    rw_send_hello(fd, hid, unit);
    Tdkt__Envelope *r = rw_recv_env(fd);
    assert_non_null(r);
    if (r->body_case != TDKT__ENVELOPE__BODY_WELCOME)
        fail_msg("Hello answered by body %d, not Welcome", (int)r->body_case);
    tdkt__envelope__free_unpacked(r, NULL);
}

int rw_dial_ready(int port, const char *src, const char *unit)
{
    int fd = rw_dial(port, src);
    rw_handshake(fd, unit);
    return fd;
}

void rw_send_bare(int fd, const uint8_t id[RW_ID_LEN], Tdkt__Envelope__BodyCase body)
{
    Tdkt__Envelope env;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    Tdkt__SyncPull sp = TDKT__SYNC_PULL__INIT;

    rw_env_init(&env, id);
    env.body_case = body;
    if (body == TDKT__ENVELOPE__BODY_STATUS)
        env.status = &sr;
    else if (body == TDKT__ENVELOPE__BODY_SYNC_PULL)
        env.sync_pull = &sp;
    else
        fail_msg("rw_send_bare: body %d has fields to fill", (int)body);
    rw_send_env(fd, &env);
}

uint64_t rw_status_ok(int fd)
{
    static const uint8_t sid[RW_ID_LEN] = {0x22, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    rw_send_bare(fd, sid, TDKT__ENVELOPE__BODY_STATUS);
    Tdkt__Envelope *r = rw_recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    assert_memory_equal(r->request_id.data, sid, RW_ID_LEN);
    uint64_t height = r->status_reply->ledger_height;
    tdkt__envelope__free_unpacked(r, NULL);
    return height;
}

void rw_make_id(uint8_t id[RW_ID_LEN], uint8_t tag, uint64_t i)
{
    memset(id, 0x5a, RW_ID_LEN);
    id[0] = tag;
    for (int k = 0; k < 8; k++)
        id[8 + k] = (uint8_t)(i >> (56 - 8 * k));
}

int64_t rw_id_number(const ProtobufCBinaryData *id, uint8_t tag)
{
    uint64_t i = 0;
    if (id->len != RW_ID_LEN || id->data[0] != tag)
        return -1;
    for (int k = 0; k < 8; k++)
        i = i << 8 | id->data[8 + k];
    return (int64_t)i;
}

void rw_note_put(int fd, const uint8_t id[RW_ID_LEN], const char *key, const char *text)
{
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;

    rw_env_init(&env, id);
    np.key = (char *)key;
    np.text = (char *)text;
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    size_t cap = tdkt__envelope__get_packed_size(&env) + 4;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    rw_send_all(fd, buf, rw_frame(&env, buf, cap));
    free(buf);
    Tdkt__Envelope *r = rw_recv_env(fd);
    assert_non_null(r);
    if (r->body_case != TDKT__ENVELOPE__BODY_RECEIPT)
        fail_msg("NotePut %s answered by body %d, not a Receipt", key, (int)r->body_case);
    assert_memory_equal(r->request_id.data, id, RW_ID_LEN);
    tdkt__envelope__free_unpacked(r, NULL);
}

unsigned long long rw_tcp_wmem_max(void)
{
    unsigned long long lo, def, max;
    FILE *fp = fopen(RW_WMEM_FILE, "r");
    int ok = fp && fscanf(fp, "%llu %llu %llu", &lo, &def, &max) == 3;
    if (fp)
        fclose(fp);
    return ok ? max : RW_WMEM_GUESS;
}

void rw_expect_error(Tdkt__Envelope *r, int code, const char *field, const uint8_t *id)
{
    static const uint8_t zero[RW_ID_LEN];
    if (!r)
        fail_msg("EOF where Error %s was expected", wire_error_name(code));
    if (r->body_case != TDKT__ENVELOPE__BODY_ERROR)
        fail_msg("body %d where Error %s was expected", (int)r->body_case, wire_error_name(code));
    if ((int)r->error->code != code)
        fail_msg("Error %s (%s) where %s was expected", wire_error_name(r->error->code),
                 r->error->message, wire_error_name(code));
    assert_string_equal(r->error->field, field);
    assert_int_equal(r->request_id.len, RW_ID_LEN);
    assert_memory_equal(r->request_id.data, id ? id : zero, RW_ID_LEN);
    tdkt__envelope__free_unpacked(r, NULL);
}

long rw_proc_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kb = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

json_t *rw_stats_load(const char *data)
{
    char path[TU_PATH_MAX];
    tu_path(path, sizeof path, "%s/%s", data, STATS_FILE);
    if (access(path, F_OK) != 0)
        return NULL;
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (!j)
        fail_msg("%s is not JSON: %s", path, jerr.text); /* it is renamed into place */
    return j;
}

unsigned long long rw_stats_num(json_t *j, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(j, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_is_integer(v) ? (unsigned long long)json_integer_value(v) : 0;
}

void rw_stats_wait(const struct tu_daemon *d, int (*ok)(json_t *j, void *arg), void *arg)
{
    uint64_t hang = tu_mono_ms() + TU_HANG_MS;
    for (;;) {
        json_t *j = rw_stats_load(d->data);
        int done = j && ok(j, arg);
        json_decref(j);
        if (done)
            return;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)d->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            si.si_pid == d->pid)
            fail_msg("tdktd exited before its counters showed what the test waits for; see %s",
                     d->log);
        if (tu_mono_ms() > hang)
            fail_msg("tdktd's counters never showed what the test waits for (a hang); see %s",
                     d->log);
        /* The watch is set up inside, after the check: a write in between
         * is caught by the 1 s re-check (the sweep writes at most once a
         * second anyway). */
        tu_wait_dir_change(d->data, 1000);
    }
}

int rw_log_count2(const struct tu_daemon *d, const char *a, const char *b)
{
    FILE *fp = fopen(d->log, "r");
    char line[4096];
    int count = 0;

    if (!fp)
        return 0;
    while (fgets(line, sizeof line, fp))
        count += strstr(line, a) && strstr(line, b);
    fclose(fp);
    return count;
}
