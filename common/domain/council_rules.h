/* SPDX-License-Identifier: MIT */
/*
 * The shape of a Council vote (CouncilVote, docs/council.md), checked the same
 * way by the client before it queues one and by the server before it
 * writes one: ids and codes, the mode (only the paper ballot's counts are
 * built), the minutes' reference, the meeting's date, each contest's code,
 * its subjects (one person or one unit each, with a title proposed for them)
 * and that no subject is voted on twice in one vote. What needs the ledger
 * (the Council's membership, the proposals) is the server's
 * (server/council/council.c). Pure: no I/O, no allocation.
 */
#ifndef TDKT_COMMON_DOMAIN_COUNCIL_RULES_H
#define TDKT_COMMON_DOMAIN_COUNCIL_RULES_H

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"

#define COUNCIL_CONTESTS_MAX 500 /* contests in one vote */
#define COUNCIL_SUBJECTS_MAX 500 /* proposals voted on at once in one contest */

/* 0, or TDKT_EINVAL with f naming the field (council_vote.contests[0].yes...). */
int council_rules_vote_validate(const Tdkt__CouncilVote *v, struct fault *f);

#endif
