/* SPDX-License-Identifier: MIT */
/*
 * The daemon's request table (server/dispatch/request.h) against the wire
 * schema: every body a client may send has exactly one entry, named as its
 * Envelope field, with the writes and the central office's requests this
 * file lists from proto/tdkt.proto; a reply body, a second Hello or an
 * unknown body is refused UNEXPECTED_MESSAGE; a central-only request from a
 * regional office is refused FORBIDDEN, naming the request, before any of
 * its fields is read, and so is every request but the Council cast from a
 * person certificate, and the Council cast from any unit. Then two requests go the whole way a
 * connection sends them (request_prepare, request_run, the finish step, COMMIT, request_reply)
 * against a real ledger with a signing key: a status and a note put, whose replies are decoded and
 * checked against the ledger.
 */
#include "ledger_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto/merkle.h"
#include "common/crypto/sth.h"
#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "server/dispatch/request.h"
#include "server/ledger/treelog.h"

/* What the schema says of each request (proto/tdkt.proto, docs/protocol.md):
 * whether it writes (answered by a WriteReceipt), whether only the central
 * office may send it, and whether only a person (a Council member connected
 * with their own certificate) may. Written out here, not read from the
 * table, so that the table cannot agree with itself by construction. */
struct request_spec {
    const char *field;
    int write;
    int central_only;
    int person;
};

static const struct request_spec requests[] = {
    {"status", 0, 0, 0},         {"note_put", 1, 0, 0},        {"registry_put", 1, 1, 0},
    {"results_put", 1, 0, 0},    {"results_get", 0, 0, 0},     {"sync_pull", 0, 0, 0},
    {"reconcile", 0, 0, 0},      {"ballot_open", 1, 0, 0},     {"ballot_cast", 1, 0, 0},
    {"ballot_action", 1, 0, 0},  {"ballot_paper", 1, 1, 0},    {"ballot_get", 0, 0, 0},
    {"ballot_list", 0, 0, 0},    {"submission_put", 1, 0, 0},  {"review_step", 1, 1, 0},
    {"submission_get", 0, 0, 0}, {"submission_list", 0, 0, 0}, {"history_get", 0, 0, 0},
    {"report_get", 0, 1, 0},     {"decision_record", 1, 1, 0}, {"quota_get", 0, 1, 0},
    {"council_vote", 1, 1, 0},   {"council_cast", 1, 0, 1},    {"council_close", 1, 1, 0},
};

/* Bodies no client sends as a request: the handshake and every reply. */
static const char *const not_requests[] = {
    "hello",         "welcome",           "error",           "status_reply",
    "receipt",       "results_reply",     "sync_batch",      "reconcile_reply",
    "ballot_info",   "ballot_list_reply", "submission_info", "submission_list_reply",
    "history_reply", "report_reply",      "quota_reply",
};

#define N_REQUESTS     (sizeof requests / sizeof requests[0])
#define N_NOT_REQUESTS (sizeof not_requests / sizeof not_requests[0])
#define UNKNOWN_BODY   999 /* a body case no schema version has */

static const struct request_spec *spec_of(const char *field)
{
    for (size_t i = 0; i < N_REQUESTS; i++)
        if (strcmp(requests[i].field, field) == 0)
            return &requests[i];
    return NULL;
}

static int is_not_request(const char *field)
{
    for (size_t i = 0; i < N_NOT_REQUESTS; i++)
        if (strcmp(not_requests[i], field) == 0)
            return 1;
    return 0;
}

