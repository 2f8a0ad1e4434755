/* SPDX-License-Identifier: MIT */
/*
 * The ballot requests (open, cast, seal/tally/publish, paper result, get,
 * list): their entries in the request table and their handlers. Every rule
 * is in the ballot module's other files (ballot.h lists them); a write
 * keeps its re-encoded body and unpacks it again on the database thread, so
 * what runs is what was hashed.
 */
#include "server/dispatch/request_types.h"

#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "server/ballot/ballot.h"

/* Unpack r's kept body as a message of type d; NULL and r->err on failure. */
static ProtobufCMessage *ballot_req_body(struct request *r, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, NULL, r->body_len, r->body);
    if (!m)
        request_error_set(&r->err, TDKT_ENOMEM, NULL, "server out of memory");
    return m;
}

static int ballot_req_keep_open(struct request *r, const Tdkt__Envelope *env,
                                struct request_error *err)
{
    return request_keep_body(r, &env->ballot_open->base, err);
}

static int ballot_req_keep_cast(struct request *r, const Tdkt__Envelope *env,
                                struct request_error *err)
{
    return request_keep_body(r, &env->ballot_cast->base, err);
}

static int ballot_req_keep_action(struct request *r, const Tdkt__Envelope *env,
                                  struct request_error *err)
{
    return request_keep_body(r, &env->ballot_action->base, err);
}

static int ballot_req_keep_paper(struct request *r, const Tdkt__Envelope *env,
                                 struct request_error *err)
{
    return request_keep_body(r, &env->ballot_paper->base, err);
}

/* The four writes: apply the unpacked body, append one set of entries. A
 * refusal's field is the path inside the body, after prefix when the area
 * names it from the body (NULL: as the area names it). */
static int ballot_req_write(struct request *r, int rc, struct record_fault *f, ProtobufCMessage *m,
                            const char *prefix)
{
    protobuf_c_message_free_unpacked(m, NULL);
    if (rc < 0)
        return request_fault(r, rc, prefix, f);
    r->rcpt.appended = 1;
    return 0;
}

static int ballot_req_run_open(struct request *r, struct ledger *l, int64_t now)
{
    struct record_fault f = {0};
    Tdkt__BallotOpen *b = (Tdkt__BallotOpen *)ballot_req_body(r, &tdkt__ballot_open__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return ballot_req_write(r, ballot_open(l, now, &r->unit, b, &f), &f, &b->base, NULL);
}

static int ballot_req_run_cast(struct request *r, struct ledger *l, int64_t now)
{
    struct record_fault f = {0};
    Tdkt__BallotCast *b = (Tdkt__BallotCast *)ballot_req_body(r, &tdkt__ballot_cast__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return ballot_req_write(r, ballot_cast(l, now, &r->unit, b, &f), &f, &b->base, NULL);
}

static int ballot_req_run_action(struct request *r, struct ledger *l, int64_t now)
{
    struct record_fault f = {0};
    Tdkt__BallotAction *b =
        (Tdkt__BallotAction *)ballot_req_body(r, &tdkt__ballot_action__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return ballot_req_write(r, ballot_step(l, now, &r->unit, b->ballot_id, (int)b->step, &f), &f,
                            &b->base, NULL);
}

static int ballot_req_run_paper(struct request *r, struct ledger *l, int64_t now)
{
    struct record_fault f = {0};
    Tdkt__BallotPaper *b = (Tdkt__BallotPaper *)ballot_req_body(r, &tdkt__ballot_paper__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return ballot_req_write(r, ballot_paper(l, now, &r->unit, b, &f), &f, &b->base, "ballot_paper");
}

static int ballot_req_prepare_get(struct request *r, const Tdkt__Envelope *env,
                                  struct request_error *err)
{
    if (!record_code_valid(env->ballot_get->ballot_id)) {
        request_error_set(err, TDKT_EINVAL, "ballot_get.ballot_id", RECORD_CODE_RULE,
                          "a ballot id");
        return TDKT_EINVAL;
    }
    snprintf(r->ballot_id, sizeof r->ballot_id, "%s", env->ballot_get->ballot_id);
    return 0;
}

static int ballot_req_run_get(struct request *r, struct ledger *l, int64_t now)
{
    struct record_fault f = {0};
    int rc = ballot_get(l, now, &r->unit, r->ballot_id, &r->ballot_info, &f);
    return rc < 0 ? request_fault(r, rc, NULL, &f) : 0;
}

static void ballot_req_reply_get(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    env->body_case = TDKT__ENVELOPE__BODY_BALLOT_INFO;
    env->ballot_info = r->ballot_info;
}

static int ballot_req_prepare_list(struct request *r, const Tdkt__Envelope *env,
                                   struct request_error *err)
{
    (void)err;
    r->year = env->ballot_list->year;
    return 0;
}

static int ballot_req_run_list(struct request *r, struct ledger *l, int64_t now)
{
    int rc = ballot_list(l, now, &r->unit, r->year, &r->ballot_list);
    if (rc < 0)
        request_error_set(&r->err, rc, NULL, "cannot list the ballots: %s", tdkt_strerror(rc));
    return rc;
}

static void ballot_req_reply_list(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    env->body_case = TDKT__ENVELOPE__BODY_BALLOT_LIST_REPLY;
    env->ballot_list_reply = r->ballot_list;
}

const struct request_type ballot_req_open = {
    .name = "ballot_open",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_OPEN,
    .kind = REQUEST_BALLOT_OPEN,
    .write = 1,
    .prepare = ballot_req_keep_open,
    .run = ballot_req_run_open,
};

const struct request_type ballot_req_cast = {
    .name = "ballot_cast",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_CAST,
    .kind = REQUEST_BALLOT_CAST,
    .write = 1,
    .prepare = ballot_req_keep_cast,
    .run = ballot_req_run_cast,
};

const struct request_type ballot_req_action = {
    .name = "ballot_action",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_ACTION,
    .kind = REQUEST_BALLOT_ACTION,
    .write = 1,
    .prepare = ballot_req_keep_action,
    .run = ballot_req_run_action,
};

const struct request_type ballot_req_paper = {
    .name = "ballot_paper",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_PAPER,
    .kind = REQUEST_BALLOT_PAPER,
    .write = 1,
    .central_only = "enters the result of a paper ballot",
    .prepare = ballot_req_keep_paper,
    .run = ballot_req_run_paper,
};

const struct request_type ballot_req_get = {
    .name = "ballot_get",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_GET,
    .kind = REQUEST_BALLOT_GET,
    .prepare = ballot_req_prepare_get,
    .run = ballot_req_run_get,
    .reply = ballot_req_reply_get,
};

const struct request_type ballot_req_list = {
    .name = "ballot_list",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_LIST,
    .kind = REQUEST_BALLOT_LIST,
    .prepare = ballot_req_prepare_list,
    .run = ballot_req_run_list,
    .reply = ballot_req_reply_list,
};
