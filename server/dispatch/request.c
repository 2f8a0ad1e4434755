/* SPDX-License-Identifier: MIT */
/*
 * Requests: the table's loop (request.h). Validation on the loop thread,
 * execution on the database thread, reply building on the loop thread. No
 * sockets, no libuv, and no clock: the database thread passes now.
 */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "server/ballot/ballot.h"
#include "server/reconcile/reconcile.h"

/* The idempotency identity of r (server/dispatch/receipt.h). */
static struct receipt_key request_key(const struct request *r)
{
    return (struct receipt_key){r->unit.code, r->request_id, r->body_hash};
}

/* db_job.finish of every write: its receipt joins the batch's signed head. */
static int request_finish(struct db_job *job, struct ledger *l, int64_t now)
{
    struct request *r = (struct request *)job;
    struct receipt_key k = request_key(r);
    return receipt_finish(&r->rcpt, l, &k, now, &r->err);
}

static struct request *request_alloc(const struct request_type *type, enum request_kind kind,
                                     const Tdkt__Envelope *env)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->type = type;
    r->kind = kind;
    r->job.run = request_run;
    r->job.finish = request_finish;
    r->job.write = type && type->write;
    if (env) {
        memcpy(r->request_id, env->request_id.data, sizeof r->request_id);
        r->version = env->version;
    }
    return r;
}

void request_free(struct request *r)
{
    if (!r)
        return;
    free(r->key);
    free(r->text);
    free(r->body);
    for (size_t i = 0; i < r->nrecs; i++)
        tdkt__result_record__free_unpacked(r->recs[i], NULL);
    free(r->recs);
    free(r->rec_seqs);
    for (size_t i = 0; i < r->nentries; i++) {
        Tdkt__LedgerEntry *e = r->entries[i];
        free(e->unit);
        free(e->kind);
        free(e->payload.data);
        free(e->hash.data);
        free(e);
    }
    free(r->entries);
    receipt_release(&r->rcpt);
    if (r->rec_req)
        tdkt__reconcile_request__free_unpacked(r->rec_req, NULL);
    reconcile_reply_free(r->rec_reply);
    ballot_info_free(r->ballot_info);
    ballot_list_free(r->ballot_list);
    if (r->review_reply)
        protobuf_c_message_free_unpacked(r->review_reply, NULL);
    free(r);
}

int request_keep_body(struct request *r, const ProtobufCMessage *m, struct fault *err)
{
    r->body_len = protobuf_c_message_get_packed_size(m);
    r->body = malloc(r->body_len ? r->body_len : 1);
    if (!r->body) {
        fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    protobuf_c_message_pack(m, r->body);
    ledger_sha256(r->body, r->body_len, r->body_hash);
    return 0;
}

int request_keep_env(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&tdkt__envelope__descriptor, env->body_case);
    const ProtobufCMessage *m = NULL;

    if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE)
        memcpy(&m, (const char *)env + fd->offset, sizeof m);
    if (!m) {
        fault_set(err, TDKT_EINVAL, "body", "the request has no body");
        return TDKT_EINVAL;
    }
    return request_keep_body(r, m, err);
}

ProtobufCMessage *request_body_unpack(struct request *r, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, r->body_len, r->body);

    if (!m)
        fault_set(&r->err, TDKT_ENOMEM, NULL, "server out of memory");
    return m;
}

int request_write_end(struct request *r, int rc, const struct fault *f, ProtobufCMessage *m)
{
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc < 0)
        return request_fault(r, rc, NULL, f);
    r->rcpt.appended = 1;
    return 0;
}

int request_refuse_record(struct fault *err, int rc, const char *path, size_t i,
                          const struct fault *f)
{
    char field[FAULT_FIELD_MAX];

    if (rc == TDKT_ENOMEM) {
        fault_set(err, rc, NULL, "server out of memory");
        return rc;
    }
    snprintf(field, sizeof field, "%.40s[%zu]%s%.50s", path, i, f->field[0] ? "." : "", f->field);
    return fault_move(err, f, rc, field);
}