static const ProtobufCFieldDescriptor *body_field(const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&tdkt__envelope__descriptor, name);
    if (!fd || !(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        fail_msg("the Envelope has no body field %s", name);
    return fd;
}

static const uint8_t rid_a[REQUEST_ID_LEN] = {0xa1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
static const uint8_t rid_b[REQUEST_ID_LEN] = {0xb2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* An Envelope as envelope_decode leaves it, with body fd set to body (NULL:
 * the body pointer left NULL, which no decoded envelope has). */
static void envelope_with(Tdkt__Envelope *env, const ProtobufCFieldDescriptor *fd,
                          ProtobufCMessage *body, const uint8_t *rid)
{
    tdkt__envelope__init(env);
    env->version = PROTOCOL_VERSION;
    env->request_id.data = (uint8_t *)rid;
    env->request_id.len = REQUEST_ID_LEN;
    env->body_case = (Tdkt__Envelope__BodyCase)fd->id;
    memcpy((char *)env + fd->offset, &body, sizeof body);
}

/* A body message of fd's type with every field at its default; free(). */
static ProtobufCMessage *empty_body(const ProtobufCFieldDescriptor *fd)
{
    const ProtobufCMessageDescriptor *md = fd->descriptor;
    ProtobufCMessage *m = calloc(1, md->sizeof_message);

    assert_non_null(m);
    md->message_init(m);
    return m;
}

static const struct request_type *entry_for(int body_case, size_t *count)
{
    const struct request_type *found = NULL;

    *count = 0;
    for (size_t i = 0; i < request_types_n; i++) {
        if (request_types[i]->body_case == body_case) {
            found = request_types[i];
            (*count)++;
        }
    }
    return found;
}

/* ---- the table against the schema ---------------------------------------- */

/* Every body field of the Envelope is either a request with exactly one
 * entry, named as the field, or a body no entry answers. A field added to
 * the schema fails here until it is classified above. */
static void test_every_request_has_one_entry(void **state)
{
    const ProtobufCMessageDescriptor *desc = &tdkt__envelope__descriptor;
    size_t n_bodies = 0, n_requests = 0;

    (void)state;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];
        const struct request_spec *spec = spec_of(fd->name);
        size_t count;
        const struct request_type *t = entry_for((int)fd->id, &count);

        if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue; /* version, request_id */
        n_bodies++;
        if (!spec) {
            if (!is_not_request(fd->name))
                fail_msg("Envelope body %s is neither a request nor a reply in this test",
                         fd->name);
            if (count != 0)
                fail_msg("%s is not a request, yet the table has an entry for it", fd->name);
            assert_null(request_type_find((int)fd->id));
            continue;
        }
        n_requests++;
        if (count != 1)
            fail_msg("request %s has %zu table entries, not 1", fd->name, count);
        assert_ptr_equal(request_type_find((int)fd->id), t);
        assert_string_equal(t->name, fd->name);
        if (t->write != spec->write)
            fail_msg("%s: write is %d in the table, %d in the schema", fd->name, t->write,
                     spec->write);
        if ((t->central_only != NULL) != spec->central_only)
            fail_msg("%s: central_only is %s in the table", fd->name,
                     t->central_only ? t->central_only : "unset");
        if ((t->person != NULL) != spec->person)
            fail_msg("%s: person is %s in the table", fd->name, t->person ? t->person : "unset");
        assert_non_null(t->run);
        /* A write is answered by its receipt, a read by its own reply. */
        if (t->write)
            assert_null(t->reply);
        else
            assert_non_null(t->reply);
    }
    assert_int_equal(n_requests, N_REQUESTS);
    assert_int_equal(n_bodies, N_REQUESTS + N_NOT_REQUESTS);
    assert_int_equal(request_types_n, N_REQUESTS);
    /* And every entry answers an Envelope body under its own name. */
    for (size_t i = 0; i < request_types_n; i++) {
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field(desc, (unsigned)request_types[i]->body_case);
        assert_non_null(fd);
        assert_string_equal(fd->name, request_types[i]->name);
    }
    assert_null(request_type_find(UNKNOWN_BODY));
}

/* A reply body or a second Hello, from either role, is refused as
 * UNEXPECTED_MESSAGE and nothing is made to run. */
static void test_reply_or_hello_refused(void **state)
{
    struct tu_ledger *t = *state;
    const struct registry_unit *units[] = {&t->central, &t->regional[0]};

    for (size_t i = 0; i < N_NOT_REQUESTS; i++) {
        const ProtobufCFieldDescriptor *fd = body_field(not_requests[i]);
        ProtobufCMessage *body = empty_body(fd);
        for (size_t u = 0; u < 2; u++) {
            Tdkt__Envelope env;
            struct fault err;
            struct request *r = NULL;
            memset(&err, 0, sizeof err);
            envelope_with(&env, fd, body, rid_a);
            assert_int_equal(request_prepare(units[u], &env, &r, &err), TDKT_EPROTO);
            assert_null(r);
            if (fault_wire(&err) != TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE)
                fail_msg("%s from %s: error code %d", fd->name, units[u]->code, fault_wire(&err));
            assert_string_equal(err.field, strcmp(fd->name, "hello") == 0 ? "hello" : "body");
            assert_true(err.why.text[0] != '\0');
        }
        free(body);
    }
    /* A body case no schema has is refused the same way. */
    Tdkt__Envelope env;
    struct fault err;
    struct request *r = NULL;
    tdkt__envelope__init(&env);
    env.version = PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)rid_a;
    env.request_id.len = REQUEST_ID_LEN;
    env.body_case = (Tdkt__Envelope__BodyCase)UNKNOWN_BODY;
    assert_int_equal(request_prepare(&t->regional[0], &env, &r, &err), TDKT_EPROTO);
    assert_null(r);
    assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE);
    assert_string_equal(err.field, "body");
}

