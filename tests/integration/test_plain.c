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
#include "util/fixture.h"
#include "util/rawwire.h"

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

static int setup(void **state)
{
    *state = tu_fx_new_bare(1, NULL);
    return 0;
}

/* The refusal is an Error with code and some words, then a clean EOF. */
static void expect_error_and_eof(int fd, int code)
{
    Tdkt__Envelope *env = rw_recv_env(fd);
    assert_non_null(env);
    assert_int_equal(env->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(env->error->code, code);
    assert_true(strlen(env->error->message) > 0);
    tdkt__envelope__free_unpacked(env, NULL);
    assert_null(rw_recv_env(fd));
}

static uint8_t rid[RW_ID_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* A Hello for VKSCC2 offering versions min..max, in an envelope of
 * version max. */
static void hello_env(Tdkt__Envelope *env, Tdkt__Hello *h, uint32_t min, uint32_t max)
{
    rw_env_init(env, rid);
    tdkt__hello__init(h);
    h->min_version = min;
    h->max_version = max;
    h->client_name = (char *)"independent";
    h->unit_code = (char *)"VKSCC2";
    env->version = max;
    env->body_case = TDKT__ENVELOPE__BODY_HELLO;
    env->hello = h;
}

/* Dial and complete the handshake as VKSCC2. */
static int dial_ready(int port)
{
    return rw_dial_ready(port, NULL, "VKSCC2");
}

static int dial(int port)
{
    return rw_dial(port, NULL);
}

static const uint8_t zero_rid[RW_ID_LEN];

/* Expect INVALID_ARGUMENT for request_id, answered with the zero id, then EOF. */
static void expect_zero_id_refusal(int fd)
{
    Tdkt__Envelope *r = rw_recv_env(fd);

    if (r != NULL && r->body_case == TDKT__ENVELOPE__BODY_ERROR)
        assert_non_null(strstr(r->error->message, "all zeros"));
    rw_expect_error(r, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "request_id", zero_rid);
    assert_null(rw_recv_env(fd));
}

static void test_zero_request_id_refused(void **state)
{
    struct tu_fx *f = *state;
    Tdkt__Envelope env;
    Tdkt__Hello h;

    /* Not even the Hello may use the zero id. */
    int fd = dial(f->d.port);
    hello_env(&env, &h, PROTOCOL_VERSION, PROTOCOL_VERSION);
    env.request_id.data = (uint8_t *)zero_rid;
    rw_send_env(fd, &env);
    expect_zero_id_refusal(fd);
    close(fd);

    /* Nor a request after Welcome; the reply could not be told from a
     * stream error, so the connection closes. */
    fd = dial_ready(f->d.port);
    rw_send_bare(fd, zero_rid, TDKT__ENVELOPE__BODY_STATUS);
    expect_zero_id_refusal(fd);
    close(fd);

    /* Nor an Error, the one body whose zero id a server sends. */
    fd = dial_ready(f->d.port);
    Tdkt__Envelope e;
    Tdkt__Error err = TDKT__ERROR__INIT;
    rw_env_init(&e, zero_rid);
    e.body_case = TDKT__ENVELOPE__BODY_ERROR;
    e.error = &err;
    err.code = TDKT__ERROR_CODE__ERROR_CODE_INTERNAL;
    err.message = (char *)"an error from a client";
    rw_send_env(fd, &e);
    expect_zero_id_refusal(fd);
    close(fd);

    /* The server is unaffected. */
    fd = dial_ready(f->d.port);
    rw_status_ok(fd);
    close(fd);
}

static void test_embedded_nul_refused(void **state)
{
    struct tu_fx *f = *state;
    static const uint8_t put_id[16] = {0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    uint8_t buf[256];
    int fd = dial_ready(f->d.port);

    /* key "a\0b": protobuf-c would unpack it as "a" and the write would be
     * stored under the wrong key. protobuf-c cannot pack it, so '~' is
     * patched into a 0x00 byte. */
    rw_env_init(&env, put_id);
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    np.key = (char *)"a~b";
    np.text = (char *)"x";
    size_t n = rw_frame(&env, buf, sizeof buf);
    uint8_t *mark = memchr(buf + 4, '~', n - 4);
    assert_non_null(mark);
    *mark = 0x00;
    rw_send_all(fd, buf, n);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "note_put.key",
                    put_id);

    /* Answered by its id: the connection stays, and nothing was written. */
    assert_int_equal(rw_status_ok(fd), 1);
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
    struct tu_fx *f = *state;
    static uint8_t frames[2 * PAIRS * 128];
    uint8_t ids[PAIRS][16];
    char text[PAIRS][16];
    Tdkt__Envelope *replies[2 * PAIRS];
    size_t off = 0;
    int fd = dial_ready(f->d.port);

    for (int i = 0; i < PAIRS; i++) {
        Tdkt__Envelope env;
        Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
        memset(ids[i], 0x5a, 16);
        ids[i][15] = (uint8_t)(i + 1);
        snprintf(text[i], sizeof text[i], "note %d", i);
        rw_env_init(&env, ids[i]);
        env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
        env.note_put = &np;
        np.key = text[i];
        np.text = text[i];
        for (int twice = 0; twice < 2; twice++)
            off += rw_frame(&env, frames + off, sizeof frames - off);
    }
    rw_send_all(fd, frames, off);
    for (int k = 0; k < 2 * PAIRS; k++) {
        replies[k] = rw_recv_env(fd);
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
    assert_int_equal(rw_status_ok(fd), 1 + PAIRS);
    close(fd);
}

static void test_handshake_and_status(void **state)
{
    struct tu_fx *f = *state;
    Tdkt__Envelope env, *r;
    Tdkt__Hello h;
    int fd = dial(f->d.port);

    hello_env(&env, &h, PROTOCOL_VERSION_MIN, 7);
    rw_send_env(fd, &env);
    r = rw_recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_WELCOME);
    assert_int_equal(r->welcome->version, PROTOCOL_VERSION); /* highest in common */
    assert_string_equal(r->welcome->unit->code, "VKSCC2");
    assert_int_equal(r->welcome->max_frame, 1024 * 1024);
    assert_memory_equal(r->request_id.data, rid, 16);
    tdkt__envelope__free_unpacked(r, NULL);

    rw_send_bare(fd, rid, TDKT__ENVELOPE__BODY_STATUS);
    r = rw_recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    assert_int_equal(r->status_reply->ledger_height, 1);
    assert_int_equal(r->status_reply->head_hash.len, 32);
    tdkt__envelope__free_unpacked(r, NULL);
    close(fd);
}

static void test_preauth_frame_limit(void **state)
{
    struct tu_fx *f = *state;
    int fd = dial(f->d.port);
    /* 16 KiB + 1 before Hello: refused from the header alone. */
    uint8_t hdr[4] = {0, 0, 0x40, 0x01};
    rw_send_all(fd, hdr, 4);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE);
    close(fd);
}

static void test_request_before_hello(void **state)
{
    struct tu_fx *f = *state;
    int fd = dial(f->d.port);

    rw_send_bare(fd, rid, TDKT__ENVELOPE__BODY_STATUS);
    expect_error_and_eof(fd, TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED);
    close(fd);
}

/* A Hello offering versions min..max as unit is refused with code, and the
 * connection closes. */
static void expect_hello_refused(const struct tu_fx *f, uint32_t min, uint32_t max,
                                 const char *unit, int code)
{
    Tdkt__Envelope env;
    Tdkt__Hello h;
    int fd = dial(f->d.port);

    hello_env(&env, &h, min, max);
    h.unit_code = (char *)unit;
    rw_send_env(fd, &env);
    expect_error_and_eof(fd, code);
    close(fd);
}

static void test_no_common_version(void **state)
{
    expect_hello_refused(*state, PROTOCOL_VERSION + 1, 9, "VKSCC2",
                         TDKT__ERROR_CODE__ERROR_CODE_UNSUPPORTED_VERSION);
}

static void test_unknown_unit(void **state)
{
    expect_hello_refused(*state, PROTOCOL_VERSION, PROTOCOL_VERSION, "NOSUCH",
                         TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT);
}

static void test_truncated_frame_then_close_keeps_server(void **state)
{
    struct tu_fx *f = *state;
    /* A peer that vanishes mid-frame must not disturb the daemon. */
    for (int i = 0; i < 20; i++) {
        int fd = dial(f->d.port);
        uint8_t part[6] = {0, 0, 0, 50, 0x08, 0x01};
        rw_send_all(fd, part, sizeof part);
        close(fd);
    }
    test_handshake_and_status(state);
}

static void test_unknown_request_type_keeps_connection(void **state)
{
    struct tu_fx *f = *state;
    int fd = dial_ready(f->d.port);

    /* The bytes of docs/protocol.md §15.5: version 2, request_id, then
     * field 999 (a future request type). */
    uint8_t frame[4 + 2 + 18 + 4] = {0, 0, 0, 24, 0x08, 0x02, 0x12, 0x10};
    memcpy(frame + 8, rid, 16);
    frame[24] = 0xba; /* tag (999 << 3 | 2) as varint: 0xba 0x3e */
    frame[25] = 0x3e;
    frame[26] = 0x00; /* empty length-delimited value */
    frame[3] = 23;
    rw_send_all(fd, frame, 4 + 23);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE, "body", rid);

    /* The connection is still served. */
    rw_status_ok(fd);
    close(fd);
}

