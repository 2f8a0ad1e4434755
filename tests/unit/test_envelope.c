/* SPDX-License-Identifier: MIT */
/*
 * Envelope helpers: every message type survives encode + frame + decode, and
 * whatever a peer sends that is not a well-formed envelope (garbage, a cut
 * message, a bad or all-zero request id, broken UTF-8 or a NUL byte in a
 * string anywhere) is refused with a code and a field a person can act on.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/util/hex.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"

#define GARBAGE_ROUNDS 2000
#define GARBAGE_MAX    256

static const uint8_t test_id[REQUEST_ID_LEN] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                                0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

static void env_start(Tdkt__Envelope *env)
{
    tdkt__envelope__init(env);
    env->version = PROTOCOL_VERSION;
    env->request_id.data = (uint8_t *)test_id;
    env->request_id.len = sizeof(test_id);
}

/* Pack env without a frame header; the caller frees. */
static uint8_t *pack(const Tdkt__Envelope *env, size_t *n)
{
    uint8_t *buf;

    *n = tdkt__envelope__get_packed_size(env);
    buf = malloc(*n ? *n : 1);
    assert_non_null(buf);
    assert_int_equal(tdkt__envelope__pack(env, buf), *n);
    return buf;
}

/* env_start, with msg as the body: the member named body. */
static void env_with(Tdkt__Envelope *env, const char *body, ProtobufCMessage *msg)
{
    env_start(env);
    tu_pb_oneof_set(&env->base, body, msg);
}

/* env packed and decoded, which must succeed; the caller frees the result
 * with envelope_free. */
static Tdkt__Envelope *decoded(const Tdkt__Envelope *env)
{
    Tdkt__Envelope *out;
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    size_t n;
    uint8_t *buf = pack(env, &n);

    assert_int_equal(envelope_decode(buf, n, &out, why, sizeof(why), &field), 0);
    free(buf);
    return out;
}

/* env packed and decoded: refused with rc and no envelope; the reason in
 * why, and the field named (NULL: none) in *field. */
static void decode_refused(const Tdkt__Envelope *env, int rc, char why[ENVELOPE_WHY_MAX],
                           const char **field)
{
    Tdkt__Envelope *out;
    size_t n;
    uint8_t *buf = pack(env, &n);

    assert_int_equal(envelope_decode(buf, n, &out, why, ENVELOPE_WHY_MAX, field), rc);
    assert_null(out);
    free(buf);
}

/*
 * An envelope whose body is msg, the member named body, encoded as a frame,
 * pulled back through the frame decoder and decoded: it must come back
 * whole, its own encoding equal byte for byte to the original's, so that
 * every field of msg is checked, whatever its type.
 */
static void round_trip(const char *body, ProtobufCMessage *msg)
{
    struct frame_decoder d;
    Tdkt__Envelope env;
    uint8_t *buf, *want, *got;
    size_t n, used, frame_len, want_len, got_len;
    const uint8_t *frame;
    Tdkt__Envelope *out;
    char why[ENVELOPE_WHY_MAX];
    const char *field;

    env_with(&env, body, msg);
    assert_int_equal(envelope_encode_frame(&env, FRAME_MAX_PREAUTH, &buf, &n), 0);
    frame_decoder_init(&d, FRAME_MAX_PREAUTH);
    assert_int_equal(frame_decoder_feed(&d, buf, n, &used, &frame, &frame_len), 0);
    assert_int_equal(used, n);
    assert_int_equal(envelope_decode(frame, frame_len, &out, why, sizeof(why), &field), 0);
    assert_string_equal(why, "");
    assert_null(field);
    assert_int_equal(out->version, PROTOCOL_VERSION);
    assert_int_equal(out->request_id.len, REQUEST_ID_LEN);
    assert_memory_equal(out->request_id.data, test_id, REQUEST_ID_LEN);
    assert_int_equal(out->body_case, env.body_case);
    want = pack(&env, &want_len);
    got = pack(out, &got_len);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    free(got);
    free(want);
    envelope_free(out);
    frame_decoder_free(&d);
    free(buf);
}

static void test_round_trip_hello(void **state)
{
    Tdkt__Hello hello = TDKT__HELLO__INIT;

    hello.min_version = PROTOCOL_VERSION_MIN;
    hello.max_version = PROTOCOL_VERSION;
    hello.client_name = "tdkt-cli";
    hello.client_version = "0.1.0";
    hello.unit_code = "VKSCC2";
    round_trip("hello", &hello.base);
}

static void test_round_trip_welcome(void **state)
{
    Tdkt__Welcome welcome = TDKT__WELCOME__INIT;
    Tdkt__Unit unit = TDKT__UNIT__INIT;

    unit.code = "VKSTC";
    unit.name = "Viện kiểm sát nhân dân tối cao";
    unit.role = TDKT__ROLE__ROLE_CENTRAL;
    welcome.version = PROTOCOL_VERSION;
    welcome.server_name = "tdktd";
    welcome.server_version = "0.1.0";
    welcome.unit = &unit;
    welcome.max_frame = FRAME_MAX_AUTHED;
    welcome.idle_timeout_s = 300;
    round_trip("welcome", &welcome.base);
}

static void test_round_trip_error(void **state)
{
    Tdkt__Envelope req, env;
    Tdkt__Error err;

    env_start(&req);
    assert_int_equal(envelope_make_error(&env, &err, &req,
                                         TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT,
                                         "key is empty", "note_put.key"),
                     0);
    round_trip("error", &err.base);
}

static void test_round_trip_status(void **state)
{
    Tdkt__StatusRequest status = TDKT__STATUS_REQUEST__INIT;

    round_trip("status", &status.base);
}