/* A central-only request from a regional office is FORBIDDEN, naming the
 * request and the office. The body pointer is left NULL: reading any field
 * before the role check would crash the test rather than pass it. The
 * central office passes the same check (whatever its empty body earns). */
static void test_central_only_refused_before_fields(void **state)
{
    struct tu_ledger *t = *state;
    size_t n_central = 0;

    for (size_t i = 0; i < request_types_n; i++) {
        const struct request_type *type = request_types[i];
        const ProtobufCFieldDescriptor *fd;
        Tdkt__Envelope env;
        struct fault err;
        struct request *r = NULL;

        if (!type->central_only)
            continue;
        n_central++;
        fd = body_field(type->name);
        for (size_t u = 0; u < 3; u++) {
            memset(&err, 0, sizeof err);
            envelope_with(&env, fd, NULL, rid_a);
            assert_int_equal(request_prepare(&t->regional[u], &env, &r, &err), TDKT_EPERM);
            assert_null(r);
            assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN);
            assert_string_equal(err.field, type->name);
            assert_non_null(strstr(err.why.text, type->central_only));
            assert_non_null(strstr(err.why.text, t->regional[u].code));
        }
        ProtobufCMessage *body = empty_body(fd);
        memset(&err, 0, sizeof err);
        envelope_with(&env, fd, body, rid_a);
        int rc = request_prepare(&t->central, &env, &r, &err);
        if (rc < 0 && fault_wire(&err) == TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN)
            fail_msg("%s from the central office: FORBIDDEN (%s)", type->name, err.why.text);
        request_free(r);
        free(body);
    }
    assert_int_equal(n_central, 8);
}

/* A Council member connected with their own person certificate, as
 * run_auth leaves the connection's identity. */
static const struct registry_unit member = {
    .code = "HD-01",
    .name = "Thành viên Hội đồng số 1",
    .parent = "VKSTC",
    .role = REGISTRY_ROLE_PERSON,
};

/* A person is admitted to the person's requests only: every other one,
 * central-only or not, is FORBIDDEN, naming the request and the person by
 * name and id; and a person's request from any unit, the central office
 * included, is FORBIDDEN naming the unit. Both before any field is read
 * (the body pointer is NULL). */
