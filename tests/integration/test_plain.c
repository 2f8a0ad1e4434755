/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol as an independent client sees it: raw sockets and
 * protobuf-c against the real tdktd on a plain-TCP loopback test listener
 * (the framing and message rules are the same as over TLS). Checks the
 * pre-authentication frame limit, requests before Hello, version
 * negotiation, the all-zero request id, strings with a NUL byte, a retry
 * pipelined into the same write batch as its original, and that a plain
 * listener refuses to bind beyond loopback.
 */
#include "util/testutil.h"

#include "common/crypto/merkle.h"
#include "common/wire/envelope.h"
#include "common/wire/utf8.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/tdkt.pb-c.h"

struct fixture {
    char dir[TU_PATH_MAX];
    struct tu_daemon d;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char out[TU_OUT_MAX], data[TU_PATH_MAX];
    tu_mkdtemp(f->dir);
    tu_path(data, sizeof data, "%s/data", f->dir);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "init", "--data", data, NULL), 0);
    assert_int_equal(tu_runf(out, sizeof out, TDKTD_BIN, "unit", "add", "--data", data, "--code",
                             "VKSCC2", "--name", "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng",
                             "--role", "regional", NULL),
                     0);
    tu_daemon_start(&f->d, data, NULL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(tu_daemon_stop(&f->d, SIGTERM), 0);
    tu_rm_rf(f->dir);
    free(f);
    return 0;
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void send_env(int fd, const Tdkt__Envelope *env)
{
    uint8_t buf[4096];
    size_t n = tdkt__envelope__pack(env, buf + 4);
    buf[0] = (uint8_t)(n >> 24);
    buf[1] = (uint8_t)(n >> 16);
    buf[2] = (uint8_t)(n >> 8);
    buf[3] = (uint8_t)n;
    send_all(fd, buf, n + 4);
}

static int recv_exact(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, TU_CLIENT_TIMEOUT_MS) <= 0) /* a hang detector */
            return -1;
        ssize_t r = recv(fd, p + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Read one frame and decode it; NULL on EOF. */
static Tdkt__Envelope *recv_env(int fd)
{
    uint8_t hdr[4], *body;
    if (recv_exact(fd, hdr, 4) < 0)
        return NULL;
    size_t n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    assert_true(n > 0 && n <= 1024 * 1024);
    body = malloc(n);
    assert_int_equal(recv_exact(fd, body, n), 0);
    Tdkt__Envelope *env = tdkt__envelope__unpack(NULL, n, body);
    free(body);
    assert_non_null(env);
    return env;
}

static void expect_error_and_eof(int fd, int code)
{
    Tdkt__Envelope *env = recv_env(fd);
    assert_non_null(env);
    assert_int_equal(env->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(env->error->code, code);
    assert_true(strlen(env->error->message) > 0);
    tdkt__envelope__free_unpacked(env, NULL);
    assert_null(recv_env(fd));
}

static uint8_t rid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static void hello_env(Tdkt__Envelope *env, Tdkt__Hello *h, uint32_t min, uint32_t max)
{
    tdkt__envelope__init(env);
    tdkt__hello__init(h);
    h->min_version = min;
    h->max_version = max;
    h->client_name = (char *)"independent";
    h->unit_code = (char *)"VKSCC2";
    env->version = max;
    env->request_id.data = rid;
    env->request_id.len = 16;
    env->body_case = TDKT__ENVELOPE__BODY_HELLO;
    env->hello = h;
}

static void send_status_id(int fd, const uint8_t *id)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    env.version = PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)id;
    env.request_id.len = 16;
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &sr;
    send_env(fd, &env);
}

static void send_status(int fd)
{
    send_status_id(fd, rid);
}

/* Dial and complete the handshake as VKSCC2. */
static int dial_ready(int port)
{
    Tdkt__Envelope env, *r;
    Tdkt__Hello h;
    int fd = dial(port);

    hello_env(&env, &h, PROTOCOL_VERSION, PROTOCOL_VERSION);
    send_env(fd, &env);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_WELCOME);
    tdkt__envelope__free_unpacked(r, NULL);
    return fd;
}

static const uint8_t zero_rid[16];

