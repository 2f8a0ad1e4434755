/* SPDX-License-Identifier: MIT */
/*
 * The Council's requests: CouncilVote (the central office enters a paper
 * ballot's result, or opens an electronic vote), CouncilCast (a member, with
 * their own person certificate) and CouncilClose (the central office counts
 * an electronic vote): their entries in the request table and their
 * handlers. Every rule is council.c's and its siblings'; the kept body is
 * unpacked again on the database thread, so what runs is what was hashed.
 */
#include "server/dispatch/request_types.h"

#include "common/err.h"
#include "server/council/council.h"

/* The ledger's height before a Council write. */
static uint64_t council_req_height(struct ledger *l)
{
    uint64_t h = 0;

    ledger_head(l, &h, NULL);
    return h;
}

/* The end of a Council write. Besides its own entry, opening or closing a
 * vote appends the boxed ballots and the verdicts of the dossiers judged
 * again: the receipt counts them all, from the ledger's height. */
static int council_req_end(struct request *r, struct ledger *l, uint64_t before, int rc,
                           const struct fault *f, ProtobufCMessage *m)
{
    uint64_t after = council_req_height(l);

    rc = request_write_end(r, rc, f, m);
    if (rc == 0 && after > before) {
        r->rcpt.appended = (uint32_t)(after - before);
        r->rcpt.first_seq = before + 1;
    }
    return rc;
}

static int council_req_run_vote(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    uint64_t before = council_req_height(l);
    Tdkt__CouncilVote *b =
        (Tdkt__CouncilVote *)request_body_unpack(r, &tdkt__council_vote__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return council_req_end(r, l, before, council_vote(l, now, &r->unit, b, &f), &f, &b->base);
}

static int council_req_run_cast(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    uint64_t before = council_req_height(l);
    Tdkt__CouncilCast *b =
        (Tdkt__CouncilCast *)request_body_unpack(r, &tdkt__council_cast__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return council_req_end(r, l, before, council_cast(l, now, &r->unit, b, &f), &f, &b->base);
}

static int council_req_run_close(struct request *r, struct ledger *l, int64_t now)
{
    struct fault f = {0};
    uint64_t before = council_req_height(l);
    Tdkt__CouncilClose *b =
        (Tdkt__CouncilClose *)request_body_unpack(r, &tdkt__council_close__descriptor);
    if (!b)
        return TDKT_ENOMEM;
    return council_req_end(r, l, before, council_close(l, now, &r->unit, b->vote_id, &f), &f,
                           &b->base);
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

const struct request_type council_req_cast = {
    .name = "council_cast",
    .body_case = TDKT__ENVELOPE__BODY_COUNCIL_CAST,
    .kind = REQUEST_COUNCIL_CAST,
    .write = 1,
    .person = "casts a Council vote",
    .prepare = request_keep_env,
    .run = council_req_run_cast,
};

const struct request_type council_req_close = {
    .name = "council_close",
    .body_case = TDKT__ENVELOPE__BODY_COUNCIL_CLOSE,
    .kind = REQUEST_COUNCIL_CLOSE,
    .write = 1,
    .central_only = "closes and counts the Council's electronic votes",
    .prepare = request_keep_env,
    .run = council_req_run_close,
};
