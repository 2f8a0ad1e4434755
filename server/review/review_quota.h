/* SPDX-License-Identifier: MIT */
/*
 * The TTLĐXS quota at the central office: the year's standing read over the
 * ledger (common/domain/facts.c's reading, elig_quota.c's ranking), the reply
 * to QuotaGet (`tdkt review quota YEAR`), and the check an approval of a
 * TTLĐXS must pass: within the cut, and a place still free. It owns no rule:
 * it only puts the ledger's reader and the rule set of the year in front of
 * them, and turns a refusal into words that name the quota, the count and the
 * rounding. Reads only.
 */
#ifndef TDKT_SERVER_REVIEW_REVIEW_QUOTA_H
#define TDKT_SERVER_REVIEW_REVIEW_QUOTA_H

#include <stdint.h>

#include "common/domain/records.h"
#include "server/ledger/ledger.h"
#include "server/registry/registry.h"

/* 0 when unit's TTLĐXS for year may be approved; TDKT_ECONFLICT (f says why:
 * no quota_pct in the rule set, past the cut, or every place taken) or
 * another negative code. */
int review_quota_approve_check(struct ledger *l, uint32_t year, const char *unit, struct fault *f);

/* The year's standing as a QuotaReply (*out: free with review_quota_free).
 * TDKT_ECONFLICT when the rule set of the year gives no ttldxs.quota_pct. */
int review_quota_get(struct ledger *l, const struct registry_unit *actor, uint32_t year,
                     Tdkt__QuotaReply **out, struct fault *f);
void review_quota_free(Tdkt__QuotaReply *r);

#endif