static void test_round_trip_status_reply(void **state)
{
    Tdkt__StatusReply reply = TDKT__STATUS_REPLY__INIT;
    Tdkt__Unit unit = TDKT__UNIT__INIT;
    uint8_t head[32];

    memset(head, 0xab, sizeof(head));
    unit.code = "VKSCC2";
    unit.name = "Viện kiểm sát nhân dân cấp cao tại Đà Nẵng";
    unit.role = TDKT__ROLE__ROLE_REGIONAL;
    reply.server_version = "0.1.0";
    reply.protocol_version = PROTOCOL_VERSION;
    reply.ledger_height = 12345678901ULL;
    reply.head_hash.data = head;
    reply.head_hash.len = sizeof(head);
    reply.unit = &unit;
    reply.server_time_ms = 1700000000123ULL;
    round_trip("status_reply", &reply.base);
}

static void test_round_trip_note_put(void **state)
{
    Tdkt__NotePut note = TDKT__NOTE_PUT__INIT;

    note.key = "hop-giao-ban/2024-03";
    note.text = "Họp giao ban quý I";
    round_trip("note_put", &note.base);
}

static void test_round_trip_receipt(void **state)
{
    Tdkt__WriteReceipt receipt = TDKT__WRITE_RECEIPT__INIT;
    uint8_t hash[32];

    memset(hash, 0x5a, sizeof(hash));
    receipt.seq = 42;
    receipt.entry_hash.data = hash;
    receipt.entry_hash.len = sizeof(hash);
    receipt.time_ms = 99;
    receipt.replayed = 1;
    round_trip("receipt", &receipt.base);
}

static void test_every_prefix_fails_cleanly_or_decodes(void **state)
{
    Tdkt__Envelope env;
    Tdkt__Welcome welcome = TDKT__WELCOME__INIT;
    Tdkt__Unit unit = TDKT__UNIT__INIT;
    uint8_t *buf;
    size_t n;

    unit.code = "VKSTC";
    unit.name = "Viện kiểm sát nhân dân tối cao";
    welcome.server_name = "tdktd";
    welcome.unit = &unit;
    welcome.max_frame = FRAME_MAX_AUTHED;
    env_with(&env, "welcome", &welcome.base);
    buf = pack(&env, &n);

    for (size_t len = 0; len <= n; len++) {
        /* A copy of exactly len bytes, so ASan sees any read past the end. */
        uint8_t *cut = malloc(len ? len : 1);
        Tdkt__Envelope *out = NULL;
        char why[ENVELOPE_WHY_MAX];
        const char *field;
        int rc;

        assert_non_null(cut);
        memcpy(cut, buf, len);
        rc = envelope_decode(cut, len, &out, why, sizeof(why), &field);
        if (rc == 0) {
            assert_non_null(out);
            assert_int_not_equal(out->body_case, TDKT__ENVELOPE__BODY__NOT_SET);
            assert_int_equal(out->request_id.len, REQUEST_ID_LEN);
        } else {
            assert_true(rc == TDKT_EPROTO || rc == TDKT_EINVAL);
            assert_null(out);
            assert_true(why[0] != '\0');
        }
        envelope_free(out);
        free(cut);
    }
    free(buf);
}

static void test_garbage(void **state)
{
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    uint8_t buf[GARBAGE_MAX];
    int refused = 0;

    for (int round = 0; round < GARBAGE_ROUNDS; round++) {
        size_t len = (size_t)(s % GARBAGE_MAX);
        Tdkt__Envelope *out = NULL;
        char why[ENVELOPE_WHY_MAX];
        const char *field;
        int rc;

        for (size_t i = 0; i < len; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            buf[i] = (uint8_t)s;
        }
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        rc = envelope_decode(buf, len, &out, why, sizeof(why), &field);
        if (rc < 0) {
            assert_null(out);
            refused++;
        }
        envelope_free(out);
    }
    assert_true(refused > 0);

    /* A field number the Envelope does not know, with an invalid wire type:
     * protobuf-c refuses the whole message. */
    Tdkt__Envelope *out = NULL;
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    static const uint8_t bad[] = {0x0f, 0xff, 0xff};
    assert_int_equal(envelope_decode(bad, sizeof(bad), &out, why, sizeof(why), &field),
                     TDKT_EPROTO);
    assert_string_equal(why, "not a valid protobuf Envelope");
    assert_null(field);
    assert_null(out);
}

static void test_no_body(void **state)
{
    Tdkt__Envelope env;
    char why[ENVELOPE_WHY_MAX];
    const char *field;

    env_start(&env);
    decode_refused(&env, TDKT_EPROTO, why, &field);
    assert_string_equal(why, "envelope has no body");
}

static void test_field_number_zero_refused(void **state)
{
    /* request_id, then note_put {key "k", field 0 = 16 as a non-canonical
     * tag}: protobuf-c alone would accept it but not its own re-encoding. */
    static const uint8_t nested[] = {0x12, 0x10, 0,    1,    2,    3,    4,    5,    6,
                                     7,    8,    9,    10,   11,   12,   13,   14,   15,
                                     0xaa, 0x01, 0x06, 0x0a, 0x01, 0x6b, 0x80, 0x00, 0x10};
    Tdkt__Envelope *out;
    char why[ENVELOPE_WHY_MAX];
    const char *field;

    assert_int_equal(envelope_decode(nested, sizeof(nested), &out, why, sizeof(why), &field),
                     TDKT_EPROTO);
    assert_string_equal(why, "not a valid protobuf Envelope");
    assert_null(out);
    /* The same bytes without the bad field decode. */
    uint8_t good[sizeof(nested)];
    memcpy(good, nested, sizeof(nested));
    good[20] = 0x03;
    assert_int_equal(envelope_decode(good, sizeof(nested) - 3, &out, why, sizeof(why), &field), 0);
    assert_string_equal(out->note_put->key, "k");
    envelope_free(out);
}