/* Expect INVALID_ARGUMENT for request_id, answered with the zero id, then EOF. */
static void expect_zero_id_refusal(int fd)
{
    Tdkt__Envelope *r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_string_equal(r->error->field, "request_id");
    assert_non_null(strstr(r->error->message, "all zeros"));
    assert_memory_equal(r->request_id.data, zero_rid, 16);
    tdkt__envelope__free_unpacked(r, NULL);
    assert_null(recv_env(fd));
}

static void test_zero_request_id_refused(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env;
    Tdkt__Hello h;

    /* Not even the Hello may use the zero id. */
    int fd = dial(f->d.port);
    hello_env(&env, &h, PROTOCOL_VERSION, PROTOCOL_VERSION);
    env.request_id.data = (uint8_t *)zero_rid;
    send_env(fd, &env);
    expect_zero_id_refusal(fd);
    close(fd);

    /* Nor a request after Welcome; the reply could not be told from a
     * stream error, so the connection closes. */
    fd = dial_ready(f->d.port);
    send_status_id(fd, zero_rid);
    expect_zero_id_refusal(fd);
    close(fd);

    /* Nor an Error, the one body whose zero id a server sends. */
    fd = dial_ready(f->d.port);
    Tdkt__Envelope e = TDKT__ENVELOPE__INIT;
    Tdkt__Error err = TDKT__ERROR__INIT;
    e.version = PROTOCOL_VERSION;
    e.request_id.data = (uint8_t *)zero_rid;
    e.request_id.len = 16;
    e.body_case = TDKT__ENVELOPE__BODY_ERROR;
    e.error = &err;
    err.code = TDKT__ERROR_CODE__ERROR_CODE_INTERNAL;
    err.message = (char *)"an error from a client";
    send_env(fd, &e);
    expect_zero_id_refusal(fd);
    close(fd);

    /* The server is unaffected. */
    fd = dial_ready(f->d.port);
    send_status(fd);
    Tdkt__Envelope *r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

static void test_embedded_nul_refused(void **state)
{
    struct fixture *f = *state;
    static const uint8_t put_id[16] = {0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *r;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    uint8_t buf[256];
    int fd = dial_ready(f->d.port);

    /* key "a\0b": protobuf-c would unpack it as "a" and the write would be
     * stored under the wrong key. protobuf-c cannot pack it, so '~' is
     * patched into a 0x00 byte. */
    env.version = PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)put_id;
    env.request_id.len = 16;
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    np.key = (char *)"a~b";
    np.text = (char *)"x";
    size_t n = tdkt__envelope__pack(&env, buf + 4);
    uint8_t *mark = memchr(buf + 4, '~', n);
    assert_non_null(mark);
    *mark = 0x00;
    buf[0] = buf[1] = buf[2] = 0;
    buf[3] = (uint8_t)n;
    send_all(fd, buf, n + 4);

    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_string_equal(r->error->field, "note_put.key");
    assert_memory_equal(r->request_id.data, put_id, 16);
    tdkt__envelope__free_unpacked(r, NULL);

    /* Answered by its id: the connection stays, and nothing was written. */
    send_status(fd);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    assert_int_equal(r->status_reply->ledger_height, 1);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

/*
 * Each write is sent twice with one id, back to back, all in one TCP write:
 * most pairs land in the same database batch, where the retry runs before
 * its original's receipt has its signed head (the head is signed once per
 * batch, at its end). Every pair must get one receipt: the same entry, the
 * same head and a proof that holds, the retry marked replayed, and the
 * ledger must hold each note once.
 */
#define PAIRS 40
static void test_retry_in_same_batch(void **state)
{
    struct fixture *f = *state;
    static uint8_t frames[2 * PAIRS * 128];
    uint8_t ids[PAIRS][16];
    char text[PAIRS][16];
    Tdkt__Envelope *replies[2 * PAIRS];
    size_t off = 0;
    int fd = dial_ready(f->d.port);

    for (int i = 0; i < PAIRS; i++) {
        Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
        Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
        memset(ids[i], 0x5a, 16);
        ids[i][15] = (uint8_t)(i + 1);
        snprintf(text[i], sizeof text[i], "note %d", i);
        env.version = PROTOCOL_VERSION;
        env.request_id.data = ids[i];
        env.request_id.len = 16;
        env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
        env.note_put = &np;
        np.key = text[i];
        np.text = text[i];
        for (int twice = 0; twice < 2; twice++) {
            size_t n = tdkt__envelope__pack(&env, frames + off + 4);
            assert_true(n < 124);
            frames[off] = frames[off + 1] = frames[off + 2] = 0;
            frames[off + 3] = (uint8_t)n;
            off += n + 4;
        }
    }
    send_all(fd, frames, off);
    for (int k = 0; k < 2 * PAIRS; k++) {
        replies[k] = recv_env(fd);
        assert_non_null(replies[k]);
        assert_int_equal(replies[k]->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    }
    for (int i = 0; i < PAIRS; i++) {
        Tdkt__WriteReceipt *a = NULL, *b = NULL;
        int replayed = 0;
        for (int k = 0; k < 2 * PAIRS; k++) {
            if (memcmp(replies[k]->request_id.data, ids[i], 16) != 0)
                continue;
            if (!a)
                a = replies[k]->receipt;
            else {
                assert_null(b);
                b = replies[k]->receipt;
            }
            replayed += replies[k]->receipt->replayed;
        }
        assert_non_null(a);
        assert_non_null(b);
        assert_int_equal(replayed, 1);
        assert_int_equal(a->seq, b->seq);
        assert_memory_equal(a->entry_hash.data, b->entry_hash.data, MERKLE_HASH_LEN);
        assert_non_null(a->head);
        assert_non_null(b->head);
        assert_int_equal(a->head->size, b->head->size);
        assert_memory_equal(a->head->root.data, b->head->root.data, MERKLE_HASH_LEN);
        assert_memory_equal(a->head->signature.data, b->head->signature.data,
                            b->head->signature.len);
        assert_int_equal(a->n_inclusion, b->n_inclusion);
        assert_true(a->seq >= 2 && a->seq <= a->head->size);
        uint8_t path[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
        assert_true(a->n_inclusion <= MERKLE_PROOF_MAX);
        for (size_t j = 0; j < a->n_inclusion; j++) {
            assert_int_equal(a->inclusion[j].len, MERKLE_HASH_LEN);
            memcpy(path[j], a->inclusion[j].data, MERKLE_HASH_LEN);
            assert_memory_equal(b->inclusion[j].data, path[j], MERKLE_HASH_LEN);
        }
        assert_int_equal(merkle_verify_inclusion(a->seq - 1, a->head->size, a->entry_hash.data,
                                                 (const uint8_t(*)[MERKLE_HASH_LEN])path,
                                                 a->n_inclusion, a->head->root.data),
                         0);
    }
    for (int k = 0; k < 2 * PAIRS; k++)
        tdkt__envelope__free_unpacked(replies[k], NULL);

    /* Each note once: the genesis entry and PAIRS notes. */
    send_status(fd);
    Tdkt__Envelope *r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    assert_int_equal(r->status_reply->ledger_height, 1 + PAIRS);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

static void test_handshake_and_status(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env, *r;
    Tdkt__Hello h;
    int fd = dial(f->d.port);

    hello_env(&env, &h, PROTOCOL_VERSION_MIN, 7);
    send_env(fd, &env);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_WELCOME);
    assert_int_equal(r->welcome->version, PROTOCOL_VERSION); /* highest in common */
    assert_string_equal(r->welcome->unit->code, "VKSCC2");
    assert_int_equal(r->welcome->max_frame, 1024 * 1024);
    assert_memory_equal(r->request_id.data, rid, 16);
    tdkt__envelope__free_unpacked(r, NULL);

    send_status(fd);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    assert_int_equal(r->status_reply->ledger_height, 1);
    assert_int_equal(r->status_reply->head_hash.len, 32);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

static void test_preauth_frame_limit(void **state)
{
    struct fixture *f = *state;
    int fd = dial(f->d.port);
    /* 16 KiB + 1 before Hello: refused from the header alone. */
    uint8_t hdr[4] = {0, 0, 0x40, 0x01};
    send_all(fd, hdr, 4);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE);
    close(fd);
}

static void test_request_before_hello(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    int fd = dial(f->d.port);
    env.version = PROTOCOL_VERSION;
    env.request_id.data = rid;
    env.request_id.len = 16;
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &sr;
    send_env(fd, &env);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED);
    close(fd);
}

static void test_no_common_version(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env;
    Tdkt__Hello h;
    int fd = dial(f->d.port);
    hello_env(&env, &h, PROTOCOL_VERSION + 1, 9);
    send_env(fd, &env);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_UNSUPPORTED_VERSION);
    close(fd);
}

static void test_unknown_unit(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env;
    Tdkt__Hello h;
    int fd = dial(f->d.port);
    hello_env(&env, &h, PROTOCOL_VERSION, PROTOCOL_VERSION);
    h.unit_code = (char *)"NOSUCH";
    send_env(fd, &env);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT);
    close(fd);
}

static void test_truncated_frame_then_close_keeps_server(void **state)
{
    struct fixture *f = *state;
    /* A peer that vanishes mid-frame must not disturb the daemon. */
    for (int i = 0; i < 20; i++) {
        int fd = dial(f->d.port);
        uint8_t part[6] = {0, 0, 0, 50, 0x08, 0x01};
        send_all(fd, part, sizeof part);
        close(fd);
    }
    test_handshake_and_status(state);
}

static void test_unknown_request_type_keeps_connection(void **state)
{
    struct fixture *f = *state;
    Tdkt__Envelope env, *r;
    Tdkt__Hello h;
    int fd = dial(f->d.port);

    hello_env(&env, &h, PROTOCOL_VERSION, PROTOCOL_VERSION);
    send_env(fd, &env);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_WELCOME);
    tdkt__envelope__free_unpacked(r, NULL);

    /* The bytes of docs/protocol.md §15.5: version 2, request_id, then
     * field 999 (a future request type). */
    uint8_t frame[4 + 2 + 18 + 4] = {0, 0, 0, 24, 0x08, 0x02, 0x12, 0x10};
    memcpy(frame + 8, rid, 16);
    frame[24] = 0xba; /* tag (999 << 3 | 2) as varint: 0xba 0x3e */
    frame[25] = 0x3e;
    frame[26] = 0x00; /* empty length-delimited value */
    frame[3] = 23;
    send_all(fd, frame, 4 + 23);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE);
    assert_string_equal(r->error->field, "body");
    assert_memory_equal(r->request_id.data, rid, 16);
    tdkt__envelope__free_unpacked(r, NULL);

    /* The connection is still served. */
    send_status(fd);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

