/* SPDX-License-Identifier: MIT */
/*
 * The sector's Emulation–Commendation Council at work (docs/council.md): the
 * secretariat enters a Council ballot's result from the minutes
 * (CouncilVote), one ledger entry, council.vote, marked with its mode. The
 * Council itself (its year, code and members) is a registry record
 * (catalog.c). A vote's counts become facts the eligibility judge reads
 * (common/domain/facts.c, through server/review/review_facts.c) against the
 * Council's total membership when the vote was entered; the submissions
 * whose proposals it covers are judged again at once (review_rejudge), so
 * their verdicts name the vote and its counts.
 *
 * Runs on the database thread inside the request's transaction; every
 * refusal leaves the ledger as it was.
 */
#ifndef TDKT_SERVER_COUNCIL_COUNCIL_H
#define TDKT_SERVER_COUNCIL_COUNCIL_H

#include <stdint.h>

#include "common/domain/records.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

/*
 * Enter v for actor (the request table admits the central office only).
 * Returns 0; TDKT_EINVAL (shape, counts past the membership), TDKT_ENOTFOUND
 * (no such Council for the year; a subject with no proposal of that title
 * that year), TDKT_EEXIST (the vote id is taken), with f naming the field;
 * or a storage error.
 */
int council_vote(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const Tdkt__CouncilVote *v, struct fault *f);

#endif