static void test_wrong_request_id_length(void **state)
{
    static const size_t lens[] = {0, 1, REQUEST_ID_LEN - 1, REQUEST_ID_LEN + 1, 64};
    uint8_t id[64] = {0};

    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        Tdkt__Envelope env;
        Tdkt__StatusRequest status = TDKT__STATUS_REQUEST__INIT;
        char why[ENVELOPE_WHY_MAX];
        const char *field;

        env_start(&env);
        env.request_id.data = id;
        env.request_id.len = lens[i];
        env.body_case = TDKT__ENVELOPE__BODY_STATUS;
        env.status = &status;
        decode_refused(&env, TDKT_EINVAL, why, &field);
        assert_string_equal(field, "request_id");
        assert_non_null(strstr(why, "16 bytes"));
    }
}

/* Decode env, expect a UTF-8 refusal naming leaf and path. */
static void expect_bad_utf8(const Tdkt__Envelope *env, const char *leaf, const char *path)
{
    char why[ENVELOPE_WHY_MAX], want[ENVELOPE_WHY_MAX];
    const char *field;

    decode_refused(env, TDKT_EINVAL, why, &field);
    assert_non_null(field);
    assert_string_equal(field, leaf);
    snprintf(want, sizeof(want), "field %s is not valid UTF-8", path);
    assert_string_equal(why, want);
}

/* The bodies whose strings the text checks are tried on. */
struct texts {
    Tdkt__Hello hello;
    Tdkt__NotePut note;
    Tdkt__Welcome welcome;
    Tdkt__Unit unit;
};

/*
 * Into env, the body that the string at path (dotted, as a refusal names
 * it: "welcome.unit.name") belongs to, with every string valid but that
 * one, which is value. The bodies are t's.
 */
static void env_text(Tdkt__Envelope *env, struct texts *t, const char *path, const char *value)
{
    struct {
        const char *path;
        char **field;
        ProtobufCMessage *body;
    } at[] = {
        {"hello.client_name", &t->hello.client_name, &t->hello.base},
        {"note_put.key", &t->note.key, &t->note.base},
        {"note_put.text", &t->note.text, &t->note.base},
        {"welcome.unit.name", &t->unit.name, &t->welcome.base},
    };
    char body[32];

    tdkt__hello__init(&t->hello);
    tdkt__note_put__init(&t->note);
    tdkt__welcome__init(&t->welcome);
    tdkt__unit__init(&t->unit);
    t->hello.client_name = "tdkt-cli";
    t->note.key = "key";
    t->note.text = "text";
    t->unit.code = "VKSTC";
    t->unit.name = "Vi\xe1\xbb\x87n";
    t->welcome.unit = &t->unit;
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        if (strcmp(at[i].path, path) != 0)
            continue;
        *at[i].field = (char *)value;
        tu_path(body, sizeof body, "%.*s", (int)strcspn(path, "."), path);
        env_with(env, body, at[i].body);
        return;
    }
    fail_msg("no string %s to try", path);
}

/* A bad string at path, then at its leaf's name (what follows the last '.'). */
struct bad_text {
    const char *path, *value;
};

static const char *leaf_of(const char *path)
{
    return strrchr(path, '.') + 1;
}

static void test_invalid_utf8_nested(void **state)
{
    static const struct bad_text bad[] = {
        {"hello.client_name", "tdkt\xC0\x80"},
        {"note_put.text", "Vi\xE1\xBB"}, /* cut inside "ệ" */
        {"note_put.key", "\xED\xA0\x80"},
        {"welcome.unit.name", "Vi\xF4\x90\x80\x80n"}, /* two levels down */
    };
    Tdkt__Envelope env;
    struct texts t;
    Tdkt__Error err;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        env_text(&env, &t, bad[i].path, bad[i].value);
        expect_bad_utf8(&env, leaf_of(bad[i].path), bad[i].path);
    }

    env_start(&env);
    assert_int_equal(
        envelope_make_error(&env, &err, NULL, TDKT__ERROR_CODE__ERROR_CODE_INTERNAL, "\xFF", NULL),
        0);
    expect_bad_utf8(&env, "message", "error.message");
}

static const uint8_t zero_id[REQUEST_ID_LEN];

/* Decode buf, expect a request_id refusal that carries no usable id. */
static void expect_zero_id_refused(const uint8_t *buf, size_t n)
{
    Tdkt__Envelope *out;
    struct envelope_fault fault;
    char why[ENVELOPE_WHY_MAX];
    const char *field;

    assert_int_equal(envelope_decode_fault(buf, n, &out, why, sizeof(why), &field, &fault),
                     TDKT_EINVAL);
    assert_null(out);
    assert_string_equal(field, "request_id");
    assert_string_equal(fault.field, "request_id");
    assert_int_equal(fault.has_request_id, 0);
    assert_non_null(strstr(why, "all zeros"));
}