static void test_plain_refuses_non_loopback(void **state)
{
    struct fixture *f = *state;
    char out[TU_OUT_MAX];
    int rc = tu_runf(out, sizeof out, TDKTD_BIN, "serve", "--data", f->d.data, "--listen",
                     "0.0.0.0:0", "--plain", NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "loopback"));
}

/* Give m one unknown length-delimited field with len bytes of content, built
 * in data (len + 4 bytes): protobuf-c keeps such a field with its length
 * prefix. */
static void add_unknown_field(ProtobufCMessage *m, ProtobufCMessageUnknownField *u, uint8_t *data,
                              size_t len, uint32_t tag)
{
    size_t v = len, k = 0;
    while (v >= 0x80) {
        data[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    data[k++] = (uint8_t)v;
    memset(data + k, 'u', len);
    u->tag = tag;
    u->wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
    u->len = k + len;
    u->data = data;
    m->n_unknown_fields = 1;
    m->unknown_fields = u;
}

static Tdkt__Envelope *put_note_with_unknown(int fd, const uint8_t *id, size_t unknown_len)
{
    static uint8_t data[200 * 1024];
    static uint8_t frame[256 * 1024];
    ProtobufCMessageUnknownField u;
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;

    assert_true(unknown_len + 4 <= sizeof data);
    env.version = PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)id;
    env.request_id.len = 16;
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    np.key = (char *)"lịch họp";
    np.text = (char *)"Họp cụm thi đua ngày 15/01/2022";
    if (unknown_len)
        add_unknown_field(&np.base, &u, data, unknown_len, 1000);
    size_t n = tdkt__envelope__get_packed_size(&env);
    assert_true(n + 4 <= sizeof frame);
    tdkt__envelope__pack(&env, frame + 4);
    frame[0] = (uint8_t)(n >> 24);
    frame[1] = (uint8_t)(n >> 16);
    frame[2] = (uint8_t)(n >> 8);
    frame[3] = (uint8_t)n;
    send_all(fd, frame, n + 4);
    Tdkt__Envelope *r = recv_env(fd);
    assert_non_null(r);
    return r;
}

/* The stored payload of ledger entry seq, its length. */
static size_t stored_payload_len(const struct fixture *f, uint64_t seq)
{
    char path[TU_PATH_MAX];
    sqlite3 *db;
    sqlite3_stmt *st;
    tu_path(path, sizeof path, "%s/data/ledger.db", f->dir);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT length(payload) FROM ledger WHERE seq = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    size_t n = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Issue 13: an unknown field is neither stored nor hashed. A NotePut with a
 * 100 kB unknown field is stored as the re-encoding of its key and text, and
 * the same put with another unknown field (or none) is a replay of it. */
static void test_unknown_fields_not_stored(void **state)
{
    struct fixture *f = *state;
    static const uint8_t id[16] = {0x13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int fd = dial_ready(f->d.port);

    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    np.key = (char *)"lịch họp";
    np.text = (char *)"Họp cụm thi đua ngày 15/01/2022";
    size_t canonical = tdkt__note_put__get_packed_size(&np);

    Tdkt__Envelope *r = put_note_with_unknown(fd, id, 100 * 1000);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    assert_false(r->receipt->replayed);
    uint64_t seq = r->receipt->seq;
    tdkt__envelope__free_unpacked(r, NULL);
    assert_int_equal(stored_payload_len(f, seq), canonical);

    r = put_note_with_unknown(fd, id, 10);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    assert_true(r->receipt->replayed);
    assert_int_equal(r->receipt->seq, seq);
    tdkt__envelope__free_unpacked(r, NULL);
    r = put_note_with_unknown(fd, id, 0);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    assert_true(r->receipt->replayed);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

/* The requests that take an id, as test_error_messages_are_utf8 and
 * test_ids_checked_before_lookup send them. */
#define ID_REQUESTS 5
static const char *const id_request_fields[ID_REQUESTS] = {
    "submission_get.submission_id", "review_step.submission_id", "ballot_action.ballot_id",
    "ballot_get.ballot_id", "history_get.person_id"};

/* Send request kind (0 .. ID_REQUESTS - 1) naming id, with the request id
 * tag, 0, ...; return its reply. */
static Tdkt__Envelope *id_request(int fd, int kind, const char *id, uint8_t tag)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT, *r;
    Tdkt__SubmissionGet sg = TDKT__SUBMISSION_GET__INIT;
    Tdkt__ReviewStep rs = TDKT__REVIEW_STEP__INIT;
    Tdkt__BallotAction ba = TDKT__BALLOT_ACTION__INIT;
    Tdkt__BallotGet bg = TDKT__BALLOT_GET__INIT;
    Tdkt__HistoryGet hg = TDKT__HISTORY_GET__INIT;
    uint8_t rid_k[16] = {tag, (uint8_t)kind, 1};

    env.version = PROTOCOL_VERSION;
    env.request_id.data = rid_k;
    env.request_id.len = 16;
    sg.submission_id = rs.submission_id = ba.ballot_id = bg.ballot_id = hg.person_id = (char *)id;
    rs.action = TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE;
    ba.step = TDKT__BALLOT_STEP__BALLOT_STEP_SEAL;
    switch (kind) {
    case 0:
        env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_GET;
        env.submission_get = &sg;
        break;
    case 1:
        env.body_case = TDKT__ENVELOPE__BODY_REVIEW_STEP;
        env.review_step = &rs;
        break;
    case 2:
        env.body_case = TDKT__ENVELOPE__BODY_BALLOT_ACTION;
        env.ballot_action = &ba;
        break;
    case 3:
        env.body_case = TDKT__ENVELOPE__BODY_BALLOT_GET;
        env.ballot_get = &bg;
        break;
    default:
        env.body_case = TDKT__ENVELOPE__BODY_HISTORY_GET;
        env.history_get = &hg;
        break;
    }
    send_env(fd, &env);
    r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    return r;
}

/* Issue 13: a NOT_FOUND quoting a long id of 4-byte characters is cut on a
 * character boundary, for every request that quotes its id. */
static void test_error_messages_are_utf8(void **state)
{
    struct fixture *f = *state;
    char id[4 * 49 + 1] = "";
    int fd = dial_ready(f->d.port);

    for (int i = 0; i < 49; i++)
        strcat(id, "\xF0\x9F\x98\x80");
    for (int kind = 0; kind < ID_REQUESTS; kind++) {
        Tdkt__Envelope *r = id_request(fd, kind, id, 0x14);
        if (utf8_validate((const uint8_t *)r->error->message, strlen(r->error->message)) != 0 ||
            utf8_validate((const uint8_t *)r->error->field, strlen(r->error->field)) != 0)
            fail_msg("request %d: the error is not UTF-8: %s", kind, r->error->message);
        assert_true(strlen(r->error->message) > 0);
        tdkt__envelope__free_unpacked(r, NULL);
    }
    close(fd);
}

/* Issue 13, documented behaviour (§5, §6.2): an unknown body as the first
 * frame is not a Hello: UNAUTHENTICATED with its id, field body, then close. */
static void test_unknown_body_first_is_unauthenticated(void **state)
{
    struct fixture *f = *state;
    int fd = dial(f->d.port);

    uint8_t frame[4 + 23] = {0, 0, 0, 23, 0x08, 0x02, 0x12, 0x10};
    memcpy(frame + 8, rid, 16);
    frame[24] = 0xba; /* field 999, length-delimited: a future request type */
    frame[25] = 0x3e;
    frame[26] = 0x00;
    send_all(fd, frame, sizeof frame);
    Tdkt__Envelope *r = recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(r->error->code, TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED);
    assert_string_equal(r->error->field, "body");
    assert_memory_equal(r->request_id.data, rid, 16);
    tdkt__envelope__free_unpacked(r, NULL);
    assert_null(recv_env(fd));
    close(fd);
}

/* Issue 13, documented behaviour (§7.8): a receipt that appended names its
 * first entry; a replay names the same. */
static void test_receipt_first_seq(void **state)
{
    struct fixture *f = *state;
    static const uint8_t id[16] = {0x15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int fd = dial_ready(f->d.port);

    for (int again = 0; again < 2; again++) {
        Tdkt__Envelope *r = put_note_with_unknown(fd, id, 0);
        assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
        assert_int_equal(r->receipt->appended, 1);
        assert_true(r->receipt->seq > 0);
        assert_int_equal(r->receipt->first_seq, r->receipt->seq);
        assert_int_equal(r->receipt->replayed, again);
        tdkt__envelope__free_unpacked(r, NULL);
    }
    close(fd);
}

/* Issue 13, documented behaviour (§10): a string that cannot be an id is
 * INVALID_ARGUMENT naming the field, for every request that takes one, as
 * BallotGet always did; a well-formed id that names nothing is NOT_FOUND. */
static void test_ids_checked_before_lookup(void **state)
{
    struct fixture *f = *state;
    int fd = dial_ready(f->d.port);

    for (int well_formed = 0; well_formed < 2; well_formed++) {
        for (int kind = 0; kind < ID_REQUESTS; kind++) {
            const char *field = id_request_fields[kind];
            Tdkt__Envelope *r = id_request(fd, kind, well_formed ? "KHONG-CO-2021" : "hồ sơ 1",
                                           (uint8_t)(0x16 + well_formed));
            if (kind == 1) { /* who may send it is checked first: an office may not */
                if (r->error->code != TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN)
                    fail_msg("review_step from an office: got %d (%s)", (int)r->error->code,
                             r->error->message);
            } else if (!well_formed) {
                if (r->error->code != TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT ||
                    strcmp(r->error->field, field) != 0)
                    fail_msg("%s: got %d (%s) field %s", field, (int)r->error->code,
                             r->error->message, r->error->field);
            } else {
                if (r->error->code != TDKT__ERROR_CODE__ERROR_CODE_NOT_FOUND)
                    fail_msg("%s: got %d (%s)", field, (int)r->error->code, r->error->message);
            }
            tdkt__envelope__free_unpacked(r, NULL);
        }
    }
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_and_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preauth_frame_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_before_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_common_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_frame_then_close_keeps_server, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_request_type_keeps_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zero_request_id_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_embedded_nul_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_in_same_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_refuses_non_loopback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_fields_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_messages_are_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_body_first_is_unauthenticated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_receipt_first_seq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ids_checked_before_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
