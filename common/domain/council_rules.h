/* SPDX-License-Identifier: MIT */
/*
 * The shape of a Council vote (CouncilVote, docs/council.md), checked the same
 * way by the client before it queues one and by the server before it
 * writes one: ids and codes, the mode (paper: the counts from the minutes;
 * electronic: no counts, the members cast), the minutes' reference, the
 * meeting's date, each contest's code, its subjects (one person or one unit
 * each, with a title proposed for them) and that no subject is voted on
 * twice in one vote. The same for a member's cast on an electronic vote
 * (CouncilCast), and the count of the casts at the close. What needs the
 * ledger (the Council's membership, the proposals, who may cast) is the
 * server's (server/council/). Pure: no I/O, no allocation.
 */
#ifndef TDKT_COMMON_DOMAIN_COUNCIL_RULES_H
#define TDKT_COMMON_DOMAIN_COUNCIL_RULES_H

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"

#define COUNCIL_CONTESTS_MAX 500 /* contests in one vote */
#define COUNCIL_SUBJECTS_MAX 500 /* proposals voted on at once in one contest */
#define COUNCIL_NONCE_LEN    16  /* random bytes in a cast, so its hash hides its choices */

/* 0, or TDKT_EINVAL with f naming the field (council_vote.contests[0].yes...). */
int council_rules_vote_validate(const Tdkt__CouncilVote *v, struct fault *f);

/* A cast's shape: the vote id; 1 to COUNCIL_CONTESTS_MAX choices, each a
 * contest code at most once with an answer yes, no or abstain; the
 * COUNCIL_NONCE_LEN-byte nonce. 0, or TDKT_EINVAL with f naming the field
 * (council_cast.choices[1].contest...). */
int council_rules_cast_validate(const Tdkt__CouncilCast *c, struct fault *f);

/* Every one of the n choices names a contest of v: 0, or TDKT_EINVAL naming
 * council_cast.choices[i].contest and the contests v has. */
int council_rules_cast_fits(const Tdkt__CouncilVote *v, Tdkt__CouncilChoice *const *choices,
                            size_t n, struct fault *f);

/* One contest's count. */
struct council_tally {
    uint32_t yes, no, abstain;
};

/* Add one member's last cast (its n choices) into t[], one per contest of v
 * in v's order. A contest the member left out is not counted for them.
 * Returns how many choices named no contest of v (they are not counted;
 * council_rules_cast_fits refuses such a cast, so this is 0). */
size_t council_rules_count_add(const Tdkt__CouncilVote *v, Tdkt__CouncilChoice *const *choices,
                               size_t n, struct council_tally *t);

/* "yes", "no" or "abstain" (any other value reads as abstain). */
const char *council_rules_answer_name(int answer);

#endif
