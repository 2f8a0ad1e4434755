/* SPDX-License-Identifier: MIT */
/*
 * The sector's Emulation–Commendation Council at work (docs/council.md). The
 * Council itself (its year, code and members) is a registry record
 * (catalog.c). A vote is one of two modes, both opened by CouncilVote as a
 * council.vote entry marked with its mode:
 *
 *   paper       the secretariat enters the counts from the minutes; the
 *               vote is counted at once.
 *   electronic  the vote opens with no counts; each member casts with their
 *               own person certificate; the central office closes it:
 *
 *     council_vote() --> open --council_cast()--> open (a new cast replaces
 *     the member's last) --council_close()--> closed (counted)
 *
 * Entries: council.vote (the central office); council.cast (the member: an
 * open vote's choices, or for a secret vote only that they cast, the
 * choices waiting in council_pending apart from the ledger); at the close,
 * for a secret vote, council.box (each member's last choices without the
 * member, in the order of their SHA-256), then council.close with the
 * counts, which go into the same council_counts a paper vote fills.
 *
 * A vote's counts become facts the eligibility judge reads
 * (common/domain/facts.c, through server/review/review_facts.c) against the
 * Council's total membership when the vote was entered; an open vote makes
 * the proposals it covers wait (VOTE-PENDING). The submissions whose
 * proposals a vote covers are judged again when it is entered and when it
 * is closed (review_rejudge), so their verdicts name the vote and its counts.
 *
 * Runs on the database thread inside the request's transaction; every
 * refusal leaves the ledger as it was, with f naming the field.
 */
#ifndef TDKT_SERVER_COUNCIL_COUNCIL_H
#define TDKT_SERVER_COUNCIL_COUNCIL_H

#include <stdint.h>

#include "common/domain/records.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

/*
 * Enter v for actor (the request table admits the central office only): a
 * paper vote's counts, or an electronic vote opened. Returns 0; TDKT_EINVAL
 * (shape, counts past the membership), TDKT_ENOTFOUND (no such Council for
 * the year; a subject with no proposal of that title that year),
 * TDKT_EEXIST (the vote id is taken), TDKT_ECONFLICT (a subject under an
 * electronic vote still open); or a storage error.
 */
int council_vote(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const Tdkt__CouncilVote *v, struct fault *f);

/*
 * Take the cast m of actor, a person (the request table admits persons
 * only). Returns 0; TDKT_EINVAL (shape; a contest the vote does not have),
 * TDKT_ENOTFOUND (no such vote), TDKT_ECONFLICT (a paper vote),
 * TDKT_EPERIOD (the vote is closed), TDKT_EPERM (actor is not on the vote's
 * roll); or a storage error.
 */
int council_cast(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 const Tdkt__CouncilCast *m, struct fault *f);

/*
 * Close electronic vote vote_id for actor (the central office) and count
 * its casts. Returns 0; TDKT_EINVAL (a bad id), TDKT_ENOTFOUND (no such
 * vote), TDKT_ECONFLICT (a paper vote, or one already closed); or a storage
 * error.
 */
int council_close(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  const char *vote_id, struct fault *f);

#endif