static void test_zero_request_id_refused(void **state)
{
    Tdkt__Envelope env, *out;
    Tdkt__StatusRequest status = TDKT__STATUS_REQUEST__INIT;
    Tdkt__Hello hello = TDKT__HELLO__INIT;
    Tdkt__Error err;
    ProtobufCBinaryData id = {REQUEST_ID_LEN, (uint8_t *)zero_id};
    uint8_t *buf;
    size_t n;

    /* A request, and the Hello too: zeros look like an unset id. */
    env_start(&env);
    env.request_id.data = (uint8_t *)zero_id;
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.status = &status;
    buf = pack(&env, &n);
    expect_zero_id_refused(buf, n);
    free(buf);

    env.body_case = TDKT__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    hello.min_version = hello.max_version = PROTOCOL_VERSION;
    buf = pack(&env, &n);
    expect_zero_id_refused(buf, n);
    free(buf);

    /* A body this build does not know (field 999), with the zero id: refused
     * for the id, not answered by it. */
    static const uint8_t unknown[REQUEST_ID_LEN + 5] = {0x12, 0x10, [REQUEST_ID_LEN + 2] = 0xba,
                                                        0x3e, 0x00};
    expect_zero_id_refused(unknown, sizeof(unknown));

    /* One byte set anywhere makes the id usable. */
    uint8_t one[REQUEST_ID_LEN] = {0};
    one[REQUEST_ID_LEN - 1] = 1;
    env.body_case = TDKT__ENVELOPE__BODY_STATUS;
    env.request_id.data = one;
    out = decoded(&env);
    envelope_free(out);

    /* The one exception: an Error about the stream carries zeros. */
    assert_int_equal(envelope_make_error(&env, &err, NULL, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED,
                                         "not a valid protobuf Envelope", NULL),
                     0);
    out = decoded(&env);
    assert_true(envelope_request_id_is_zero(&out->request_id));
    envelope_free(out);

    assert_true(envelope_request_id_is_zero(&id));
    id.len = REQUEST_ID_LEN - 1;
    assert_false(envelope_request_id_is_zero(&id));
    id.data = one;
    id.len = REQUEST_ID_LEN;
    assert_false(envelope_request_id_is_zero(&id));
}

/* Pack env, then turn its one '~' byte into 0x00: protobuf-c cannot pack a
 * string with an embedded NUL itself. */
static uint8_t *pack_with_nul(const Tdkt__Envelope *env, size_t *n)
{
    uint8_t *buf = pack(env, n), *mark = NULL;

    for (size_t i = 0; i < *n; i++) {
        if (buf[i] == '~') {
            assert_null(mark); /* exactly one marker */
            mark = &buf[i];
        }
    }
    assert_non_null(mark);
    *mark = 0x00;
    return buf;
}

/* Expect env, its one '~' made a NUL byte (pack_with_nul), to be refused
 * for that byte in the field at path (leaf name leaf), answered by its
 * request id. */
static void expect_nul_refused(const Tdkt__Envelope *env, const char *leaf, const char *path)
{
    Tdkt__Envelope *out;
    struct envelope_fault fault;
    char why[ENVELOPE_WHY_MAX], want[ENVELOPE_WHY_MAX];
    const char *field;
    size_t n;
    uint8_t *buf = pack_with_nul(env, &n);

    assert_int_equal(envelope_decode_fault(buf, n, &out, why, sizeof(why), &field, &fault),
                     TDKT_EINVAL);
    assert_null(out);
    assert_non_null(field);
    assert_string_equal(field, leaf);
    assert_string_equal(fault.field, path);
    assert_int_equal(fault.has_request_id, 1);
    assert_memory_equal(fault.request_id, test_id, REQUEST_ID_LEN);
    snprintf(want, sizeof(want), "field %s contains a NUL (0x00) byte", path);
    assert_string_equal(why, want);
    free(buf);
}

static void test_embedded_nul_refused(void **state)
{
    /* '~' becomes the NUL byte (pack_with_nul). A string of the body:
     * without the check, protobuf-c would hand on "a" and the rest would
     * vanish; NUL as the last byte; nested, in a message inside the body. */
    static const struct bad_text bad[] = {
        {"note_put.key", "a~b"},
        {"note_put.text", "x~"},
        {"hello.client_name", "~"},
        {"welcome.unit.name", "Vi\xe1\xbb\x87n~"},
    };
    Tdkt__Envelope env, *out;
    struct texts t;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        env_text(&env, &t, bad[i].path, bad[i].value);
        expect_nul_refused(&env, leaf_of(bad[i].path), bad[i].path);
    }

    /* The same bytes without the NUL decode. */
    env_text(&env, &t, "welcome.unit.name", "Vi\xe1\xbb\x87n");
    out = decoded(&env);
    assert_string_equal(out->welcome->unit->name, "Vi\xe1\xbb\x87n");
    envelope_free(out);
}

static void test_embedded_nul_in_repeated(void **state)
{
    Tdkt__Envelope env, *out;
    Tdkt__ResultsPut put = TDKT__RESULTS_PUT__INIT;
    Tdkt__ResultRecord rec[2] = {TDKT__RESULT_RECORD__INIT, TDKT__RESULT_RECORD__INIT};
    Tdkt__ResultRecord *recs[2] = {&rec[0], &rec[1]};
    Tdkt__Target target = TDKT__TARGET__INIT;
    Tdkt__Initiative ini = TDKT__INITIATIVE__INIT;
    char *authors[3] = {"P1", "P2", "P3"};

    /* results_put.records[1].initiative.author_ids[1]: a repeated string in
     * a message in a oneof in a repeated message. Paths name repeated
     * fields without an index. */
    put.unit_code = "VKSCC2";
    put.year = 2024;
    target.code = "CT1";
    target.name = "T\xe1\xbb\x89 l\xe1\xbb\x87";
    target.planned = 10;
    target.achieved = 9;
    rec[0].item_case = TDKT__RESULT_RECORD__ITEM_TARGET;
    rec[0].target = &target;
    ini.code = "SK1";
    ini.title = "S\xc3\xa1ng ki\xe1\xba\xbfn";
    ini.n_author_ids = 3;
    ini.author_ids = authors;
    rec[1].item_case = TDKT__RESULT_RECORD__ITEM_INITIATIVE;
    rec[1].initiative = &ini;
    put.n_records = 2;
    put.records = recs;
    env_with(&env, "results_put", &put.base);

    out = decoded(&env);
    assert_int_equal(out->results_put->n_records, 2);
    assert_int_equal(out->results_put->records[1]->initiative->n_author_ids, 3);
    envelope_free(out);

    authors[1] = "P~2";
    expect_nul_refused(&env, "author_ids", "results_put.records.initiative.author_ids");
    authors[1] = "P2";
    target.name = "~";
    expect_nul_refused(&env, "name", "results_put.records.target.name");
}