static void test_plain_refuses_non_loopback(void **state)
{
    struct tu_fx *f = *state;
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
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;

    assert_true(unknown_len + 4 <= sizeof data);
    rw_env_init(&env, id);
    env.body_case = TDKT__ENVELOPE__BODY_NOTE_PUT;
    env.note_put = &np;
    np.key = (char *)"lịch họp";
    np.text = (char *)"Họp cụm thi đua ngày 15/01/2022";
    if (unknown_len)
        add_unknown_field(&np.base, &u, data, unknown_len, 1000);
    rw_send_all(fd, frame, rw_frame(&env, frame, sizeof frame));
    Tdkt__Envelope *r = rw_recv_env(fd);
    assert_non_null(r);
    return r;
}

/* The stored payload of ledger entry seq, its length. */
static size_t stored_payload_len(const struct tu_fx *f, uint64_t seq)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
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
    struct tu_fx *f = *state;
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

/* Make msg env's body: the member of the body oneof named by field up to
 * its first '.' ("ballot_get" of "ballot_get.ballot_id"). */
static void env_set_body(Tdkt__Envelope *env, const char *field, ProtobufCMessage *msg)
{
    char name[64];

    tu_path(name, sizeof name, "%.*s", (int)strcspn(field, "."), field);
    tu_pb_oneof_set(&env->base, name, msg);
}

