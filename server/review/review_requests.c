/* SPDX-License-Identifier: MIT */
/*
 * The review requests (an office's dossier, the central office's review
 * steps and decisions on record, and the reads: a submission, the list, a
 * history, the year's report): their entries in the request table and their
 * handlers. Every rule is review.c's. A request keeps its re-encoded body
 * and unpacks it again on the database thread, so what runs is what was
 * hashed.
 */
#include "server/dispatch/request_types.h"

#include "common/err.h"
#include "server/review/review.h"

static int review_req_run_submit(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__SubmissionPut *b =
        (Tdkt__SubmissionPut *)request_body_unpack(r, &tdkt__submission_put__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, review_submit(l, now, &r->unit, b, &f), &f, &b->base);
}

static int review_req_run_step(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__ReviewStep *b =
        (Tdkt__ReviewStep *)request_body_unpack(r, &tdkt__review_step__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, review_step(l, now, &r->unit, b, &f), &f, &b->base);
}

static int review_req_run_decision(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__DecisionRecord *b =
        (Tdkt__DecisionRecord *)request_body_unpack(r, &tdkt__decision_record__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, review_record(l, now, &r->unit, b, &f), &f, &b->base);
}

/* A read's end: free the body, keep the reply or the refusal. */
static int review_req_read(struct request *r, int rc, struct fault *f, ProtobufCMessage *m,
                           ProtobufCMessage *reply)
{
    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    r->review_reply = reply;
    return rc < 0 ? request_fault(r, rc, NULL, f) : 0;
}

static int review_req_run_get(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__SubmissionInfo *o = NULL;
    Tdkt__SubmissionGet *g =
        (Tdkt__SubmissionGet *)request_body_unpack(r, &tdkt__submission_get__descriptor);
    (void)now;
    if (!g)
        return TDKT_ENOMEM;
    int rc = review_get(l, &r->unit, g->submission_id, &o, &f);
    return review_req_read(r, rc, &f, &g->base, o ? &o->base : NULL);
}

static int review_req_run_list(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__SubmissionListReply *o = NULL;
    Tdkt__SubmissionList *g =
        (Tdkt__SubmissionList *)request_body_unpack(r, &tdkt__submission_list__descriptor);
    (void)now;
    if (!g)
        return TDKT_ENOMEM;
    int rc = review_list(l, &r->unit, g, &o);
    return review_req_read(r, rc, &f, &g->base, o ? &o->base : NULL);
}

static int review_req_run_history(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__HistoryReply *o = NULL;
    Tdkt__HistoryGet *g =
        (Tdkt__HistoryGet *)request_body_unpack(r, &tdkt__history_get__descriptor);
    (void)now;
    if (!g)
        return TDKT_ENOMEM;
    int rc = review_history(l, &r->unit, g, &o, &f);
    return review_req_read(r, rc, &f, &g->base, o ? &o->base : NULL);
}

static int review_req_prepare_report(struct request *r, const Tdkt__Envelope *env,
                                     struct fault *err)
{
    (void)err;
    r->year = env->report_get->year;
    return 0;
}

static int review_req_run_report(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__ReportReply *o = NULL;
    (void)now;
    int rc = review_report(l, &r->unit, r->year, &o, &f);
    return review_req_read(r, rc, &f, NULL, o ? &o->base : NULL);
}

/* Every read's reply is the message review.c built, of the case below. */
static void review_req_reply(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    switch (r->kind) {
    case REQUEST_SUBMISSION_GET:
        env->body_case = TDKT__ENVELOPE__BODY_SUBMISSION_INFO;
        env->submission_info = (Tdkt__SubmissionInfo *)r->review_reply;
        break;
    case REQUEST_SUBMISSION_LIST:
        env->body_case = TDKT__ENVELOPE__BODY_SUBMISSION_LIST_REPLY;
        env->submission_list_reply = (Tdkt__SubmissionListReply *)r->review_reply;
        break;
    case REQUEST_HISTORY_GET:
        env->body_case = TDKT__ENVELOPE__BODY_HISTORY_REPLY;
        env->history_reply = (Tdkt__HistoryReply *)r->review_reply;
        break;
    default:
        env->body_case = TDKT__ENVELOPE__BODY_REPORT_REPLY;
        env->report_reply = (Tdkt__ReportReply *)r->review_reply;
        break;
    }
}

const struct request_type review_req_submit = {
    .name = "submission_put",
    .body_case = TDKT__ENVELOPE__BODY_SUBMISSION_PUT,
    .kind = REQUEST_SUBMISSION_PUT,
    .write = 1,
    .prepare = request_keep_env,
    .run = review_req_run_submit,
};

const struct request_type review_req_step = {
    .name = "review_step",
    .body_case = TDKT__ENVELOPE__BODY_REVIEW_STEP,
    .kind = REQUEST_REVIEW_STEP,
    .write = 1,
    .central_only = "reviews submissions",
    .prepare = request_keep_env,
    .run = review_req_run_step,
};

const struct request_type review_req_decision = {
    .name = "decision_record",
    .body_case = TDKT__ENVELOPE__BODY_DECISION_RECORD,
    .kind = REQUEST_DECISION_RECORD,
    .write = 1,
    .central_only = "records decisions from its files",
    .prepare = request_keep_env,
    .run = review_req_run_decision,
};

const struct request_type review_req_get = {
    .name = "submission_get",
    .body_case = TDKT__ENVELOPE__BODY_SUBMISSION_GET,
    .kind = REQUEST_SUBMISSION_GET,
    .prepare = request_keep_env,
    .run = review_req_run_get,
    .reply = review_req_reply,
};

const struct request_type review_req_list = {
    .name = "submission_list",
    .body_case = TDKT__ENVELOPE__BODY_SUBMISSION_LIST,
    .kind = REQUEST_SUBMISSION_LIST,
    .prepare = request_keep_env,
    .run = review_req_run_list,
    .reply = review_req_reply,
};

const struct request_type review_req_history = {
    .name = "history_get",
    .body_case = TDKT__ENVELOPE__BODY_HISTORY_GET,
    .kind = REQUEST_HISTORY_GET,
    .prepare = request_keep_env,
    .run = review_req_run_history,
    .reply = review_req_reply,
};

const struct request_type review_req_report = {
    .name = "report_get",
    .body_case = TDKT__ENVELOPE__BODY_REPORT_GET,
    .kind = REQUEST_REPORT_GET,
    .central_only = "reads the year's report",
    .prepare = review_req_prepare_report,
    .run = review_req_run_report,
    .reply = review_req_reply,
};
