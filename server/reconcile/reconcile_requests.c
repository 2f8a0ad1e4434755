/* SPDX-License-Identifier: MIT */
/*
 * The ReconcileRequest (an office compares its store with the ledger: audit
 * proofs and range digests): its entry in the request table. The logic is
 * reconcile.c's.
 */
#include "server/dispatch/request_types.h"

#include "server/reconcile/reconcile.h"

static int reconcile_req_prepare(struct request *r, const Tdkt__Envelope *env, struct fault *err)
{
    return reconcile_prepare(env->reconcile, &r->rec_req, err);
}

static int reconcile_req_run(struct request *r, struct ledger *l, int64_t now)
{
    return reconcile_answer(l, &r->unit, r->rec_req, now, &r->rec_reply, &r->err);
}

static void reconcile_req_reply(struct request *r, struct request_scratch *s, Tdkt__Envelope *env)
{
    (void)s;
    env->body_case = TDKT__ENVELOPE__BODY_RECONCILE_REPLY;
    env->reconcile_reply = r->rec_reply;
}

const struct request_type reconcile_req = {
    .name = "reconcile",
    .body_case = TDKT__ENVELOPE__BODY_RECONCILE,
    .kind = REQUEST_RECONCILE,
    .prepare = reconcile_req_prepare,
    .run = reconcile_req_run,
    .reply = reconcile_req_reply,
};
