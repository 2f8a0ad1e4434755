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

#include "common/err.h"
#include "common/log.h"
#include "common/wire/envelope.h"
#include "common/wire/frame.h"
#include "common/wire/utf8.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void request_error_set(struct request_error *err, int tdkt_err, const char *field, const char *fmt,
                       ...)
{
    va_list ap;
    err->code = tdkt_err_to_wire(tdkt_err);
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

static struct request *request_alloc(enum request_kind kind, const Tdkt__Envelope *env)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->kind = kind;
    r->job.run = request_run;
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
    r->body_len = tdkt__note_put__get_packed_size(np);
    r->body = malloc(r->body_len ? r->body_len : 1);
    if (!r->key || !r->text || !r->body) {
        request_error_set(err, TDKT_ENOMEM, NULL, "server out of memory");
        return TDKT_ENOMEM;
    }
    tdkt__note_put__pack(np, r->body);
    ledger_sha256(r->body, r->body_len, r->body_hash);
    r->job.write = 1;
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
    if (r->kind == REQUEST_NOTE_PUT) {
        rc = prepare_note_put(r, env->note_put, err);
        if (rc < 0) {
            request_free(r);
            return rc;
        }
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
    uint8_t *stored = NULL;
    size_t stored_len = 0;
    int rc;

    rc = ledger_request_lookup(l, r->unit.code, r->request_id, r->body_hash, &stored, &stored_len);
    if (rc == 0) {
        Tdkt__WriteReceipt *wr = tdkt__write_receipt__unpack(NULL, stored_len, stored);
        free(stored);
        if (!wr || wr->entry_hash.len != LEDGER_HASH_LEN) {
            if (wr)
                tdkt__write_receipt__free_unpacked(wr, NULL);
            request_error_set(&r->err, TDKT_ECORRUPT, NULL,
                              "the stored reply for this request id is unreadable");
            return TDKT_ECORRUPT;
        }
        r->seq = wr->seq;
        memcpy(r->hash, wr->entry_hash.data, LEDGER_HASH_LEN);
        r->time_ms = wr->time_ms;
        r->replayed = 1;
        tdkt__write_receipt__free_unpacked(wr, NULL);
        return 0;
    }
    if (rc == TDKT_EREUSED) {
        request_error_set(&r->err, TDKT_EREUSED, "request_id",
                          "request id was already used by this unit for a different request; "
                          "generate a new id");
        return rc;
    }
    if (rc != TDKT_ENOTFOUND) {
        request_error_set(&r->err, rc, NULL, "idempotency lookup failed: %s", tdkt_strerror(rc));
        return rc;
    }

    int64_t t = now_ms();
    rc = ledger_note_put(l, t, r->unit.code, r->body, r->body_len, r->key, r->text, &r->seq,
                         r->hash);
    if (rc < 0) {
        request_error_set(&r->err, rc, NULL, "cannot append the note: %s", tdkt_strerror(rc));
        return rc;
    }
    /* ledger_append may clamp the time to keep entries ordered; the receipt
     * states what the entry holds, which is read back via the head. */
    r->time_ms = (uint64_t)t;

    Tdkt__WriteReceipt wr = TDKT__WRITE_RECEIPT__INIT;
    uint8_t buf[128];
    wr.seq = r->seq;
    wr.entry_hash.data = r->hash;
    wr.entry_hash.len = LEDGER_HASH_LEN;
    wr.time_ms = r->time_ms;
    size_t n = tdkt__write_receipt__pack(&wr, buf);
    rc = ledger_request_store(l, r->unit.code, r->request_id, r->body_hash, r->seq, buf, n);
    if (rc < 0) {
        request_error_set(&r->err, rc, NULL, "cannot record the request id: %s", tdkt_strerror(rc));
        return rc;
    }
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
        rc = ledger_head(l, &r->height, r->hash);
        if (rc < 0)
            request_error_set(&r->err, rc, NULL, "cannot read the ledger head: %s",
                              tdkt_strerror(rc));
        return rc;
    case REQUEST_NOTE_PUT:
        return run_note_put(r, l);
    }
    request_error_set(&r->err, TDKT_EINVAL, NULL, "unknown request kind");
    return TDKT_EINVAL;
}

int request_error_frame(const uint8_t *request_id, uint32_t version,
                        const struct request_error *err, uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__Error e = TDKT__ERROR__INIT;
    uint8_t zero_id[16] = {0};

    env.version = version ? version : PROTOCOL_VERSION;
    env.request_id.data = (uint8_t *)(request_id ? request_id : zero_id);
    env.request_id.len = 16;
    e.code = (Tdkt__ErrorCode)err->code;
    e.message = (char *)err->message;
    e.field = (char *)err->field;
    env.body_case = TDKT__ENVELOPE__BODY_ERROR;
    env.error = &e;
    return envelope_encode_frame(&env, FRAME_MAX_AUTHED, frame, len);
}

int request_reply(struct request *r, int status, uint8_t **frame, size_t *len)
{
    Tdkt__Envelope env = TDKT__ENVELOPE__INIT;
    Tdkt__StatusReply sr = TDKT__STATUS_REPLY__INIT;
    Tdkt__WriteReceipt wr = TDKT__WRITE_RECEIPT__INIT;
    Tdkt__Unit u = TDKT__UNIT__INIT;

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
        sr.head_hash.data = r->hash;
        sr.head_hash.len = LEDGER_HASH_LEN;
        sr.unit = &u;
        sr.server_time_ms = (uint64_t)now_ms();
        env.body_case = TDKT__ENVELOPE__BODY_STATUS_REPLY;
        env.status_reply = &sr;
        break;
    case REQUEST_NOTE_PUT:
        wr.seq = r->seq;
        wr.entry_hash.data = r->hash;
        wr.entry_hash.len = LEDGER_HASH_LEN;
        wr.time_ms = r->time_ms;
        wr.replayed = r->replayed;
        env.body_case = TDKT__ENVELOPE__BODY_RECEIPT;
        env.receipt = &wr;
        break;
    case REQUEST_AUTH:
        return TDKT_EINVAL; /* answered by the conn with a Welcome */
    }
    return envelope_encode_frame(&env, FRAME_MAX_AUTHED, frame, len);
}