int request_fault(struct request *r, int rc, const char *prefix, const struct fault *f)
{
    char field[FAULT_FIELD_MAX];
    if (prefix && f->field[0])
        snprintf(field, sizeof field, "%.40s.%.50s", prefix, f->field);
    else
        snprintf(field, sizeof field, "%s", f->field);
    return fault_move(&r->err, f, rc, field);
}

const struct request_type *request_type_find(int body_case)
{
    for (size_t i = 0; i < request_types_n; i++)
        if (request_types[i]->body_case == body_case)
            return request_types[i];
    return NULL;
}

int request_prepare(const struct registry_unit *unit, const Tdkt__Envelope *env,
                    struct request **out, struct fault *err)
{
    const struct request_type *type = request_type_find((int)env->body_case);
    struct request *r;
    int rc;

    *out = NULL;
    if (!type) {
        if (env->body_case == TDKT__ENVELOPE__BODY_HELLO)
            fault_set(err, TDKT_EPROTO, "hello", "Hello was already exchanged on this connection");
        else
            fault_set(err, TDKT_EPROTO, "body",
                      "message type %d is a reply or unknown; it cannot be a request",
                      (int)env->body_case);
        err->wire = TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE;
        return TDKT_EPROTO;
    }
    /* Who may send it is the table's, checked before any field is read. A
     * person certificate is for the Council's votes only, and those are
     * for persons only. */
    if (unit->role == REGISTRY_ROLE_PERSON && !type->person) {
        fault_set(err, TDKT_EPERM, type->name,
                  "%s (%s) is connected with a person certificate, which only casts the "
                  "Council's votes (council_cast); %s needs an office's certificate",
                  unit->name, unit->code, type->name);
        return TDKT_EPERM;
    }
    if (type->person && unit->role != REGISTRY_ROLE_PERSON) {
        fault_set(err, TDKT_EPERM, type->name,
                  "only a member of the Council, connected with their own person "
                  "certificate, %s; unit '%s' is an office",
                  type->person, unit->code);
        return TDKT_EPERM;
    }
    if (type->central_only && unit->role != REGISTRY_ROLE_CENTRAL) {
        fault_set(err, TDKT_EPERM, type->name,
                  "only the central office %s; unit '%s' is a regional office", type->central_only,
                  unit->code);
        return TDKT_EPERM;
    }
    r = request_alloc(type, type->kind, env);
    if (!r) {
        fault_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    r->unit = *unit;
    rc = type->prepare ? type->prepare(r, env, err) : 0;
    if (rc < 0) {
        request_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int request_new_auth(const char *code, const char *serial, struct request **out)
{
    struct request *r = request_alloc(NULL, REQUEST_AUTH, NULL);
    if (!r)
        return TDKT_ENOMEM;
    snprintf(r->auth_code, sizeof r->auth_code, "%s", code);
    if (serial)
        snprintf(r->auth_serial, sizeof r->auth_serial, "%s", serial);
    r->auth_plain = serial == NULL;
    *out = r;
    return 0;
}

/* A Council member's own certificate (docs/council.md): its serial is in
 * person_certs, and the connection acts as that person. */
static int run_auth_person(struct request *r, struct ledger *l)
{
    int rc = registry_person_auth(l, r->auth_code, r->auth_serial, &r->unit);

    if (rc == TDKT_EAUTH)
        fault_set(&r->err, TDKT_EAUTH, NULL,
                  "certificate %s is a person certificate, but not of person '%s' (or "
                  "that person is not registered)",
                  r->auth_serial, r->auth_code);
    else if (rc == TDKT_EREVOKED)
        fault_set(&r->err, TDKT_EREVOKED, NULL,
                  "the person certificate %s of %s (%s) has been revoked", r->auth_serial,
                  r->unit.name, r->unit.code);
    else if (rc < 0 && rc != TDKT_ENOTFOUND)
        fault_set(&r->err, rc, NULL, "cannot check person '%s': %s", r->auth_code,
                  tdkt_strerror(rc));
    return rc;
}

static int run_auth(struct request *r, struct ledger *l)
{
    int rc;
    if (r->auth_plain) {
        rc = registry_unit_get(l, r->auth_code, &r->unit);
        if (rc == 0 && r->unit.revoked)
            rc = TDKT_EREVOKED;
    } else {
        /* A serial names one holder: a person's, or else a unit's. */
        rc = run_auth_person(r, l);
        if (rc != TDKT_ENOTFOUND)
            return rc;
        memset(&r->unit, 0, sizeof r->unit);
        rc = registry_auth(l, r->auth_code, r->auth_serial, &r->unit);
    }
    if (rc == TDKT_ENOTFOUND)
        fault_set(&r->err, TDKT_ENOTFOUND, NULL,
                  "unit '%s' with certificate %s is not registered in this ledger", r->auth_code,
                  r->auth_plain ? "(none)" : r->auth_serial);
    else if (rc == TDKT_EREVOKED)
        fault_set(&r->err, TDKT_EREVOKED, NULL, "unit '%s' or its certificate %s has been revoked",
                  r->auth_code, r->auth_plain ? "(none)" : r->auth_serial);
    else if (rc < 0)
        fault_set(&r->err, rc, NULL, "cannot check unit '%s': %s", r->auth_code, tdkt_strerror(rc));
    if (rc == TDKT_ENOTFOUND)
        r->err.wire = TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT;
    return rc;
}

int request_run(struct db_job *job, struct ledger *l, int64_t now)
{
    struct request *r = (struct request *)job;
    int rc;

    if (r->kind == REQUEST_AUTH)
        return run_auth(r, l);
    if (!r->type->write)
        return r->type->run(r, l, now);
    /* A write: a replay answers with its stored receipt and writes nothing;
     * a new one runs and leaves its receipt for the batch's finish step. */
    struct receipt_key k = request_key(r);
    rc = receipt_lookup(&r->rcpt, l, &k, &r->err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = r->type->run(r, l, now);
    if (rc < 0)
        return rc;
    return receipt_store(&r->rcpt, l, &k, &r->err);
}

int request_reply(struct request *r, int status, uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    struct request_scratch s;

    if (status < 0) {
        /* run() succeeded but COMMIT did not, or the DB thread refused the
         * job: the request was not made durable. */
        if (!fault_is_set(&r->err)) {
            if (status == TDKT_EUNAVAIL)
                fault_set(&r->err, status, NULL,
                          "the server is not accepting writes (storage failed or "
                          "shutting down); nothing was written, retry later");
            else
                fault_set(&r->err, TDKT_EDB, NULL,
                          "the write could not be made durable (%s); nothing was "
                          "written, retry with the same request id",
                          tdkt_strerror(status));
        }
        return request_error_frame(r->request_id, r->version, &r->err, frame, len);
    }
    if (r->kind == REQUEST_AUTH)
        return TDKT_EINVAL; /* answered by the conn with a Welcome */

    env.version = r->version;
    env.request_id.data = r->request_id;
    env.request_id.len = sizeof r->request_id;
    if (r->type->write) {
        tdkt__write_receipt__init(&s.receipt);
        tdkt__tree_head__init(&s.head);
        receipt_to_wire(&r->rcpt, &s.receipt, &s.head, s.paths);
        s.receipt.replayed = r->rcpt.replayed;
        env.body_case = TDKT__ENVELOPE__BODY_RECEIPT;
        env.receipt = &s.receipt;
    } else {
        r->type->reply(r, &s, &env);
    }
    return envelope_encode_reply(&env, FRAME_MAX_AUTHED, frame, len);
}