static void test_nul_allowed_outside_strings(void **state)
{
    Tdkt__Envelope env, *out;
    Tdkt__SyncBatch batch = TDKT__SYNC_BATCH__INIT;
    Tdkt__LedgerEntry entry = TDKT__LEDGER_ENTRY__INIT;
    Tdkt__LedgerEntry *entries[1] = {&entry};
    Tdkt__ResultsReply reply = TDKT__RESULTS_REPLY__INIT;
    uint64_t seqs[3] = {0, 256, 65536}; /* packed: bytes 00 80 02 80 80 04 */
    uint8_t payload[4] = {0x0a, 0x00, 0x00, 0x00};
    uint8_t hash[32] = {0};
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    uint8_t *buf;
    size_t n;

    /* bytes fields (and the request id, test_id starts with 0x00) may hold
     * NULs. */
    entry.seq = 1;
    entry.unit = "VKSTC";
    entry.kind = "unit.register";
    entry.payload.data = payload;
    entry.payload.len = sizeof(payload);
    entry.hash.data = hash;
    entry.hash.len = sizeof(hash);
    batch.n_entries = 1;
    batch.entries = entries;
    env_with(&env, "sync_batch", &batch.base);
    out = decoded(&env);
    assert_int_equal(out->sync_batch->entries[0]->payload.len, sizeof(payload));
    envelope_free(out);

    /* A packed repeated scalar is length-delimited too, but not a string. */
    reply.unit_code = "VKSCC2";
    reply.n_seqs = 3;
    reply.seqs = seqs;
    env_with(&env, "results_reply", &reply.base);
    buf = pack(&env, &n);
    assert_non_null(memchr(buf, 0x00, n));
    assert_int_equal(envelope_decode(buf, n, &out, why, sizeof(why), &field), 0);
    assert_int_equal(out->results_reply->n_seqs, 3);
    assert_int_equal(out->results_reply->seqs[2], 65536);
    envelope_free(out);
    free(buf);

    /* An unknown field (9, length-delimited) inside note_put holding a NUL
     * is skipped: unknown fields are ignored. */
    static const uint8_t unknown[] = {0x12, 0x10, 0,    1,   2,    3,    4,   5,   6,    7,
                                      8,    9,    10,   11,  12,   13,   14,  15,  0xaa, 0x01,
                                      0x07, 0x0a, 0x01, 'k', 0x4a, 0x02, 'a', 0x00};
    assert_int_equal(envelope_decode(unknown, sizeof(unknown), &out, why, sizeof(why), &field), 0);
    assert_string_equal(out->note_put->key, "k");
    envelope_free(out);
}

struct utf8_case {
    const char *s;
    size_t len; /* 0: strlen */
    int valid;
};

static void test_utf8_validate_table(void **state)
{
    static const struct utf8_case cases[] = {
        {"", 0, 1},
        {"VKSTC", 0, 1},
        {"Viện kiểm sát nhân dân tối cao", 0, 1},
        {"\x00", 1, 1},             /* U+0000 is well-formed */
        {"\x7F", 0, 1},             /* last ASCII */
        {"\xC2\x80", 0, 1},         /* U+0080, first two-byte */
        {"\xDF\xBF", 0, 1},         /* U+07FF */
        {"\xE0\xA0\x80", 0, 1},     /* U+0800, first three-byte */
        {"\xED\x9F\xBF", 0, 1},     /* U+D7FF, last before surrogates */
        {"\xEE\x80\x80", 0, 1},     /* U+E000, first after surrogates */
        {"\xEF\xBF\xBF", 0, 1},     /* U+FFFF */
        {"\xF0\x90\x80\x80", 0, 1}, /* U+10000 */
        {"\xF4\x8F\xBF\xBF", 0, 1}, /* U+10FFFF, last code point */
        {"\xC0\x80", 0, 0},         /* overlong U+0000 */
        {"\xC1\xBF", 0, 0},         /* overlong U+007F */
        {"\xE0\x9F\xBF", 0, 0},     /* overlong U+07FF */
        {"\xF0\x8F\xBF\xBF", 0, 0}, /* overlong U+FFFF */
        {"\xED\xA0\x80", 0, 0},     /* U+D800 surrogate */
        {"\xED\xBF\xBF", 0, 0},     /* U+DFFF surrogate */
        {"\xF4\x90\x80\x80", 0, 0}, /* U+110000 */
        {"\xF5\x80\x80\x80", 0, 0}, /* lead byte never valid */
        {"\xFF", 0, 0},
        {"\x80", 0, 0}, /* lone continuation */
        {"a\xBF", 0, 0},
        {"\xC3", 0, 0},         /* truncated two-byte */
        {"\xE1\xBB", 0, 0},     /* truncated three-byte ("ệ" cut) */
        {"\xF0\x9F\x98", 0, 0}, /* truncated four-byte */
        {"\xE1\xBB\x61", 0, 0}, /* continuation replaced by 'a' */
        {"\xC3\xC3\xA0", 0, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].s);
        int rc = utf8_validate((const uint8_t *)cases[i].s, len);

        if (cases[i].valid != (rc == 0))
            fail_msg("case %zu: expected %s", i, cases[i].valid ? "valid" : "invalid");
        if (!cases[i].valid)
            assert_int_equal(rc, TDKT_EINVAL);
    }
    assert_int_equal(utf8_validate(NULL, 0), 0);
}

