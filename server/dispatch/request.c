/* SPDX-License-Identifier: MIT */
/*
 * Requests: validation (loop thread), execution (database thread) and reply
 * building (loop thread). See request.h. No sockets, no libuv.
 */
#include "request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/domain/records.h"
#include "common/err.h"
#include "common/log.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"
#include "server/ledger/catalog.h"
#include "server/ledger/results.h"
#include "server/ballot/ballot.h"
#include "server/clock/clock.h"
#include "server/reconcile/reconcile.h"
#include "server/review/review.h"

/* The idempotency identity of r (server/dispatch/receipt.h). */
static struct receipt_key request_key(const struct request *r)
{
    return (struct receipt_key){r->unit.code, r->request_id, r->body_hash};
}

static int idem_lookup(struct request *r, struct ledger *l)
{
    struct receipt_key k = request_key(r);
    return receipt_lookup(&r->rcpt, l, &k, &r->err);
}

static int idem_store(struct request *r, struct ledger *l)
{
    struct receipt_key k = request_key(r);
    return receipt_store(&r->rcpt, l, &k, &r->err);
}

/* db_job.finish of every write: its receipt joins the batch's signed head. */
static int request_finish(struct db_job *job, struct ledger *l)
{
    struct request *r = (struct request *)job;
    struct receipt_key k = request_key(r);
    return receipt_finish(&r->rcpt, l, &k, clock_now_ms(), &r->err);
}

static struct request *request_alloc(enum request_kind kind, const Tdkt__Envelope *env)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = kind;
    r->job.run = request_run;
    r->job.finish = request_finish;
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

/* A note key names a record: printable, no control characters. */
static int note_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > REQUEST_NOTE_KEY_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)key[i];
        if (ch < 0x20 || ch == 0x7f)
            return 0;
    }
    return 1;
}

