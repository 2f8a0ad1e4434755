/* SPDX-License-Identifier: MIT */
/*
 * Submissions and their review (docs/review.md), on the database thread.
 *
 *   submission:  (new) --submit--> SUBMITTED --RECEIVE--> RECEIVED
 *                SUBMITTED|RECEIVED --RETURN(reason)--> RETURNED
 *                RETURNED --submit (revision + 1)--> SUBMITTED
 *   proposal:    PENDING --APPROVE--> APPROVED --DECIDE(no, date, signer)--> DECIDED
 *                PENDING --REJECT(reason)--> REJECTED
 *                APPROVED --CANCEL--> CANCELLED --APPROVE--> APPROVED
 *                DECIDED --ANNUL(reason)--> ANNULLED
 *   (proposals are approved, rejected and decided only in a RECEIVED
 *   submission; anything else is refused with CONFLICT, naming the state)
 *
 * Every step is a ledger entry ("submission.put" by the office,
 * "submission.verdicts" by the server, "review.step" by the central office)
 * and a row in review_events; nothing is deleted. At each (re)submission the
 * server judges every proposal with common/domain/eligibility.c under the
 * rule set in force for the year. Approving a proposal whose verdict is not
 * eligible needs a reason (the council may decide otherwise, on record);
 * the TTLĐXS quota and one flag per cluster are checked at approval.
 *
 * Reads: an office sees its own submissions and history, the central office
 * everything; the report (standings, proposals and decisions) is the
 * central office's.
 */
#ifndef TDKT_SERVER_REVIEW_REVIEW_H
#define TDKT_SERVER_REVIEW_REVIEW_H

#include <stdint.h>

#include "common/domain/records.h"
#include "proto/tdkt.pb-c.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

#define REVIEW_PROPOSALS_MAX 500     /* proposals in one submission */
#define REVIEW_TEXT_MAX      512     /* bytes of a reason, note, decision number or signer */
#define REVIEW_ACTOR         "TDKTD" /* the actor of the server's own verdict entries */

/* Who may call what is the request table's (review_requests.c): review_step,
 * review_record and review_report are sent by the central office only, and
 * these functions do not check it again. */
int review_submit(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  Tdkt__SubmissionPut *m, struct fault *f);
int review_step(struct ledger *l, int64_t now, const struct registry_unit *actor,
                Tdkt__ReviewStep *m, struct fault *f);
/* A decision from the central office's files (DecisionRecord): a record of
 * its own, received, holding one decided proposal. */
int review_record(struct ledger *l, int64_t now, const struct registry_unit *actor,
                  Tdkt__DecisionRecord *m, struct fault *f);
int review_get(struct ledger *l, const struct registry_unit *actor, const char *id,
               Tdkt__SubmissionInfo **out, struct fault *f);
int review_list(struct ledger *l, const struct registry_unit *actor, const Tdkt__SubmissionList *m,
                Tdkt__SubmissionListReply **out);
int review_history(struct ledger *l, const struct registry_unit *actor, const Tdkt__HistoryGet *m,
                   Tdkt__HistoryReply **out, struct fault *f);
int review_report(struct ledger *l, const struct registry_unit *actor, uint32_t year,
                  Tdkt__ReportReply **out, struct fault *f);

/*
 * Judge submission sub's proposals again, as at submission, after a fact
 * they read has changed (a Council vote entered: server/council). Appends
 * a submission.verdicts entry and a review event; states are untouched.
 * TDKT_ENOTFOUND when there is no such submission.
 */
int review_rejudge(struct ledger *l, int64_t now, const char *sub);

#endif