static void test_error_mapping(void **state)
{
    static const struct {
        int err;
        int wire;
        const char *name;
    } map[] = {
        {TDKT_EPROTO, TDKT__ERROR_CODE__ERROR_CODE_MALFORMED, "MALFORMED"},
        {TDKT_ETOOBIG, TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE, "FRAME_TOO_LARGE"},
        {TDKT_EVERSION, TDKT__ERROR_CODE__ERROR_CODE_UNSUPPORTED_VERSION, "UNSUPPORTED_VERSION"},
        {TDKT_EAUTH, TDKT__ERROR_CODE__ERROR_CODE_UNAUTHENTICATED, "UNAUTHENTICATED"},
        {TDKT_ENOTFOUND, TDKT__ERROR_CODE__ERROR_CODE_NOT_FOUND, "NOT_FOUND"},
        {TDKT_EREVOKED, TDKT__ERROR_CODE__ERROR_CODE_REVOKED, "REVOKED"},
        {TDKT_EPERM, TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN, "FORBIDDEN"},
        {TDKT_EINVAL, TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT, "INVALID_ARGUMENT"},
        {TDKT_EREUSED, TDKT__ERROR_CODE__ERROR_CODE_REQUEST_ID_REUSED, "REQUEST_ID_REUSED"},
        {TDKT_EUNAVAIL, TDKT__ERROR_CODE__ERROR_CODE_UNAVAILABLE, "UNAVAILABLE"},
        {TDKT_EDB, TDKT__ERROR_CODE__ERROR_CODE_STORAGE, "STORAGE"},
        {TDKT_EIO, TDKT__ERROR_CODE__ERROR_CODE_STORAGE, "STORAGE"},
        {TDKT_EBUSY, TDKT__ERROR_CODE__ERROR_CODE_BUSY, "BUSY"},
        {TDKT_ENOMEM, TDKT__ERROR_CODE__ERROR_CODE_INTERNAL, "INTERNAL"},
        {TDKT_ECORRUPT, TDKT__ERROR_CODE__ERROR_CODE_INTERNAL, "INTERNAL"},
        {-1000, TDKT__ERROR_CODE__ERROR_CODE_INTERNAL, "INTERNAL"},
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        assert_int_equal(tdkt_err_to_wire(map[i].err), map[i].wire);
        assert_string_equal(wire_error_name(map[i].wire), map[i].name);
    }
    assert_string_equal(wire_error_name(TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE),
                        "UNEXPECTED_MESSAGE");
    assert_string_equal(wire_error_name(9999), "UNKNOWN");
    assert_string_equal(wire_error_name(-1), "UNKNOWN");
}

static void test_make_error_without_request(void **state)
{
    Tdkt__Envelope env;
    Tdkt__Error err;
    Tdkt__Envelope *out;
    static const uint8_t zero[REQUEST_ID_LEN];
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    uint8_t *buf;
    size_t n;

    /* An error for bytes that never became a request still decodes on the
     * client side, with the all-zero request id. */
    assert_int_equal(envelope_make_error(&env, &err, NULL,
                                         TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE,
                                         "frame of 20000 bytes exceeds 16384", NULL),
                     0);
    assert_int_equal(envelope_encode_frame(&env, FRAME_MAX_PREAUTH, &buf, &n), 0);
    assert_int_equal(envelope_decode(buf + FRAME_HEADER_LEN, n - FRAME_HEADER_LEN, &out, why,
                                     sizeof(why), &field),
                     0);
    assert_int_equal(out->version, PROTOCOL_VERSION);
    assert_memory_equal(out->request_id.data, zero, REQUEST_ID_LEN);
    assert_int_equal(out->error->code, TDKT__ERROR_CODE__ERROR_CODE_FRAME_TOO_LARGE);
    assert_string_equal(out->error->field, "");
    envelope_free(out);
    free(buf);

    assert_int_equal(
        envelope_make_error(&env, &err, NULL, TDKT__ERROR_CODE__ERROR_CODE_UNSPECIFIED, "x", NULL),
        TDKT_EINVAL);
    assert_int_equal(envelope_make_error(&env, &err, NULL, 9999, "x", NULL), TDKT_EINVAL);
}

static void test_init_reply_echoes_request(void **state)
{
    Tdkt__Envelope req, reply;

    env_start(&req);
    req.version = 7;
    envelope_init_reply(&reply, &req);
    assert_int_equal(reply.version, 7);
    assert_ptr_equal(reply.request_id.data, req.request_id.data);
    assert_int_equal(reply.request_id.len, REQUEST_ID_LEN);
    assert_int_equal(reply.body_case, TDKT__ENVELOPE__BODY__NOT_SET);
}

static void test_encode_frame_limits(void **state)
{
    Tdkt__Envelope env;
    Tdkt__NotePut note = TDKT__NOTE_PUT__INIT;
    char *text = malloc(FRAME_MAX_PREAUTH + 1);
    uint8_t *buf;
    size_t n;

    assert_non_null(text);
    memset(text, 'a', FRAME_MAX_PREAUTH);
    text[FRAME_MAX_PREAUTH] = '\0';
    note.key = "k";
    note.text = text;
    env_with(&env, "note_put", &note.base);
    assert_int_equal(envelope_encode_frame(&env, FRAME_MAX_PREAUTH, &buf, &n), TDKT_ETOOBIG);
    assert_null(buf);
    assert_int_equal(n, 0);
    assert_int_equal(envelope_encode_frame(&env, FRAME_MAX_AUTHED, &buf, &n), 0);
    assert_int_equal(n, FRAME_HEADER_LEN + tdkt__envelope__get_packed_size(&env));
    free(buf);

    /* An envelope with nothing set packs to zero bytes, which no frame may
     * carry. */
    tdkt__envelope__init(&env);
    assert_int_equal(envelope_encode_frame(&env, FRAME_MAX_AUTHED, &buf, &n), TDKT_EPROTO);
    free(text);
}

static void test_request_id_generate(void **state)
{
    uint8_t a[REQUEST_ID_LEN], b[REQUEST_ID_LEN];

    assert_int_equal(request_id_generate(a), 0);
    assert_int_equal(request_id_generate(b), 0);
    assert_memory_not_equal(a, b, REQUEST_ID_LEN);
}