static void test_person_only_where_the_table_says(void **state)
{
    struct tu_ledger *t = *state;
    const struct registry_unit *units[] = {&t->central, &t->regional[0]};
    size_t n_person = 0;

    for (size_t i = 0; i < request_types_n; i++) {
        const struct request_type *type = request_types[i];
        const ProtobufCFieldDescriptor *fd = body_field(type->name);
        Tdkt__Envelope env;
        struct fault err;
        struct request *r = NULL;

        if (!type->person) {
            memset(&err, 0, sizeof err);
            envelope_with(&env, fd, NULL, rid_a);
            assert_int_equal(request_prepare(&member, &env, &r, &err), TDKT_EPERM);
            assert_null(r);
            assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN);
            assert_string_equal(err.field, type->name);
            assert_non_null(strstr(err.why.text, "Thành viên Hội đồng số 1 (HD-01)"));
            assert_non_null(strstr(err.why.text, "person certificate"));
            continue;
        }
        n_person++;
        for (size_t u = 0; u < 2; u++) {
            memset(&err, 0, sizeof err);
            envelope_with(&env, fd, NULL, rid_a);
            assert_int_equal(request_prepare(units[u], &env, &r, &err), TDKT_EPERM);
            assert_null(r);
            assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN);
            assert_string_equal(err.field, type->name);
            assert_non_null(strstr(err.why.text, type->person));
            assert_non_null(strstr(err.why.text, units[u]->code));
        }
        ProtobufCMessage *body = empty_body(fd);
        memset(&err, 0, sizeof err);
        envelope_with(&env, fd, body, rid_a);
        int rc = request_prepare(&member, &env, &r, &err);
        if (rc < 0 && fault_wire(&err) == TDKT__ERROR_CODE__ERROR_CODE_FORBIDDEN)
            fail_msg("%s from a person: FORBIDDEN (%s)", type->name, err.why.text);
        request_free(r);
        free(body);
    }
    assert_int_equal(n_person, 1);
}

/* ---- round trips ---------------------------------------------------------- */

/* Prepare env as unit; it must be accepted. */
static struct request *prepared(const struct registry_unit *unit, const Tdkt__Envelope *env)
{
    struct fault err;
    struct request *r = NULL;

    memset(&err, 0, sizeof err);
    if (request_prepare(unit, env, &r, &err) < 0)
        fail_msg("request_prepare: %s (%s)", err.why.text, err.field);
    assert_non_null(r);
    return r;
}

/* One request as its own batch of the database thread; its status. */
static int run_alone(struct tu_ledger *t, struct request *r)
{
    struct db_job *jobs[] = {&r->job};
    int status;

    tu_ledger_batch(t, jobs, 1, &status);
    return status;
}

/* The reply frame of r after status, decoded as a client decodes it. */
static Tdkt__Envelope *reply_of(struct request *r, int status, const uint8_t *rid)
{
    uint8_t *frame = NULL;
    size_t len = 0;
    char why[ENVELOPE_WHY_MAX];
    const char *field;
    Tdkt__Envelope *env = NULL;

    assert_int_equal(request_reply(r, status, &frame, &len), 0);
    assert_true(len > FRAME_HEADER_LEN);
    if (envelope_decode(frame + FRAME_HEADER_LEN, len - FRAME_HEADER_LEN, &env, why, sizeof why,
                        &field) != 0)
        fail_msg("the reply does not decode: %s", why);
    free(frame);
    assert_int_equal(env->version, PROTOCOL_VERSION);
    assert_int_equal(env->request_id.len, REQUEST_ID_LEN);
    assert_memory_equal(env->request_id.data, rid, REQUEST_ID_LEN);
    return env;
}

/* The head in a reply is signed by the ledger's key over that root. */
static void assert_head_signed(struct tu_ledger *t, const Tdkt__TreeHead *h)
{
    struct tree_head th;
    uint8_t pub[STH_PUB_LEN];

    assert_non_null(h);
    assert_int_equal(h->root.len, MERKLE_HASH_LEN);
    assert_int_equal(h->signature.len, STH_SIG_LEN);
    memset(&th, 0, sizeof th);
    th.size = h->size;
    th.time_ms = h->time_ms;
    memcpy(th.root, h->root.data, MERKLE_HASH_LEN);
    memcpy(th.sig, h->signature.data, STH_SIG_LEN);
    assert_int_equal(sth_key_public(t->signer, pub), 0);
    assert_int_equal(sth_verify(pub, &th), 0);
}

