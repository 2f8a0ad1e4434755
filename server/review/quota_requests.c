/* SPDX-License-Identifier: MIT */
/*
 * QuotaGet, the central office's read of the year's TTLĐXS standing: its
 * entry in the request table and its handlers. The reading is
 * review_quota.c's.
 */
#include "server/dispatch/request_types.h"

#include "common/err.h"
#include "server/review/review_quota.h"

static int quota_req_prepare(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    (void)err;
    r->year = env->quota_get->year;
    return 0;
}

static int quota_req_run(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__QuotaReply *o = NULL;
    int rc;

    (void)now;
    rc = review_quota_get(l, &r->unit, r->year, &o, &f);
    if (rc < 0)
        return request_fault(r, rc, NULL, &f);
    r->review_reply = &o->base;
    return 0;
}

static void quota_req_reply(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    env->body_case = TDKT__ENVELOPE__BODY_QUOTA_REPLY;
    env->quota_reply = (Tdkt__QuotaReply *)r->review_reply;
}

const struct request_type review_req_quota = {
    .name = "quota_get",
    .body_case = TDKT__ENVELOPE__BODY_QUOTA_GET,
    .kind = REQUEST_QUOTA_GET,
    .central_only = "reads the TTLĐXS standing",
    .prepare = quota_req_prepare,
    .run = quota_req_run,
    .reply = quota_req_reply,
};