static void test_hex_round_trip(void **state)
{
    char text[HEX_ENCODED_SIZE(REQUEST_ID_LEN)];
    uint8_t back[REQUEST_ID_LEN];
    size_t n;

    hex_encode(test_id, sizeof(test_id), text);
    assert_string_equal(text, "00112233445566778899aabbccddeeff");
    assert_int_equal(hex_decode(text, strlen(text), back, sizeof(back), &n), 0);
    assert_int_equal(n, REQUEST_ID_LEN);
    assert_memory_equal(back, test_id, REQUEST_ID_LEN);

    assert_int_equal(hex_decode("AbCd", 4, back, sizeof(back), &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(back[0], 0xab);
    assert_int_equal(back[1], 0xcd);
    assert_int_equal(hex_decode("", 0, back, sizeof(back), &n), 0);
    assert_int_equal(n, 0);
    hex_encode(back, 0, text);
    assert_string_equal(text, "");

    assert_int_equal(hex_decode("abc", 3, back, sizeof(back), &n), TDKT_EINVAL);
    assert_int_equal(hex_decode("zz", 2, back, sizeof(back), &n), TDKT_EINVAL);
    assert_int_equal(hex_decode("0g", 2, back, sizeof(back), &n), TDKT_EINVAL);
    assert_int_equal(hex_decode("0011", 4, back, 1, &n), TDKT_ETOOBIG);
}

/* Field number no message of the schema uses: what a newer peer might add. */
#define UNKNOWN_TAG    9000u
#define POPULATE_DEPTH 6

static char *dup_text(const char *t)
{
    char *s = strdup(t);
    assert_non_null(s);
    return s;
}

/* Give m one unknown length-delimited field holding "abc" (protobuf-c keeps
 * such a field's bytes with their length prefix). */
static void add_unknown(ProtobufCMessage *m)
{
    m->n_unknown_fields = 1;
    m->unknown_fields = calloc(1, sizeof *m->unknown_fields);
    assert_non_null(m->unknown_fields);
    m->unknown_fields[0].tag = UNKNOWN_TAG;
    m->unknown_fields[0].wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED;
    m->unknown_fields[0].len = 4;
    m->unknown_fields[0].data = (uint8_t *)dup_text("\003abc");
}

/*
 * A message of type d with every string and every nested message set (one
 * element in repeated fields, the first member of each oneof), to depth
 * POPULATE_DEPTH, built from the descriptors so that every message of the
 * schema is covered, including those added later. With unknown, each
 * message at every level also carries an unknown field. Freed with
 * protobuf_c_message_free_unpacked (all of it is malloc'd).
 */
static ProtobufCMessage *populate(const ProtobufCMessageDescriptor *d, int depth, int unknown)
{
    ProtobufCMessage *m = calloc(1, d->sizeof_message);
    assert_non_null(m);
    d->message_init(m);
    if (unknown)
        add_unknown(m);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *member = (char *)m + f->offset;
        void *v;

        if (f->type == PROTOBUF_C_TYPE_STRING)
            v = dup_text("x");
        else if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth < POPULATE_DEPTH)
            v = populate(f->descriptor, depth + 1, unknown);
        else
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which;
            memcpy(&which, (char *)m + f->quantifier_offset, sizeof which);
            if (which != 0) { /* another member of this oneof is set */
                if (f->type == PROTOBUF_C_TYPE_STRING)
                    free(v);
                else
                    protobuf_c_message_free_unpacked(v, NULL);
                continue;
            }
            which = f->id;
            memcpy((char *)m + f->quantifier_offset, &which, sizeof which);
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t one = 1;
            void **arr = malloc(sizeof *arr);
            assert_non_null(arr);
            arr[0] = v;
            memcpy((char *)m + f->quantifier_offset, &one, sizeof one);
            memcpy(member, &arr, sizeof arr);
        } else {
            memcpy(member, &v, sizeof v);
        }
    }
    return m;
}

static uint8_t *pack_message(const ProtobufCMessage *m, size_t *n)
{
    *n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*n ? *n : 1);
    assert_non_null(buf);
    assert_int_equal(protobuf_c_message_pack(m, buf), *n);
    return buf;
}

/* No message at any depth of m holds an unknown field. */
static void assert_no_unknown(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    assert_int_equal(m->n_unknown_fields, 0);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *member = (const char *)m + f->offset;
        size_t count = 1;
        const char *items = member;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t which;
            memcpy(&which, (const char *)m + f->quantifier_offset, sizeof which);
            if (which != f->id)
                continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            memcpy(&count, (const char *)m + f->quantifier_offset, sizeof count);
            memcpy(&items, member, sizeof items);
        }
        for (size_t k = 0; k < count; k++) {
            const ProtobufCMessage *v;
            memcpy(&v, items + k * sizeof v, sizeof v);
            if (v)
                assert_no_unknown(v);
        }
    }
}

/*
 * Issue 13: what the server stores and hashes is the re-encoding of the
 * known fields only. For every body of the Envelope, with an unknown field
 * in every message at every level, the decoded body packs to exactly the
 * bytes of the same body sent without them.
 */