/* A status from a regional office: its unit, the ledger's height, its
 * Merkle root as head_hash (docs/protocol.md) and a head signed over them. */
static void test_status_round_trip(void **state)
{
    struct tu_ledger *t = *state;
    Tdkt__Envelope env;
    Tdkt__StatusRequest sr = TDKT__STATUS_REQUEST__INIT;
    uint8_t root[MERKLE_HASH_LEN];
    uint64_t height;

    envelope_with(&env, body_field("status"), &sr.base, rid_a);
    struct request *r = prepared(&t->regional[1], &env);
    assert_int_equal(r->job.write, 0);
    assert_int_equal(run_alone(t, r), 0);
    height = tu_ledger_height(t);
    assert_int_equal(height, 4); /* the four offices' registrations */
    assert_int_equal(treelog_root(t->l, height, root), 0);

    Tdkt__Envelope *rep = reply_of(r, 0, rid_a);
    assert_int_equal(rep->body_case, TDKT__ENVELOPE__BODY_STATUS_REPLY);
    const Tdkt__StatusReply *st = rep->status_reply;
    assert_int_equal(st->protocol_version, PROTOCOL_VERSION);
    assert_int_equal(st->ledger_height, height);
    assert_int_equal(st->head_hash.len, MERKLE_HASH_LEN);
    assert_memory_equal(st->head_hash.data, root, MERKLE_HASH_LEN);
    assert_non_null(st->unit);
    assert_string_equal(st->unit->code, "VKSCC2");
    assert_int_equal(st->unit->role, TDKT__ROLE__ROLE_REGIONAL);
    assert_head_signed(t, st->head);
    assert_int_equal(st->head->size, height);
    assert_memory_equal(st->head->root.data, root, MERKLE_HASH_LEN);
    envelope_free(rep);
    request_free(r);
}

static struct request *note_put(struct tu_ledger *t, const uint8_t *rid, const char *key,
                                const char *text)
{
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;

    np.key = (char *)key;
    np.text = (char *)text;
    envelope_with(&env, body_field("note_put"), &np.base, rid);
    return prepared(&t->regional[0], &env);
}

/* A note put is appended once and answered by a receipt that proves it:
 * the entry's sequence and hash, a signed head and its audit path. Sent
 * again it is a replay with the same receipt; the same id with another
 * text is REQUEST_ID_REUSED. */
