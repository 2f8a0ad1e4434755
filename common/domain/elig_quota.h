/* SPDX-License-Identifier: MIT */
/*
 * The limits that bind several proposals at once: the TTLĐXS quota with the
 * ranking that decides who is within it, and one Cờ thi đua ngành per
 * cluster. Pure: the caller gathers the counts and the candidates' figures
 * (facts.h: facts_quota_read); this module sizes the quota, orders the
 * candidates and says where the cut falls. No I/O, no allocation.
 *
 * The ranking (docs/review.md §3.4), best first, each key breaking the ties
 * of the one before:
 *   1. the unit's rank in its cluster by its criteria points (standard
 *      competition ranking, 1 = first); a unit with no standing (in no
 *      cluster, or no points) after every ranked one;
 *   2. the share of its plan's targets exceeded, higher first;
 *   3. its criteria points, higher first;
 *   4. its unit code, so the order is the same on every run.
 * Candidates equal on 1-3 are "tied": the list marks them, and a tie across
 * the cut is the Council's to settle (it rejects one of them), since no rule
 * orders them.
 */
#ifndef TDKT_COMMON_DOMAIN_ELIG_QUOTA_H
#define TDKT_COMMON_DOMAIN_ELIG_QUOTA_H

#include <stddef.h>

#include "common/domain/eligibility.h"

/* One TTLĐXS candidate's figures. unit points at the caller's string. */
struct elig_quota_candidate {
    const char *unit;
    unsigned cluster_rank; /* 1 = first of its cluster; 0 = no standing */
    unsigned targets, targets_exceeded;
    double points;
    size_t tag; /* the caller's (an index into its own rows); left as it is */
    /* Set by elig_quota_rank(): */
    unsigned position; /* 1 = best */
    int tied;          /* equal on keys 1-3 to a neighbour */
    int within;        /* position <= quota */
};

/*
 * TTLĐXS quota: the most units that may be TTLĐXS out of ttldtt_units rated
 * TTLĐTT: floor(ttldtt_units * quota_pct / 100), but 1 where that is below 1
 * and ttldtt_units > 0. 4 -> 1, 10 -> 2, 14 -> 2, 15 -> 3, 0 -> 0 at 20%.
 */
unsigned elig_ttldxs_quota(unsigned ttldtt_units, double quota_pct);

/* Sort c[0..n) best first by the ranking above and set position, tied and
   within (against quota). */
void elig_quota_rank(struct elig_quota_candidate *c, size_t n, unsigned quota);

/*
 * CO-NGANH, at most co_nganh.per_cluster flags per cluster per year:
 * flags_decided is how many the cluster already has for the year (approved
 * or decided, annulled ones left out). ELIGIBLE while below the limit,
 * INELIGIBLE with rule CO-NGANH at it, POLICY if the key is missing.
 * Returns as elig_judge.
 */
int elig_flag_check(unsigned flags_decided, const struct elig_rules *r, struct elig_verdict *out);

#endif