/* Keep the packed body of a write and its hash for idempotency. */
static int keep_body(struct request *r, const ProtobufCMessage *m, struct request_error *err)
{
    r->body_len = protobuf_c_message_get_packed_size(m);
    r->body = malloc(r->body_len ? r->body_len : 1);
    if (!r->body) {
        request_error_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    protobuf_c_message_pack(m, r->body);
    ledger_sha256(r->body, r->body_len, r->body_hash);
    r->job.write = 1;
    return 0;
}

static int prepare_note_put(struct request *r, const Tdkt__NotePut *np, struct request_error *err)
{
    size_t tlen;
    if (!np->key || !note_key_valid(np->key)) {
        request_error_set(err, TDKT_EINVAL, "note_put.key",
                          "note key must be 1 to %d bytes without control characters",
                          REQUEST_NOTE_KEY_MAX);
        return TDKT_EINVAL;
    }
    tlen = np->text ? strlen(np->text) : 0;
    if (tlen > REQUEST_NOTE_TEXT_MAX) {
        request_error_set(err, TDKT_EINVAL, "note_put.text",
                          "note text is %zu bytes; the limit is %d", tlen, REQUEST_NOTE_TEXT_MAX);
        return TDKT_EINVAL;
    }
    r->key = strdup(np->key);
    r->text = strdup(np->text ? np->text : "");
    if (!r->key || !r->text) {
        request_error_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    return keep_body(r, &np->base, err);
}

/* Registry and results bodies are normalised in place: env was unpacked by
 * protobuf-c with the default allocator and belongs to the conn, which frees
 * it after prepare; replacing a string with a malloc'd NFC copy is safe. */
static int prepare_registry_put(struct request *r, Tdkt__RegistryPut *m, struct request_error *err)
{
    char field[REQUEST_FIELD_MAX];
    struct record_fault f;
    int rc;

    if (r->unit.role != REGISTRY_ROLE_CENTRAL) {
        request_error_set(err, TDKT_EPERM, "registry_put",
                          "only the central office maintains the registry; unit '%s' is a "
                          "regional office",
                          r->unit.code);
        return TDKT_EPERM;
    }
    if (m->n_records == 0 || m->n_records > REGISTRY_BATCH_MAX) {
        request_error_set(err, TDKT_EINVAL, "registry_put.records",
                          "a registry batch holds 1 to %d records, not %zu", REGISTRY_BATCH_MAX,
                          m->n_records);
        return TDKT_EINVAL;
    }
    for (size_t i = 0; i < m->n_records; i++) {
        rc = registry_record_normalise(m->records[i]);
        if (rc == 0)
            rc = registry_record_validate(m->records[i], &f);
        else
            snprintf(f.why, sizeof f.why, "text is not valid UTF-8");
        if (rc < 0) {
            snprintf(field, sizeof field, "registry_put.records[%zu].%.50s", i, f.field);
            request_error_set(err, TDKT_EINVAL, field, "%s", f.why);
            return TDKT_EINVAL;
        }
    }
    return keep_body(r, &m->base, err);
}

static int prepare_results_put(struct request *r, Tdkt__ResultsPut *m, struct request_error *err)
{
    char field[REQUEST_FIELD_MAX];
    struct record_fault f;
    int rc;

    if (!record_unit_code_valid(m->unit_code)) {
        request_error_set(err, TDKT_EINVAL, "results_put.unit_code",
                          "a unit code is 1 to %d characters of A-Z, 0-9, '_', '-'",
                          RECORD_CODE_MAX);
        return TDKT_EINVAL;
    }
    if (!record_year_valid(m->year)) {
        request_error_set(err, TDKT_EINVAL, "results_put.year", "year must be %d to %d",
                          RECORD_YEAR_MIN, RECORD_YEAR_MAX);
        return TDKT_EINVAL;
    }
    if (m->n_records == 0 || m->n_records > RESULTS_BATCH_MAX) {
        request_error_set(err, TDKT_EINVAL, "results_put.records",
                          "a results batch holds 1 to %d records, not %zu", RESULTS_BATCH_MAX,
                          m->n_records);
        return TDKT_EINVAL;
    }
    for (size_t i = 0; i < m->n_records; i++) {
        rc = record_normalise(m->records[i]);
        if (rc == 0)
            rc = record_validate(m->records[i], &f);
        else
            snprintf(f.why, sizeof f.why, "text is not valid UTF-8");
        if (rc < 0) {
            snprintf(field, sizeof field, "results_put.records[%zu].%.50s", i, f.field);
            request_error_set(err, TDKT_EINVAL, field, "%s", f.why);
            return TDKT_EINVAL;
        }
    }
    snprintf(r->unit_code, sizeof r->unit_code, "%s", m->unit_code);
    r->year = m->year;
    return keep_body(r, &m->base, err);
}

static int prepare_results_get(struct request *r, const Tdkt__ResultsGet *m,
                               struct request_error *err)
{
    if (!record_unit_code_valid(m->unit_code)) {
        request_error_set(err, TDKT_EINVAL, "results_get.unit_code", "not a unit code");
        return TDKT_EINVAL;
    }
    if (!record_year_valid(m->year)) {
        request_error_set(err, TDKT_EINVAL, "results_get.year", "year must be %d to %d",
                          RECORD_YEAR_MIN, RECORD_YEAR_MAX);
        return TDKT_EINVAL;
    }
    snprintf(r->unit_code, sizeof r->unit_code, "%s", m->unit_code);
    r->year = m->year;
    r->offset = m->offset;
    return 0;
}

int request_prepare(const struct registry_unit *unit, const Tdkt__Envelope *env,
                    struct request **out, struct request_error *err)
{
    struct request *r = NULL;
    int rc;

    *out = NULL;
    switch (env->body_case) {
    case TDKT__ENVELOPE__BODY_STATUS:
        r = request_alloc(REQUEST_STATUS, env);
        break;
    case TDKT__ENVELOPE__BODY_NOTE_PUT:
        r = request_alloc(REQUEST_NOTE_PUT, env);
        break;
    case TDKT__ENVELOPE__BODY_REGISTRY_PUT:
        r = request_alloc(REQUEST_REGISTRY_PUT, env);
        break;
    case TDKT__ENVELOPE__BODY_RESULTS_PUT:
        r = request_alloc(REQUEST_RESULTS_PUT, env);
        break;
    case TDKT__ENVELOPE__BODY_RESULTS_GET:
        r = request_alloc(REQUEST_RESULTS_GET, env);
        break;
    case TDKT__ENVELOPE__BODY_SYNC_PULL:
        r = request_alloc(REQUEST_SYNC_PULL, env);
        break;
    case TDKT__ENVELOPE__BODY_RECONCILE:
        r = request_alloc(REQUEST_RECONCILE, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_OPEN:
        r = request_alloc(REQUEST_BALLOT_OPEN, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_CAST:
        r = request_alloc(REQUEST_BALLOT_CAST, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_ACTION:
        r = request_alloc(REQUEST_BALLOT_ACTION, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_PAPER:
        r = request_alloc(REQUEST_BALLOT_PAPER, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_GET:
        r = request_alloc(REQUEST_BALLOT_GET, env);
        break;
    case TDKT__ENVELOPE__BODY_BALLOT_LIST:
        r = request_alloc(REQUEST_BALLOT_LIST, env);
        break;
    case TDKT__ENVELOPE__BODY_SUBMISSION_PUT:
        r = request_alloc(REQUEST_SUBMISSION_PUT, env);
        break;
    case TDKT__ENVELOPE__BODY_REVIEW_STEP:
        r = request_alloc(REQUEST_REVIEW_STEP, env);
        break;
    case TDKT__ENVELOPE__BODY_DECISION_RECORD:
        r = request_alloc(REQUEST_DECISION_RECORD, env);
        break;
    case TDKT__ENVELOPE__BODY_SUBMISSION_GET:
        r = request_alloc(REQUEST_SUBMISSION_GET, env);
        break;
    case TDKT__ENVELOPE__BODY_SUBMISSION_LIST:
        r = request_alloc(REQUEST_SUBMISSION_LIST, env);
        break;
    case TDKT__ENVELOPE__BODY_HISTORY_GET:
        r = request_alloc(REQUEST_HISTORY_GET, env);
        break;
    case TDKT__ENVELOPE__BODY_REPORT_GET:
        r = request_alloc(REQUEST_REPORT_GET, env);
        break;
    case TDKT__ENVELOPE__BODY_HELLO:
        request_error_set(err, TDKT_EPROTO, "hello",
                          "Hello was already exchanged on this connection");
        err->code = TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE;
        return TDKT_EPROTO;
    default:
        request_error_set(err, TDKT_EPROTO, "body",
                          "message type %d is a reply or unknown; it cannot be a request",
                          (int)env->body_case);
        err->code = TDKT__ERROR_CODE__ERROR_CODE_UNEXPECTED_MESSAGE;
        return TDKT_EPROTO;
    }
    if (!r) {
        request_error_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    r->unit = *unit;
    switch (r->kind) {
    case REQUEST_NOTE_PUT:
        rc = prepare_note_put(r, env->note_put, err);
        break;
    case REQUEST_REGISTRY_PUT:
        rc = prepare_registry_put(r, env->registry_put, err);
        break;
    case REQUEST_RESULTS_PUT:
        rc = prepare_results_put(r, env->results_put, err);
        break;
    case REQUEST_RESULTS_GET:
        rc = prepare_results_get(r, env->results_get, err);
        break;
    case REQUEST_SYNC_PULL:
        r->after = env->sync_pull->after_seq;
        r->max = env->sync_pull->max_entries ? env->sync_pull->max_entries : SYNC_ENTRIES_DEFAULT;
        if (r->max > SYNC_ENTRIES_MAX)
            r->max = SYNC_ENTRIES_MAX;
        rc = 0;
        break;
    case REQUEST_RECONCILE:
        rc = reconcile_prepare(env->reconcile, &r->rec_req, err);
        break;
    case REQUEST_BALLOT_OPEN:
        rc = keep_body(r, &env->ballot_open->base, err);
        break;
    case REQUEST_BALLOT_CAST:
        rc = keep_body(r, &env->ballot_cast->base, err);
        break;
    case REQUEST_BALLOT_ACTION:
        rc = keep_body(r, &env->ballot_action->base, err);
        break;
    case REQUEST_BALLOT_PAPER:
        rc = keep_body(r, &env->ballot_paper->base, err);
        break;
    case REQUEST_BALLOT_GET:
        if (!record_code_valid(env->ballot_get->ballot_id)) {
            request_error_set(err, TDKT_EINVAL, "ballot_get.ballot_id", "not a ballot id");
            rc = TDKT_EINVAL;
            break;
        }
        snprintf(r->ballot_id, sizeof r->ballot_id, "%s", env->ballot_get->ballot_id);
        rc = 0;
        break;
    case REQUEST_BALLOT_LIST:
        r->year = env->ballot_list->year;
        rc = 0;
        break;
    case REQUEST_SUBMISSION_PUT:
        rc = keep_body(r, &env->submission_put->base, err);
        break;
    case REQUEST_REVIEW_STEP:
        rc = keep_body(r, &env->review_step->base, err);
        break;
    case REQUEST_DECISION_RECORD:
        rc = keep_body(r, &env->decision_record->base, err);
        break;
    case REQUEST_SUBMISSION_GET:
        rc = keep_body(r, &env->submission_get->base, err);
        r->job.write = 0; /* a read: the copy is only its input */
        break;
    case REQUEST_SUBMISSION_LIST:
        rc = keep_body(r, &env->submission_list->base, err);
        r->job.write = 0;
        break;
    case REQUEST_HISTORY_GET:
        rc = keep_body(r, &env->history_get->base, err);
        r->job.write = 0;
        break;
    case REQUEST_REPORT_GET:
        r->year = env->report_get->year;
        rc = 0;
        break;
    default:
        rc = 0;
        break;
    }
    if (rc < 0) {
        request_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int request_new_auth(const char *code, const char *serial, struct request **out)
{
    struct request *r = request_alloc(REQUEST_AUTH, NULL);
    if (!r)
        return TDKT_ENOMEM;
    snprintf(r->auth_code, sizeof r->auth_code, "%s", code);
    if (serial)
        snprintf(r->auth_serial, sizeof r->auth_serial, "%s", serial);
    r->auth_plain = serial == NULL;
    *out = r;
    return 0;
}

static int run_auth(struct request *r, struct ledger *l)
{
    int rc;
    if (r->auth_plain) {
        rc = registry_unit_get(l, r->auth_code, &r->unit);
        if (rc == 0 && r->unit.revoked)
            rc = TDKT_EREVOKED;
    } else {
        rc = registry_auth(l, r->auth_code, r->auth_serial, &r->unit);
    }
    if (rc == TDKT_ENOTFOUND)
        request_error_set(&r->err, TDKT_ENOTFOUND, NULL,
                          "unit '%s' with certificate %s is not registered in this ledger",
                          r->auth_code, r->auth_plain ? "(none)" : r->auth_serial);
    else if (rc == TDKT_EREVOKED)
        request_error_set(&r->err, TDKT_EREVOKED, NULL,
                          "unit '%s' or its certificate %s has been revoked", r->auth_code,
                          r->auth_plain ? "(none)" : r->auth_serial);
    else if (rc < 0)
        request_error_set(&r->err, rc, NULL, "cannot check unit '%s': %s", r->auth_code,
                          tdkt_strerror(rc));
    if (rc == TDKT_ENOTFOUND)
        r->err.code = TDKT__ERROR_CODE__ERROR_CODE_UNKNOWN_UNIT;
    return rc;
}

static int run_note_put(struct request *r, struct ledger *l)
{
    int rc = idem_lookup(r, l);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = ledger_note_put(l, clock_now_ms(), r->unit.code, r->body, r->body_len, r->key, r->text,
                         NULL, NULL);
    if (rc < 0) {
        request_error_set(&r->err, rc, NULL, "cannot append the note: %s", tdkt_strerror(rc));
        return rc;
    }
    r->rcpt.appended = 1;
    return idem_store(r, l);
}

/* A refusal from the catalog or results modules: keep its field and words. */
static int fault_error(struct request *r, int rc, const char *prefix, const struct record_fault *f)
{
    char field[REQUEST_FIELD_MAX];
    if (prefix && f->field[0])
        snprintf(field, sizeof field, "%.40s.%.50s", prefix, f->field);
    else
        snprintf(field, sizeof field, "%s", f->field);
    if (f->why[0])
        request_error_set(&r->err, rc, field, "%s", f->why);
    else
        request_error_set(&r->err, rc, field, "%s", tdkt_strerror(rc));
    return rc;
}

static int run_registry_put(struct request *r, struct ledger *l)
{
    Tdkt__RegistryPut *m;
    struct record_fault f;
    char prefix[48];
    int64_t t = clock_now_ms();
    int rc = idem_lookup(r, l), appended;

    if (rc != 0)
        return rc < 0 ? rc : 0;
    m = tdkt__registry_put__unpack(NULL, r->body_len, r->body);
    if (!m) {
        request_error_set(&r->err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    for (size_t i = 0; i < m->n_records; i++) {
        memset(&f, 0, sizeof f);
        rc = catalog_apply(l, t, r->unit.code, m->records[i], &appended, &f);
        if (rc < 0) {
            snprintf(prefix, sizeof prefix, "registry_put.records[%zu]", i);
            fault_error(r, rc, prefix, &f);
            break;
        }
        if (appended) {
            if (!r->rcpt.first_seq)
                ledger_head(l, &r->rcpt.first_seq, NULL);
            r->rcpt.appended++;
        } else {
            r->rcpt.unchanged++;
        }
    }
    tdkt__registry_put__free_unpacked(m, NULL);
    if (rc < 0)
        return rc;
    return idem_store(r, l);
}

static int run_results_put(struct request *r, struct ledger *l)
{
    Tdkt__ResultsPut *m;
    struct results_outcome o;
    struct record_fault f;
    int rc = idem_lookup(r, l);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    m = tdkt__results_put__unpack(NULL, r->body_len, r->body);
    if (!m) {
        request_error_set(&r->err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    memset(&f, 0, sizeof f);
    rc = results_put(l, clock_now_ms(), &r->unit, m->unit_code, m->year, m->records, m->n_records,
                     &o, &f);
    tdkt__results_put__free_unpacked(m, NULL);
    if (rc < 0)
        return fault_error(r, rc, NULL, &f);
    r->rcpt.appended = o.appended;
    r->rcpt.unchanged = o.unchanged;
    r->rcpt.first_seq = o.first_seq;
    return idem_store(r, l);
}

/* The ballot writes: unpack the kept body, apply, store the receipt. */
static int run_ballot_write(struct request *r, struct ledger *l)
{
    struct record_fault f;
    ProtobufCMessage *m = NULL;
    int64_t t = clock_now_ms();
    int rc = idem_lookup(r, l);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    memset(&f, 0, sizeof f);
    switch (r->kind) {
    case REQUEST_BALLOT_OPEN: {
        Tdkt__BallotOpen *b = tdkt__ballot_open__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? ballot_open(l, t, &r->unit, b, &f) : TDKT_ENOMEM;
        break;
    }
    case REQUEST_BALLOT_CAST: {
        Tdkt__BallotCast *b = tdkt__ballot_cast__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? ballot_cast(l, t, &r->unit, b, &f) : TDKT_ENOMEM;
        break;
    }
    case REQUEST_BALLOT_ACTION: {
        Tdkt__BallotAction *b = tdkt__ballot_action__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? ballot_step(l, t, &r->unit, b->ballot_id, (int)b->step, &f) : TDKT_ENOMEM;
        break;
    }
    case REQUEST_BALLOT_PAPER: {
        Tdkt__BallotPaper *b = tdkt__ballot_paper__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? ballot_paper(l, t, &r->unit, b, &f) : TDKT_ENOMEM;
        break;
    }
    default:
        rc = TDKT_EINVAL;
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    if (rc < 0)
        return fault_error(r, rc, NULL, &f);
    r->rcpt.appended = 1;
    return idem_store(r, l);
}

static int run_review_write(struct request *r, struct ledger *l)
{
    struct record_fault f;
    ProtobufCMessage *m = NULL;
    int rc = idem_lookup(r, l);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    memset(&f, 0, sizeof f);
    if (r->kind == REQUEST_SUBMISSION_PUT) {
        Tdkt__SubmissionPut *b = tdkt__submission_put__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? review_submit(l, clock_now_ms(), &r->unit, b, &f) : TDKT_ENOMEM;
    } else if (r->kind == REQUEST_DECISION_RECORD) {
        Tdkt__DecisionRecord *b = tdkt__decision_record__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? review_record(l, clock_now_ms(), &r->unit, b, &f) : TDKT_ENOMEM;
    } else {
        Tdkt__ReviewStep *b = tdkt__review_step__unpack(NULL, r->body_len, r->body);
        m = b ? &b->base : NULL;
        rc = b ? review_step(l, clock_now_ms(), &r->unit, b, &f) : TDKT_ENOMEM;
    }
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    if (rc < 0)
        return fault_error(r, rc, NULL, &f);
    r->rcpt.appended = 1;
    return idem_store(r, l);
}

static int run_review_read(struct request *r, struct ledger *l)
{
    struct record_fault f;
    int rc = TDKT_EINVAL;

    memset(&f, 0, sizeof f);
    switch (r->kind) {
    case REQUEST_SUBMISSION_GET: {
        Tdkt__SubmissionGet *g = tdkt__submission_get__unpack(NULL, r->body_len, r->body);
        Tdkt__SubmissionInfo *o = NULL;
        rc = g ? review_get(l, &r->unit, g->submission_id ? g->submission_id : "", &o, &f)
               : TDKT_ENOMEM;
        r->review_reply = o ? &o->base : NULL;
        if (g)
            tdkt__submission_get__free_unpacked(g, NULL);
        break;
    }
    case REQUEST_SUBMISSION_LIST: {
        Tdkt__SubmissionList *g = tdkt__submission_list__unpack(NULL, r->body_len, r->body);
        Tdkt__SubmissionListReply *o = NULL;
        rc = g ? review_list(l, &r->unit, g, &o) : TDKT_ENOMEM;
        r->review_reply = o ? &o->base : NULL;
        if (g)
            tdkt__submission_list__free_unpacked(g, NULL);
        break;
    }
    case REQUEST_HISTORY_GET: {
        Tdkt__HistoryGet *g = tdkt__history_get__unpack(NULL, r->body_len, r->body);
        Tdkt__HistoryReply *o = NULL;
        rc = g ? review_history(l, &r->unit, g, &o, &f) : TDKT_ENOMEM;
        r->review_reply = o ? &o->base : NULL;
        if (g)
            tdkt__history_get__free_unpacked(g, NULL);
        break;
    }
    case REQUEST_REPORT_GET: {
        Tdkt__ReportReply *o = NULL;
        rc = review_report(l, &r->unit, r->year, &o, &f);
        r->review_reply = o ? &o->base : NULL;
        break;
    }
    default:
        break;
    }
    if (rc < 0)
        return fault_error(r, rc, NULL, &f);
    return 0;
}

/* May the caller read unit's results? Its own subtree, or everything for the
 * central office. */
static int may_read_unit(struct request *r, struct ledger *l, const char *unit)
{
    int rc;
    char owner[LEDGER_UNIT_MAX + 1];
    if (r->unit.role == REGISTRY_ROLE_CENTRAL)
        return 1;
    rc = catalog_unit_owner(l, unit, owner);
    if (rc < 0)
        return rc;
    return strcmp(owner, r->unit.code) == 0;
}

static int collect_result(void *arg, const struct results_row *row)
{
    struct request *r = arg;
    Tdkt__ResultRecord *rec;

    if (r->reply_bytes + row->record_len > REPLY_BYTES_MAX && r->nrecs > 0) {
        r->more = 1;
        return 1;
    }
    if (r->nrecs == r->caprecs) {
        size_t cap = r->caprecs ? r->caprecs * 2 : 64;
        Tdkt__ResultRecord **nr = realloc(r->recs, cap * sizeof *nr);
        if (!nr)
            return TDKT_ENOMEM;
        r->recs = nr;
        uint64_t *ns = realloc(r->rec_seqs, cap * sizeof *ns);
        if (!ns)
            return TDKT_ENOMEM;
        r->rec_seqs = ns;
        r->caprecs = cap;
    }
    rec = tdkt__result_record__unpack(NULL, row->record_len, row->record);
    if (!rec)
        return TDKT_ECORRUPT;
    r->recs[r->nrecs] = rec;
    r->rec_seqs[r->nrecs] = row->seq;
    r->nrecs++;
    r->reply_bytes += row->record_len + 16;
    return 0;
}

static int run_results_get(struct request *r, struct ledger *l)
{
    struct registry_unit u;
    int rc = registry_unit_get(l, r->unit_code, &u);

    if (rc == TDKT_ENOTFOUND) {
        request_error_set(&r->err, rc, "results_get.unit_code", "unit '%s' is not registered",
                          r->unit_code);
        return rc;
    }
    if (rc < 0)
        goto fail;
    rc = may_read_unit(r, l, r->unit_code);
    if (rc < 0)
        goto fail;
    if (rc == 0) {
        request_error_set(&r->err, TDKT_EPERM, "results_get.unit_code",
                          "unit '%s' may read only its own results and its divisions'; '%s' is "
                          "neither",
                          r->unit.code, r->unit_code);
        return TDKT_EPERM;
    }
    rc = results_each(l, r->unit_code, r->year, r->offset, collect_result, r);
    if (rc < 0)
        goto fail;
    r->next_offset = r->offset + (uint32_t)r->nrecs;
    return 0;
fail:
    request_error_set(&r->err, rc, NULL, "cannot read results: %s", tdkt_strerror(rc));
    return rc;
}

/* Entry kinds every unit receives: the registry it works against. */
static int kind_public(const char *kind)
{
    static const char *const pub[] = {"unit.register", "unit.revoke", "person.register",
                                      "period.set",    "cluster.set", "criteria.set",
                                      "rules.set"};
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        if (strcmp(kind, pub[i]) == 0)
            return 1;
    return 0;
}

static char *dup_str(const char *s)
{
    return strdup(s ? s : "");
}

static int collect_entry(void *arg, const struct ledger_entry *e)
{
    struct request *r = arg;
    Tdkt__LedgerEntry *le;

    if (r->nentries >= r->max ||
        (r->reply_bytes + e->payload_len + 96 > REPLY_BYTES_MAX && r->nentries > 0))
        return 1; /* next_after stays at the last entry taken */
    r->next_after = e->seq;
    if (!(r->unit.role == REGISTRY_ROLE_CENTRAL || kind_public(e->kind) ||
          strcmp(e->unit, r->unit.code) == 0))
        return 0;
    /* An office's own results come back in its receipts (and reconcile
     * repairs a store that lost them): sending them again would double the
     * traffic of every upload. */
    if (strcmp(e->kind, "result.put") == 0 && strcmp(e->unit, r->unit.code) == 0)
        return 0;
    if (r->nentries == r->capentries) {
        size_t cap = r->capentries ? r->capentries * 2 : 64;
        Tdkt__LedgerEntry **n = realloc(r->entries, cap * sizeof *n);
        if (!n)
            return TDKT_ENOMEM;
        r->entries = n;
        r->capentries = cap;
    }
    le = malloc(sizeof *le);
    if (!le)
        return TDKT_ENOMEM;
    tdkt__ledger_entry__init(le);
    le->seq = e->seq;
    le->time_ms = e->time_ms;
    le->unit = dup_str(e->unit);
    le->kind = dup_str(e->kind);
    le->payload.data = malloc(e->payload_len ? e->payload_len : 1);
    le->hash.data = malloc(LEDGER_HASH_LEN);
    r->entries[r->nentries++] = le; /* owned by r from here, even half-built */
    if (!le->unit || !le->kind || !le->payload.data || !le->hash.data)
        return TDKT_ENOMEM;
    memcpy(le->payload.data, e->payload, e->payload_len);
    le->payload.len = e->payload_len;
    memcpy(le->hash.data, e->hash, LEDGER_HASH_LEN);
    le->hash.len = LEDGER_HASH_LEN;
    r->reply_bytes += e->payload_len + 96;
    return 0;
}

static int run_sync_pull(struct request *r, struct ledger *l)
{
    int rc = ledger_head(l, &r->height, NULL);
    if (rc == 0) {
        r->next_after = r->after;
        rc = ledger_entries_after(l, r->after, SYNC_SCAN_MAX, collect_entry, r);
    }
    if (rc < 0) {
        request_error_set(&r->err, rc, NULL, "cannot read the ledger: %s", tdkt_strerror(rc));
        return rc;
    }
    if (r->next_after > r->height)
        r->next_after = r->height;
    return 0;
}

int request_run(struct db_job *job, struct ledger *l)
{
    struct request *r = (struct request *)job;
    int rc;

    switch (r->kind) {
    case REQUEST_AUTH:
        return run_auth(r, l);
    case REQUEST_STATUS:
        rc = ledger_head(l, &r->height, NULL);
        if (rc == 0)
            rc = treelog_head(l, clock_now_ms(), &r->rcpt.sth);
        if (rc < 0) {
            request_error_set(&r->err, rc, NULL, "cannot read the ledger head: %s",
                              tdkt_strerror(rc));
            return rc;
        }
        r->rcpt.has_sth = 1;
        memcpy(r->rcpt.hash, r->rcpt.sth.root, LEDGER_HASH_LEN);
        return 0;
    case REQUEST_RECONCILE:
        return reconcile_run(l, &r->unit, r->rec_req, clock_now_ms(), &r->rec_reply, &r->err);
    case REQUEST_BALLOT_OPEN:
    case REQUEST_BALLOT_CAST:
    case REQUEST_BALLOT_ACTION:
    case REQUEST_BALLOT_PAPER:
        return run_ballot_write(r, l);
    case REQUEST_SUBMISSION_PUT:
    case REQUEST_REVIEW_STEP:
    case REQUEST_DECISION_RECORD:
        return run_review_write(r, l);
    case REQUEST_SUBMISSION_GET:
    case REQUEST_SUBMISSION_LIST:
    case REQUEST_HISTORY_GET:
    case REQUEST_REPORT_GET:
        return run_review_read(r, l);
    case REQUEST_BALLOT_GET:
    case REQUEST_BALLOT_LIST: {
        struct record_fault f;
        memset(&f, 0, sizeof f);
        rc = r->kind == REQUEST_BALLOT_GET
                 ? ballot_get(l, clock_now_ms(), &r->unit, r->ballot_id, &r->ballot_info, &f)
                 : ballot_list(l, clock_now_ms(), &r->unit, r->year, &r->ballot_list);
        if (rc < 0)
            return fault_error(r, rc, NULL, &f);
        return 0;
    }
    case REQUEST_NOTE_PUT:
        return run_note_put(r, l);
    case REQUEST_REGISTRY_PUT:
        return run_registry_put(r, l);
    case REQUEST_RESULTS_PUT:
        return run_results_put(r, l);
    case REQUEST_RESULTS_GET:
        return run_results_get(r, l);
    case REQUEST_SYNC_PULL:
        return run_sync_pull(r, l);
    }
    request_error_set(&r->err, TDKT_EINVAL, NULL, "unknown request kind");
    return TDKT_EINVAL;
}

int request_reply(struct request *r, int status, uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__StatusReply sr = TDKT__STATUS_REPLY__INIT;
    Tdkt__WriteReceipt wr = TDKT__WRITE_RECEIPT__INIT;
    Tdkt__Unit u = TDKT__UNIT__INIT;
    Tdkt__ResultsReply rr = TDKT__RESULTS_REPLY__INIT;
    Tdkt__SyncBatch sb = TDKT__SYNC_BATCH__INIT;
    Tdkt__TreeHead th = TDKT__TREE_HEAD__INIT;
    ProtobufCBinaryData paths[MERKLE_PROOF_MAX];

    if (status < 0) {
        /* run() succeeded but COMMIT did not, or the DB thread refused the
         * job: the request was not made durable. */
        if (r->err.code == 0) {
            if (status == TDKT_EUNAVAIL)
                request_error_set(&r->err, status, NULL,
                                  "the server is not accepting writes (storage failed or "
                                  "shutting down); nothing was written, retry later");
            else
                request_error_set(&r->err, TDKT_EDB, NULL,
                                  "the write could not be made durable (%s); nothing was "
                                  "written, retry with the same request id",
                                  tdkt_strerror(status));
        }
        return request_error_frame(r->request_id, r->version, &r->err, frame, len);
    }

    env.version = r->version;
    env.request_id.data = r->request_id;
    env.request_id.len = sizeof r->request_id;
    switch (r->kind) {
    case REQUEST_STATUS:
        u.code = r->unit.code;
        u.name = r->unit.name;
        u.role = (Tdkt__Role)r->unit.role;
        sr.server_version = (char *)TDKT_VERSION;
        sr.protocol_version = r->version;
        sr.ledger_height = r->height;
        sr.head_hash.data = r->rcpt.hash;
        sr.head_hash.len = LEDGER_HASH_LEN;
        sr.unit = &u;
        sr.server_time_ms = (uint64_t)clock_now_ms();
        if (r->rcpt.has_sth) {
            th.size = r->rcpt.sth.size;
            th.time_ms = r->rcpt.sth.time_ms;
            th.root.data = r->rcpt.sth.root;
            th.root.len = MERKLE_HASH_LEN;
            th.signature.data = r->rcpt.sth.sig;
            th.signature.len = STH_SIG_LEN;
            sr.head = &th;
        }
        env.body_case = TDKT__ENVELOPE__BODY_STATUS_REPLY;
        env.status_reply = &sr;
        break;
    case REQUEST_NOTE_PUT:
    case REQUEST_REGISTRY_PUT:
    case REQUEST_RESULTS_PUT:
    case REQUEST_BALLOT_OPEN:
    case REQUEST_BALLOT_CAST:
    case REQUEST_BALLOT_ACTION:
    case REQUEST_BALLOT_PAPER:
    case REQUEST_SUBMISSION_PUT:
    case REQUEST_REVIEW_STEP:
    case REQUEST_DECISION_RECORD:
        receipt_to_wire(&r->rcpt, &wr, &th, paths);
        wr.replayed = r->rcpt.replayed;
        env.body_case = TDKT__ENVELOPE__BODY_RECEIPT;
        env.receipt = &wr;
        break;
    case REQUEST_RESULTS_GET:
        rr.unit_code = r->unit_code;
        rr.year = r->year;
        rr.records = r->recs;
        rr.n_records = r->nrecs;
        rr.seqs = r->rec_seqs;
        rr.n_seqs = r->nrecs;
        rr.more = r->more;
        rr.next_offset = r->next_offset;
        env.body_case = TDKT__ENVELOPE__BODY_RESULTS_REPLY;
        env.results_reply = &rr;
        break;
    case REQUEST_SYNC_PULL:
        sb.entries = r->entries;
        sb.n_entries = r->nentries;
        sb.next_after = r->next_after;
        sb.height = r->height;
        sb.more = r->next_after < r->height;
        env.body_case = TDKT__ENVELOPE__BODY_SYNC_BATCH;
        env.sync_batch = &sb;
        break;
    case REQUEST_RECONCILE:
        env.body_case = TDKT__ENVELOPE__BODY_RECONCILE_REPLY;
        env.reconcile_reply = r->rec_reply;
        break;
    case REQUEST_BALLOT_GET:
        env.body_case = TDKT__ENVELOPE__BODY_BALLOT_INFO;
        env.ballot_info = r->ballot_info;
        break;
    case REQUEST_BALLOT_LIST:
        env.body_case = TDKT__ENVELOPE__BODY_BALLOT_LIST_REPLY;
        env.ballot_list_reply = r->ballot_list;
        break;
    case REQUEST_SUBMISSION_GET:
        env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_INFO;
        env.submission_info = (Tdkt__SubmissionInfo *)r->review_reply;
        break;
    case REQUEST_SUBMISSION_LIST:
        env.body_case = TDKT__ENVELOPE__BODY_SUBMISSION_LIST_REPLY;
        env.submission_list_reply = (Tdkt__SubmissionListReply *)r->review_reply;
        break;
    case REQUEST_HISTORY_GET:
        env.body_case = TDKT__ENVELOPE__BODY_HISTORY_REPLY;
        env.history_reply = (Tdkt__HistoryReply *)r->review_reply;
        break;
    case REQUEST_REPORT_GET:
        env.body_case = TDKT__ENVELOPE__BODY_REPORT_REPLY;
        env.report_reply = (Tdkt__ReportReply *)r->review_reply;
        break;
    case REQUEST_AUTH:
        return TDKT_EINVAL; /* answered by the conn with a Welcome */
    }
    return envelope_encode_reply(&env, FRAME_MAX_AUTHED, frame, len);
}