static void test_note_put_round_trip(void **state)
{
    struct tu_ledger *t = *state;
    uint8_t head[LEDGER_HASH_LEN];
    uint64_t height;
    char *text = NULL;

    struct request *r = note_put(t, rid_a, "hop-cum-1", "Hội nghị Cụm thi đua số 1");
    assert_int_equal(r->job.write, 1);
    assert_int_equal(run_alone(t, r), 0);
    assert_int_equal(ledger_head(t->l, &height, head), 0);
    assert_int_equal(height, 5);
    assert_int_equal(ledger_note_get(t->l, "VKSCC1", "hop-cum-1", &text, NULL), 0);
    assert_string_equal(text, "Hội nghị Cụm thi đua số 1");
    free(text);

    Tdkt__Envelope *rep = reply_of(r, 0, rid_a);
    assert_int_equal(rep->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    const Tdkt__WriteReceipt *wr = rep->receipt;
    assert_false(wr->replayed);
    assert_int_equal(wr->seq, height);
    assert_int_equal(wr->appended, 1);
    assert_int_equal(wr->first_seq, height);
    assert_int_equal(wr->entry_hash.len, LEDGER_HASH_LEN);
    assert_memory_equal(wr->entry_hash.data, head, LEDGER_HASH_LEN);
    assert_head_signed(t, wr->head);
    assert_int_equal(wr->head->size, height);
    uint8_t path[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
    assert_true(wr->n_inclusion <= MERKLE_PROOF_MAX);
    for (size_t i = 0; i < wr->n_inclusion; i++) {
        assert_int_equal(wr->inclusion[i].len, MERKLE_HASH_LEN);
        memcpy(path[i], wr->inclusion[i].data, MERKLE_HASH_LEN);
    }
    assert_int_equal(merkle_verify_inclusion(wr->seq - 1, wr->head->size, wr->entry_hash.data,
                                             (const uint8_t(*)[MERKLE_HASH_LEN])path,
                                             wr->n_inclusion, wr->head->root.data),
                     0);

    /* The same request again: the stored receipt, marked, nothing written. */
    struct request *again = note_put(t, rid_a, "hop-cum-1", "Hội nghị Cụm thi đua số 1");
    assert_int_equal(run_alone(t, again), 0);
    assert_int_equal(tu_ledger_height(t), height);
    Tdkt__Envelope *rep2 = reply_of(again, 0, rid_a);
    assert_int_equal(rep2->body_case, TDKT__ENVELOPE__BODY_RECEIPT);
    assert_true(rep2->receipt->replayed);
    assert_int_equal(rep2->receipt->seq, wr->seq);
    assert_memory_equal(rep2->receipt->entry_hash.data, head, LEDGER_HASH_LEN);
    assert_int_equal(rep2->receipt->time_ms, wr->time_ms);
    assert_int_equal(rep2->receipt->head->size, wr->head->size);
    assert_memory_equal(rep2->receipt->head->signature.data, wr->head->signature.data, STH_SIG_LEN);
    assert_int_equal(rep2->receipt->n_inclusion, wr->n_inclusion);

    /* The same id with another text: refused, nothing written. */
    struct request *reused = note_put(t, rid_a, "hop-cum-1", "Hội nghị khác");
    int status = run_alone(t, reused);
    assert_int_equal(status, TDKT_EREUSED);
    assert_int_equal(tu_ledger_height(t), height);
    Tdkt__Envelope *rep3 = reply_of(reused, status, rid_a);
    assert_int_equal(rep3->body_case, TDKT__ENVELOPE__BODY_ERROR);
    assert_int_equal(rep3->error->code, TDKT__ERROR_CODE__ERROR_CODE_REQUEST_ID_REUSED);
    assert_string_equal(rep3->error->field, "request_id");

    /* A new id is a new note. */
    struct request *next = note_put(t, rid_b, "hop-cum-1", "Hội nghị khác");
    assert_int_equal(run_alone(t, next), 0);
    assert_int_equal(tu_ledger_height(t), height + 1);

    envelope_free(rep3);
    envelope_free(rep2);
    envelope_free(rep);
    request_free(next);
    request_free(reused);
    request_free(again);
    request_free(r);
}

/* A field the handler refuses is answered at once, naming the field, and
 * nothing reaches the database thread. */
static void test_note_put_refused_in_prepare(void **state)
{
    struct tu_ledger *t = *state;
    Tdkt__Envelope env;
    Tdkt__NotePut np = TDKT__NOTE_PUT__INIT;
    struct fault err;
    struct request *r = NULL;

    np.key = (char *)"";
    np.text = (char *)"không khoá";
    envelope_with(&env, body_field("note_put"), &np.base, rid_a);
    memset(&err, 0, sizeof err);
    assert_int_equal(request_prepare(&t->regional[0], &env, &r, &err), TDKT_EINVAL);
    assert_null(r);
    assert_int_equal(fault_wire(&err), TDKT__ERROR_CODE__ERROR_CODE_INVALID_ARGUMENT);
    assert_string_equal(err.field, "note_put.key");
    assert_int_equal(tu_ledger_height(t), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_request_has_one_entry),
        cmocka_unit_test_setup_teardown(test_reply_or_hello_refused, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_central_only_refused_before_fields,
                                        tu_ledger_cmocka_setup, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_person_only_where_the_table_says,
                                        tu_ledger_cmocka_setup, tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_status_round_trip, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_note_put_round_trip, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
        cmocka_unit_test_setup_teardown(test_note_put_refused_in_prepare, tu_ledger_cmocka_setup,
                                        tu_ledger_cmocka_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
