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

static int ballot_req_run_open(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__BallotOpen *b =
        (Tdkt__BallotOpen *)request_body_unpack(r, &tdkt__ballot_open__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, ballot_open(l, now, &r->unit, b, &f), &f, &b->base);
}

static int ballot_req_run_cast(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__BallotCast *b =
        (Tdkt__BallotCast *)request_body_unpack(r, &tdkt__ballot_cast__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, ballot_cast(l, now, &r->unit, b, &f), &f, &b->base);
}

static int ballot_req_run_action(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__BallotAction *b =
        (Tdkt__BallotAction *)request_body_unpack(r, &tdkt__ballot_action__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, ballot_step(l, now, &r->unit, b->ballot_id, (int)b->step, &f), &f,
                             &b->base);
}

static int ballot_req_run_paper(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__BallotPaper *b =
        (Tdkt__BallotPaper *)request_body_unpack(r, &tdkt__ballot_paper__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    int rc = ballot_paper(l, now, &r->unit, b, &f);

    /* The paper module names a refused field inside the body: prefix it. */
    protobuf_c_message_free_unpacked(&b->base, NULL);
    if (rc < 0)
        return request_fault(r, rc, "ballot_paper", &f);
    r->rcpt.appended = 1;
    return 0;
}

static int ballot_req_prepare_get(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    if (!record_code_valid(env->ballot_get->ballot_id)) {
        fault_set(err, TDKT_EINVAL, "ballot_get.ballot_id", RECORD_CODE_RULE, "a ballot id");
        return TDKT_EINVAL;
    }
    snprintf(r->ballot_id, sizeof r->ballot_id, "%s", env->ballot_get->ballot_id);
    return 0;
}

static int ballot_req_run_get(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    int rc = ballot_get(l, now, &r->unit, r->ballot_id, &r->ballot_info, &f);
    return rc < 0 ? request_fault(r, rc, NULL, &f) : 0;
}

static void ballot_req_reply_get(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    env->body_case = TDKT__ENVELOPE__BODY_BALLOT_INFO;
    env->ballot_info = r->ballot_info;
}

static int ballot_req_prepare_list(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    (void)err;
    r->year = env->ballot_list->year;
    return 0;
}

static int ballot_req_run_list(struct request *r, struct ledger *l, int64_t now)
{
    int rc = ballot_list(l, now, &r->unit, r->year, &r->ballot_list);
    if (rc < 0)
        fault_set(&r->err, rc, NULL, "cannot list the ballots: %s", tdkt_strerror(rc));
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
    .prepare = request_keep_env,
    .run = ballot_req_run_open,
};

const struct request_type ballot_req_cast = {
    .name = "ballot_cast",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_CAST,
    .kind = REQUEST_BALLOT_CAST,
    .write = 1,
    .prepare = request_keep_env,
    .run = ballot_req_run_cast,
};

const struct request_type ballot_req_action = {
    .name = "ballot_action",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_ACTION,
    .kind = REQUEST_BALLOT_ACTION,
    .write = 1,
    .prepare = request_keep_env,
    .run = ballot_req_run_action,
};

const struct request_type ballot_req_paper = {
    .name = "ballot_paper",
    .body_case = TDKT__ENVELOPE__BODY_BALLOT_PAPER,
    .kind = REQUEST_BALLOT_PAPER,
    .write = 1,
    .central_only = "enters the result of a paper ballot",
    .prepare = request_keep_env,
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
