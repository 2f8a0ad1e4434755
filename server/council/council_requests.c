/* SPDX-License-Identifier: MIT */
/*
 * CouncilVote, the central office entering a Council ballot's result: its
 * entry in the request table and its handler. Every rule is council.c's;
 * the kept body is unpacked again on the database thread, so what runs is
 * what was hashed.
 */
#include "server/dispatch/request_types.h"

#include "common/err.h"
#include "server/council/council.h"

static int council_req_run_vote(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    Tdkt__CouncilVote *b =
        (Tdkt__CouncilVote *)request_body_unpack(r, &tdkt__council_vote__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return request_write_end(r, council_vote(l, now, &r->unit, b, &f), &f, &b->base);
}

const struct request_type council_req_vote = {
    .name = "council_vote",
    .body_case = TDKT__ENVELOPE__BODY_COUNCIL_VOTE,
    .kind = REQUEST_COUNCIL_VOTE,
    .write = 1,
    .central_only = "enters the Council's votes",
    .prepare = request_keep_env,
    .run = council_req_run_vote,
};