static void test_unknown_fields_dropped_everywhere(void **state)
{
    const ProtobufCMessageDescriptor *ed = &tdkt__envelope__descriptor;
    unsigned bodies = 0;
    (void)state;

    for (unsigned i = 0; i < ed->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &ed->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        ProtobufCMessage *dirty = populate(f->descriptor, 0, 1);
        ProtobufCMessage *clean = populate(f->descriptor, 0, 0);
        Tdkt__Envelope env;
        size_t n, clean_len, got_len;
        char why[ENVELOPE_WHY_MAX];
        const char *field;
        Tdkt__Envelope *out;
        const ProtobufCMessage *body;

        env_start(&env);
        memcpy((char *)&env + f->quantifier_offset, &f->id, sizeof f->id);
        memcpy((char *)&env + f->offset, &dirty, sizeof dirty);
        add_unknown(&env.base);
        uint8_t *wire = pack_message(&env.base, &n);
        free(env.base.unknown_fields[0].data);
        free(env.base.unknown_fields);
        if (envelope_decode(wire, n, &out, why, sizeof why, &field) != 0)
            fail_msg("%s: %s", f->name, why);
        assert_int_equal(out->base.n_unknown_fields, 0);
        memcpy(&body, (char *)out + f->offset, sizeof body);
        assert_non_null(body);
        assert_no_unknown(body);
        uint8_t *got = pack_message(body, &got_len);
        uint8_t *want = pack_message(clean, &clean_len);
        if (got_len != clean_len || memcmp(got, want, got_len) != 0)
            fail_msg("%s: %zu bytes after decoding, %zu without the unknown fields", f->name,
                     got_len, clean_len);
        free(got);
        free(want);
        free(wire);
        envelope_free(out);
        protobuf_c_message_free_unpacked(dirty, NULL);
        protobuf_c_message_free_unpacked(clean, NULL);
        bodies++;
    }
    assert_true(bodies > 30); /* every request and reply type of the schema */
}

/* Issue 13: a message cut to fit its buffer ends on a character boundary. */
static void test_utf8_cut_on_boundary(void **state)
{
    /* 49 x U+1F600, as in the report: 196 bytes, cut at 199 and below. */
    char id[4 * 49 + 1] = "", buf[200];
    (void)state;
    for (int i = 0; i < 49; i++)
        strcat(id, "\xF0\x9F\x98\x80");
    for (size_t cap = 1; cap <= sizeof buf; cap++) {
        utf8_format(buf, cap, "no submission '%s' here", id);
        assert_int_equal(utf8_validate((const uint8_t *)buf, strlen(buf)), 0);
        assert_true(strlen(buf) < cap);
        assert_true(strlen(buf) + 4 >= cap - 1 || cap < 16); /* at most one character lost */
    }
    strcpy(buf, "ab\xE1\xBB");
    utf8_cut(buf);
    assert_string_equal(buf, "ab");
    strcpy(buf, "Vi\xE1\xBB\x87n");
    utf8_cut(buf);
    assert_string_equal(buf, "Vi\xE1\xBB\x87n");
    /* "..." after the last whole character that fits. */
    char e[8];
    memcpy(e, "ab\xE1\xBB\x87xyz", 8); /* not terminated: as if cut */
    e[7] = '\0';
    utf8_ellipsize(e, 8);
    assert_string_equal(e, "ab...");
    assert_int_equal(utf8_valid_prefix((const uint8_t *)"a\xC3", 2), 1);
    assert_int_equal(utf8_valid_prefix((const uint8_t *)"a\xC3\xA0", 3), 3);
    /* A character cut inside a message goes, and what follows it stays. */
    strcpy(buf, "column 'Vi\xE1\xBB' is unknown");
    utf8_scrub(buf);
    assert_string_equal(buf, "column 'Vi' is unknown");
    strcpy(buf, "near '\"\\u\xE1' \xF0\x9F\x98\x80\xC3\xFF");
    utf8_scrub(buf);
    assert_string_equal(buf, "near '\"\\u' \xF0\x9F\x98\x80");
    strcpy(buf, "Vi\xE1\xBB\x87n");
    utf8_scrub(buf);
    assert_string_equal(buf, "Vi\xE1\xBB\x87n");
}

/* Issue 13: a reply is checked with the input's UTF-8 check. */
static void test_check_text_finds_bad_reply(void **state)
{
    Tdkt__Envelope env;
    Tdkt__Error err;
    char path[ENVELOPE_PATH_MAX];
    (void)state;

    env_start(&env);
    assert_int_equal(envelope_make_error(&env, &err, NULL, TDKT__ERROR_CODE__ERROR_CODE_NOT_FOUND,
                                         "no submission '\xF0\x9F\x98'", "submission_get.id"),
                     0);
    assert_int_equal(envelope_check_text(&env, path), TDKT_EINVAL);
    assert_string_equal(path, "error.message");
    err.message = (char *)"no submission '\xF0\x9F\x98\x80'";
    assert_int_equal(envelope_check_text(&env, path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_hello),
        cmocka_unit_test(test_round_trip_welcome),
        cmocka_unit_test(test_round_trip_error),
        cmocka_unit_test(test_round_trip_status),
        cmocka_unit_test(test_round_trip_status_reply),
        cmocka_unit_test(test_round_trip_note_put),
        cmocka_unit_test(test_round_trip_receipt),
        cmocka_unit_test(test_every_prefix_fails_cleanly_or_decodes),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_no_body),
        cmocka_unit_test(test_field_number_zero_refused),
        cmocka_unit_test(test_wrong_request_id_length),
        cmocka_unit_test(test_invalid_utf8_nested),
        cmocka_unit_test(test_zero_request_id_refused),
        cmocka_unit_test(test_embedded_nul_refused),
        cmocka_unit_test(test_embedded_nul_in_repeated),
        cmocka_unit_test(test_nul_allowed_outside_strings),
        cmocka_unit_test(test_utf8_validate_table),
        cmocka_unit_test(test_error_mapping),
        cmocka_unit_test(test_make_error_without_request),
        cmocka_unit_test(test_init_reply_echoes_request),
        cmocka_unit_test(test_encode_frame_limits),
        cmocka_unit_test(test_request_id_generate),
        cmocka_unit_test(test_hex_round_trip),
        cmocka_unit_test(test_unknown_fields_dropped_everywhere),
        cmocka_unit_test(test_utf8_cut_on_boundary),
        cmocka_unit_test(test_check_text_finds_bad_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
