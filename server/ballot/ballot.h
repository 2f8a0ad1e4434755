/* SPDX-License-Identifier: MIT */
/*
 * Ballots of emulation clusters (docs/ballots.md), on the database thread:
 * the module's public functions, one file for each concern.
 *
 *   ballot_open()   ballot_open.c: "ballot.open", roll frozen (the
 *                   cluster's members that year), thresholds resolved from
 *                   the rule set in force, candidates checked (members;
 *                   CLUSTER-LEAD; one flag per cluster and year:
 *                   ballot_contest.c).
 *   ballot_cast()   ballot_cast.c: "ballot.voted" by the voter, the signed
 *                   statement with its named choices and the commitment to
 *                   its sealed ballot; the sealed ballot waits in
 *                   ballot_pending, with no ledger entry tying it to the
 *                   voter. A later cast replaces it: the last one counts.
 *   ballot_step()   ballot_step.c: SEAL (after closing): the sealed ballots
 *                   enter the ledger as "ballot.box" entries in tracker
 *                   order, "ballot.seal" records their hash, ballot_pending
 *                   is emptied; TALLY: "ballot.tally"; PUBLISH:
 *                   "ballot.publish".
 *   ballot_seal_due()  ballot_step.c: the daemon seals, itself, a box left
 *                   unsealed some time after closing (tdktd serve
 *                   --auto-seal-after).
 *   ballot_paper()  ballot_paper.c: a paper ballot's counts from the
 *                   minutes; the request table lets only the central office
 *                   send it.
 *   ballot_get(), ballot_list()  ballot_read.c.
 *
 *   open --(closes_ms passes)--> closed --SEAL--> sealed --TALLY--> tallied
 *        --PUBLISH--> published;     paper ballots are "paper" at once.
 *
 * Reads (ballot_get, ballot_list) show a unit what its role allows: roll
 * members, the opener and the central office see a ballot (a paper ballot:
 * the members of its cluster that year); the box and the
 * result are shown to the roll once published (to the opener and the
 * central office as soon as they exist).
 *
 * What the files share of storage is ballot_store.h; the shape of a ballot
 * and the count are common/domain/ballot_rules.c's, which the client runs
 * too. Nothing here knows of connections (ballot_requests.c adapts these
 * to the request table).
 *
 * Errors carry a field and a sentence in f. Ownership: *out messages are
 * malloc'd; free with ballot_info_free() / ballot_list_free().
 */
#ifndef TDKT_SERVER_BALLOT_BALLOT_H
#define TDKT_SERVER_BALLOT_BALLOT_H

#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

#define BALLOT_VOTERS_MAX 64 /* = CLUSTER_MEMBERS_MAX: one roll */

int ballot_open(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__BallotOpen *m, struct fault *f);
int ballot_cast(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const Tdkt__BallotCast *m, struct fault *f);
int ballot_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                const char *ballot_id, int step, struct fault *f);
int ballot_paper(struct ledger *l, int64_t now, const struct registry_unit *actor,
                 Tdkt__BallotPaper *m, struct fault *f);
int ballot_get(struct ledger *l, int64_t now, const struct registry_unit *actor,
               const char *ballot_id, Tdkt__BallotInfo **out, struct fault *f);
int ballot_list(struct ledger *l, int64_t now, const struct registry_unit *actor, uint32_t year,
                Tdkt__BallotListReply **out);
/*
 * The server's own seal: every ballot still open grace_ms after it closed
 * (at most max, BALLOT_SEAL_BATCH, per call) is sealed by the daemon,
 * actor BALLOT_SELF, as its opener or the central office would. *sealed
 * counts them. A failure returns < 0 (nothing of the failed seal stays).
 */
#define BALLOT_SELF       "TDKTD"
#define BALLOT_SEAL_BATCH 8
int ballot_seal_due(struct ledger *l, int64_t now, int64_t grace_ms, unsigned max,
                    unsigned *sealed);
void ballot_info_free(Tdkt__BallotInfo *i);
void ballot_list_free(Tdkt__BallotListReply *r);

#endif