/* Send request kind (0 .. ID_REQUESTS - 1) naming id, with the request id
 * tag, kind, 1, 0, ...; return its reply, an Error. */
static Tdkt__Envelope *id_request(int fd, int kind, const char *id, uint8_t tag)
{
    Tdkt__Envelope env, *r;
    Tdkt__SubmissionGet sg = TDKT__SUBMISSION_GET__INIT;
    Tdkt__ReviewStep rs = TDKT__REVIEW_STEP__INIT;
    Tdkt__BallotAction ba = TDKT__BALLOT_ACTION__INIT;
    Tdkt__BallotGet bg = TDKT__BALLOT_GET__INIT;
    Tdkt__HistoryGet hg = TDKT__HISTORY_GET__INIT;
    ProtobufCMessage *body[ID_REQUESTS] = {&sg.base, &rs.base, &ba.base, &bg.base, &hg.base};
    uint8_t rid_k[16] = {tag, (uint8_t)kind, 1};

    assert_true(kind >= 0 && kind < ID_REQUESTS);
    rw_env_init(&env, rid_k);
    sg.submission_id = rs.submission_id = ba.ballot_id = bg.ballot_id = hg.person_id = (char *)id;
    rs.action = TDKT__REVIEW_ACTION__REVIEW_ACTION_RECEIVE;
    ba.step = TDKT__BALLOT_STEP__BALLOT_STEP_SEAL;
    env_set_body(&env, id_request_fields[kind], body[kind]);
    rw_send_env(fd, &env);
    r = rw_recv_env(fd);
    assert_non_null(r);
    assert_int_equal(r->body_case, TDKT__ENVELOPE__BODY_ERROR);
    return r;
}

/* Issue 13: a NOT_FOUND quoting a long id of 4-byte characters is cut on a
 * character boundary, for every request that quotes its id. */
static void test_error_messages_are_utf8(void **state)
{
    struct tu_fx *f = *state;
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
    struct tu_fx *f = *state;
    int fd = dial(f->d.port);

    uint8_t frame[4 + 23] = {0, 0, 0, 23, 0x08, 0x02, 0x12, 0x10};
    memcpy(frame + 8, rid, 16);
    frame[24] = 0xba; /* field 999, length-delimited: a future request type */
    frame[25] = 0x3e;
    frame[26] = 0x00;
    rw_send_all(fd, frame, sizeof frame);
    rw_expect_error(rw_recv_env(fd), TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "body", rid);
    assert_null(rw_recv_env(fd));
    close(fd);
}

/* Issue 13, documented behaviour (§7.8): a receipt that appended names its
 * first entry; a replay names the same. */
static void test_receipt_first_seq(void **state)
{
    struct tu_fx *f = *state;
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
    struct tu_fx *f = *state;
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
    /* Every case on a daemon of its own, which must then stop cleanly. */
#define T(test) cmocka_unit_test_setup_teardown(test, setup, tu_fx_cmocka_teardown_clean)
    const struct CMUnitTest tests[] = {
        T(test_handshake_and_status),
        T(test_preauth_frame_limit),
        T(test_request_before_hello),
        T(test_no_common_version),
        T(test_unknown_unit),
        T(test_truncated_frame_then_close_keeps_server),
        T(test_unknown_request_type_keeps_connection),
        T(test_zero_request_id_refused),
        T(test_embedded_nul_refused),
        T(test_retry_in_same_batch),
        T(test_plain_refuses_non_loopback),
        T(test_unknown_fields_not_stored),
        T(test_error_messages_are_utf8),
        T(test_unknown_body_first_is_unauthenticated),
        T(test_receipt_first_seq),
        T(test_ids_checked_before_lookup),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
